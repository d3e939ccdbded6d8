import type { SendResult } from '../../ports';

/**
 * One call to Twilio's Messages REST API (POST /2010-04-01/Accounts/{sid}/Messages.json,
 * form-encoded, basic auth) with fetch, its answer as a SendResult. Shared by the SMS and the
 * WhatsApp adapters: the API, the credentials and the failures are the same; what differs is the
 * form each builds and the few codes only one of them meets.
 *
 * Why not the `twilio` library: it bundles every Twilio product (3.2 MB minified, with axios,
 * xmlbuilder and jsonwebtoken), which made each Lambda bundle ~5 MB and its cold start slow
 * (see BENCHMARKS.md), for the one call we make. The SMS sandbox, which answers like Twilio, and
 * the shared sender contract tests keep this honest.
 *
 * A failure's code is what callers decide on; its reason carries Twilio's codes in words, for the
 * record, never the recipient's number or the text. Nothing is retried here:
 * that is the dispatcher's decision, made with its lease.
 */
export interface TwilioApiOptions {
  accountSid: string;
  authToken: string;
  /** Where to send API calls instead of https://api.twilio.com (the local SMS sandbox). */
  apiBase?: string;
  /** Per request; a slower answer counts as a retryable failure. Default 10 s. */
  timeoutMs?: number;
}

const TWILIO_API = 'https://api.twilio.com';
const DEFAULT_TIMEOUT_MS = 10_000;
const OPTED_OUT = 21610;
const TOO_MANY_REQUESTS = 20429;
const INVALID_TO = 21211;

/** A Twilio error code the caller reads itself, or undefined to use the shared mapping. */
export type CodeMapping = (code: number, reason: string) => SendResult | undefined;

export function createTwilioMessages(options: TwilioApiOptions) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const apiBase = (options.apiBase ?? TWILIO_API).replace(/\/+$/, '');
  const url = `${apiBase}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;

  return async function createMessage(form: Record<string, string>, mapCode?: CodeMapping): Promise<SendResult> {
    let response: Response;
    let answer: unknown;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form),
        signal: AbortSignal.timeout(timeoutMs),
      });
      answer = await response.json().catch(() => undefined);
    } catch (error) {
      // The request may or may not have reached Twilio; the dispatcher's claim makes a retry safe.
      if (isTimeout(error)) return { status: 'failed', retryable: true, code: 'timeout', reason: `twilio: no answer within ${timeoutMs} ms` };
      return { status: 'failed', retryable: true, code: 'network', reason: `twilio: network error ${networkCode(error)}` };
    }
    if (response.ok) {
      const sid = (answer as { sid?: unknown } | undefined)?.sid;
      // Twilio always answers a create with the message's sid; without one the message still went.
      return { status: 'sent', providerId: typeof sid === 'string' ? sid : 'unknown' };
    }
    const code = (answer as { code?: unknown } | undefined)?.code;
    const known = typeof code === 'number' ? code : undefined;
    const reason = `twilio error ${known ?? 'unknown'} (HTTP ${response.status})`;
    return (known !== undefined && mapCode?.(known, reason)) || providerFailure(response.status, known, reason, response.headers.get('retry-after'));
  };
}

function providerFailure(status: number, code: number | undefined, reason: string, retryAfter: string | null): SendResult {
  if (code === OPTED_OUT) return { status: 'failed', retryable: false, code: 'opted_out', reason: `${reason}: recipient has opted out` };
  if (status === 429 || code === TOO_MANY_REQUESTS) {
    const retryAfterSeconds = parseRetryAfter(retryAfter);
    return { status: 'failed', retryable: true, code: 'throttled', reason, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  if (status >= 500) return { status: 'failed', retryable: true, code: 'provider_error', reason };
  return { status: 'failed', retryable: false, code: code === INVALID_TO ? 'invalid_address' : 'rejected', reason };
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
