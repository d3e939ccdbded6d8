import { whatsappAddress, whatsappRefusal } from '../../domain/whatsapp';
import type { SendResult, WhatsAppMessage, WhatsAppSender } from '../../ports';
import { createTwilioMessages, type TwilioApiOptions } from './twilio-messages';

export interface TwilioWhatsAppSenderOptions extends TwilioApiOptions {
  /** Our WhatsApp sender (`whatsapp:+E164`), or a Messaging Service SID (MG...) that holds one. */
  from: string;
}

const CONTENT_SID_INVALID = 21655;

/**
 * WhatsAppSender over Twilio's Messages REST API, the same call texts use
 * (./twilio-messages.ts): `To` is the person's number as a `whatsapp:` address; a message is
 * either free text (`Body`, inside the customer service window) or an approved template
 * (`ContentSid` and `ContentVariables`, a JSON object of the placeholders' values).
 *
 * WhatsApp's own refusals (63016 outside the window, 63003 not on WhatsApp, 63024 no valid
 * recipient) normally come later, on the status callback; should Twilio give one on the create
 * itself, it is passed on with its code so the caller treats it the same way.
 */
export function createTwilioWhatsAppSender(options: TwilioWhatsAppSenderOptions): WhatsAppSender {
  const createMessage = createTwilioMessages(options);
  const sender: Record<string, string> = options.from.startsWith('MG') ? { MessagingServiceSid: options.from } : { From: options.from };

  return {
    async send(message: WhatsAppMessage): Promise<SendResult> {
      const content: Record<string, string> =
        message.content.kind === 'text'
          ? { Body: message.content.body }
          : { ContentSid: message.content.contentSid, ContentVariables: JSON.stringify(message.content.variables) };
      return createMessage(
        {
          To: whatsappAddress(message.to),
          ...sender,
          ...content,
          ...(message.statusCallbackUrl ? { StatusCallback: message.statusCallbackUrl } : {}),
          ...(message.validityPeriodSeconds !== undefined ? { ValidityPeriod: String(message.validityPeriodSeconds) } : {}),
        },
        (code, reason) => {
          if (code === CONTENT_SID_INVALID) return { status: 'failed', retryable: false, code: 'template_not_registered', reason: `${reason}: template not registered` };
          return whatsappRefusal(code) ? { status: 'failed', retryable: false, code: 'whatsapp_refused', reason, whatsappErrorCode: code } : undefined;
        },
      );
    },
  };
}
