import type { SendResult, SmsMessage, SmsSender } from '../../ports';
import { createTwilioMessages, type TwilioApiOptions } from './twilio-messages';

export interface TwilioSmsSenderOptions extends TwilioApiOptions {
  /** Our sending number (E.164), or a Messaging Service SID (MG...) that picks the number. */
  from: string;
  /** Twilio posts message status changes (sent, delivered, ...) here. */
  statusCallbackUrl?: string;
}

/**
 * SmsSender over Twilio's Messages REST API (./twilio-messages.ts has the call and why it is made
 * with fetch). Every provider answer becomes a SendResult value.
 */
export function createTwilioSmsSender(options: TwilioSmsSenderOptions): SmsSender {
  const createMessage = createTwilioMessages(options);
  const sender: Record<string, string> = options.from.startsWith('MG') ? { MessagingServiceSid: options.from } : { From: options.from };

  return {
    async send(message: SmsMessage): Promise<SendResult> {
      const statusCallback = message.statusCallbackUrl ?? options.statusCallbackUrl;
      return createMessage({
        To: message.to,
        Body: message.body,
        ...sender,
        ...(statusCallback ? { StatusCallback: statusCallback } : {}),
        ...(message.validityPeriodSeconds !== undefined ? { ValidityPeriod: String(message.validityPeriodSeconds) } : {}),
      });
    },
  };
}
