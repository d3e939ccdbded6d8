import type { SendResult, SmsMessage, SmsSender } from '../../ports';

export interface TwilioSmsSenderOptions {
  accountSid: string;
  authToken: string;
  /** Our sending number (E.164), or a Messaging Service SID (MG...) that picks the number. */
  from: string;
  /** Where to send API calls instead of https://api.twilio.com (the local SMS sandbox). */
  apiBase?: string;
  /** Per request; a slower answer counts as a retryable failure. Default 10 s. */
  timeoutMs?: number;
  /** Twilio posts message status changes (sent, delivered, ...) here. */
  statusCallbackUrl?: string;
}

const TWILIO_API = 'https://api.twilio.com';
const DEFAULT_TIMEOUT_MS = 10_000;
const OPTED_OUT = 21610;
const TOO_MANY_REQUESTS = 20429;

/**
 * SmsSender over Twilio's Messages REST API (POST /2010-04-01/Accounts/{sid}/Messages.json,
 * form-encoded, basic auth), called with fetch.
 *
 * Why not the `twilio` library: it bundles every Twilio product (3.2 MB minified, with axios,
 * xmlbuilder and jsonwebtoken), which made each Lambda bundle ~5 MB and its cold start slow
 * (see BENCHMARKS.md), for the one call we make. The SMS sandbox, which answers like Twilio, and
 * the shared SmsSender contract tests keep this adapter honest; the sandbox still signs webhooks
 * with the library, so signatures are checked against Twilio's own code.
 *
 * Every provider answer becomes a SendResult value; reasons carry Twilio codes, never the
 * recipient's number or the text. Nothing is retried here: that is the dispatcher's decision,
 * made with its lease.
 */
export function createTwilioSmsSender(options: TwilioSmsSenderOptions): SmsSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const apiBase = (options.apiBase ?? TWILIO_API).replace(/\/+$/, '');
  const url = `${apiBase}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const sender: Record<string, string> = options.from.startsWith('MG') ? { MessagingServiceSid: options.from } : { From: options.from };

  return {
    async send(message: SmsMessage): Promise<SendResult> {
      const statusCallback = message.statusCallbackUrl ?? options.statusCallbackUrl;
      const form = new URLSearchParams({
        To: message.to,
        Body: message.body,
        ...sender,
        ...(statusCallback ? { StatusCallback: statusCallback } : {}),
        ...(message.validityPeriodSeconds !== undefined ? { ValidityPeriod: String(message.validityPeriodSeconds) } : {}),
      });
      let response: Response;
      let answer: unknown;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form,
          signal: AbortSignal.timeout(timeoutMs),
        });
        answer = await response.json().catch(() => undefined);
      } catch (error) {
        // The request may or may not have reached Twilio; the dispatcher's claim makes a retry safe.
        if (isTimeout(error)) return { status: 'failed', retryable: true, reason: `twilio: no answer within ${timeoutMs} ms` };
        return { status: 'failed', retryable: true, reason: `twilio: network error ${networkCode(error)}` };
      }
      if (response.ok) {
        const sid = (answer as { sid?: unknown } | undefined)?.sid;
        // Twilio always answers a create with the message's sid; without one the text still went.
        return { status: 'sent', providerId: typeof sid === 'string' ? sid : 'unknown' };
      }
      const code = (answer as { code?: unknown } | undefined)?.code;
      return providerFailure(response.status, typeof code === 'number' ? code : undefined, response.headers.get('retry-after'));
    },
  };
}

function providerFailure(status: number, code: number | undefined, retryAfter: string | null): SendResult {
  const reason = `twilio error ${code ?? 'unknown'} (HTTP ${status})`;
  if (code === OPTED_OUT) return { status: 'failed', retryable: false, optedOut: true, reason: `${reason}: recipient has opted out` };
  if (status === 429 || code === TOO_MANY_REQUESTS) {
    const retryAfterSeconds = parseRetryAfter(retryAfter);
    return { status: 'failed', retryable: true, throttled: true, reason, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  if (status >= 500) return { status: 'failed', retryable: true, reason };
  return { status: 'failed', retryable: false, reason };
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** fetch wraps socket errors: `TypeError: fetch failed` with the errno code on its cause. */
function networkCode(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  }
  return 'ERR_NETWORK';
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110). */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
