import {
  AccountSuspendedException,
  BadRequestException,
  ConcurrentModificationException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendEmailCommand,
  SendingPausedException,
  SESv2ServiceException,
  TooManyRequestsException,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import type { SendFailureCode } from '../../domain/outcome-codes';
import type { EmailMessage, EmailSender, SendResult } from '../../ports';

export interface SesEmailSenderOptions {
  /**
   * Retries belong to the dispatcher (lease, then `retryAt`), so build this client with a small
   * `maxAttempts` and a request timeout that fits the dispatcher's time budget.
   */
  client: SESv2Client;
  /** A verified identity, e.g. `Match Coach <coach@example.org>`. */
  from: string;
  configurationSetName?: string;
}

/** SES allows only ASCII letters, digits, `_` and `-` in tag names and values, up to 256. */
export const MESSAGE_ID_TAG = 'match_coach_message_id';
function toSesTagValue(value: string): string {
  return (value.replace(/[^A-Za-z0-9_-]/g, '_') || '_').slice(0, 256);
}

type Failed = Extract<SendResult, { status: 'failed' }>;
const retry = (code: SendFailureCode, reason: string): Failed => ({ status: 'failed', retryable: true, code, reason });
const giveUp = (code: SendFailureCode, reason: string): Failed => ({ status: 'failed', retryable: false, code, reason });

/**
 * Turns whatever SendEmail threw into a value. Reasons are fixed labels: the provider's message
 * can name the recipient or echo content, so it is only matched, never copied.
 *
 * SES documents both send limits as throttling errors told apart by their message ("Daily
 * message quota exceeded" / "Maximum sending rate exceeded"), so the message decides quota vs
 * rate whatever class carried it. The codes `quota_exceeded` and `sending_paused` tell the
 * dispatcher to pause email and raise an alarm rather than back off one message.
 */
function classifySesError(error: unknown): Failed {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (!(error instanceof SESv2ServiceException)) {
    // No answer from SES (refused, reset, DNS, timeout): the email may or may not have gone
    // out; a retry risks a duplicate, which at-least-once accepts.
    if (status === undefined) {
      const label = networkLabel(error);
      return retry(label === 'TimeoutError' || label === 'RequestTimeout' ? 'timeout' : 'network', `network:${label}`);
    }
    // An answer the SDK could not read as SES's JSON (an HTML page from something in between).
    if (status === 429) return retry('throttled', 'throttled:http-429');
    if (status >= 500) return retry('provider_error', `provider:http-${status}`);
    return giveUp('rejected', `provider:http-${status}`);
  }
  const message = typeof error.message === 'string' ? error.message : '';
  const dailyQuota = /daily message quota exceeded/i.test(message);
  const sendingRate = /maximum sending rate exceeded/i.test(message);

  if (error instanceof SendingPausedException) return retry('sending_paused', 'paused:sending-paused');
  if (error instanceof AccountSuspendedException) return retry('sending_paused', 'paused:account-suspended');
  if (dailyQuota) return retry('quota_exceeded', 'quota:daily-message-quota-exceeded');
  if (error instanceof LimitExceededException) return retry('quota_exceeded', 'quota:limit-exceeded');
  if (error instanceof TooManyRequestsException || sendingRate || status === 429) {
    return retry('throttled', 'throttled:maximum-sending-rate-exceeded');
  }
  if (
    error instanceof InternalServiceErrorException ||
    error instanceof ConcurrentModificationException ||
    error.$fault === 'server' ||
    (status !== undefined && status >= 500)
  ) {
    return retry('provider_error', `provider:http-${status ?? 500}`);
  }
  if (error instanceof MessageRejected) return giveUp('rejected', 'rejected:message-rejected');
  if (error instanceof MailFromDomainNotVerifiedException) return giveUp('rejected', 'rejected:mail-from-domain-not-verified');
  if (error instanceof BadRequestException) return giveUp('rejected', 'rejected:bad-request');
  if (error instanceof NotFoundException) return giveUp('rejected', 'rejected:not-found');
  // An error SES v2 does not model for SendEmail (auth, signature, unknown 4xx): retrying the
  // same request will not change the answer.
  return giveUp('rejected', `provider:http-${status ?? 'unknown'}`);
}

/**
 * A short label for a failure below HTTP: the errno code (ECONNREFUSED, ETIMEDOUT ...) or the
 * error's name. The SDK re-wraps errors from another realm (as under jest) into a plain Error
 * whose message still starts with the original, so the code is taken from there as a last resort;
 * only a known errno code is ever taken from a message, never the rest of it.
 */
const NETWORK_CODE_IN_MESSAGE =
  /\b(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ENETDOWN|EPROTO)\b/;
function networkLabel(error: unknown): string {
  const { code, name, message } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  const fromMessage = typeof message === 'string' ? NETWORK_CODE_IN_MESSAGE.exec(message)?.[1] : undefined;
  if (fromMessage) return fromMessage;
  if (typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) && name !== 'Error') return name;
  return 'unknown';
}

/** EmailSender over SES v2 SendEmail with Simple content (subject, text and html in UTF-8). */
export function createSesEmailSender(options: SesEmailSenderOptions): EmailSender {
  const { client, from, configurationSetName } = options;
  return {
    async send(message: EmailMessage): Promise<SendResult> {
      const headers = Object.entries(message.headers ?? {}).map(([Name, Value]) => ({ Name, Value }));
      const command = new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
            // RFC 8058 one-click unsubscribe travels here; Simple content keeps SES building the MIME.
            ...(headers.length > 0 ? { Headers: headers } : {}),
          },
        },
        EmailTags: [{ Name: MESSAGE_ID_TAG, Value: toSesTagValue(message.messageId) }],
        ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
      });
      try {
        const output = await client.send(command);
        // SES always returns a MessageId on success; without one the email still went out.
        return { status: 'sent', providerId: output.MessageId ?? 'unknown' };
      } catch (error) {
        return classifySesError(error);
      }
    },
  };
}
