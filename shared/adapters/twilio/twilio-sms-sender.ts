import { AsyncLocalStorage } from 'node:async_hooks';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import TwilioServiceException from 'twilio/lib/base/TwilioServiceException';
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

const DEFAULT_TIMEOUT_MS = 10_000;
const OPTED_OUT = 21610;
const TOO_MANY_REQUESTS = 20429;

/** api.twilio.com, with or without an edge/region (TWILIO_EDGE / TWILIO_REGION rewrite the host). */
const TWILIO_API_ORIGIN = /^https:\/\/api(?:\.[a-z0-9-]+)*\.twilio\.com(?=[/?#]|$)/i;

/**
 * Headers of the response to the provider call in progress. The library throws a RestException
 * that drops the headers, and Retry-After lives there; one store per send() keeps concurrent
 * sends on the same client from reading each other's answers.
 */
const responseOfThisSend = new AsyncLocalStorage<{ headers?: Record<string, unknown> }>();

/**
 * The library's own RequestClient (timeouts, auth, form encoding, no auto-retry), pointed at
 * apiBase. twilio v6 has no base-URL option; a custom httpClient is its supported extension point.
 */
class RoutedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiBase: string | undefined,
    timeoutMs: number,
  ) {
    // Retrying is the dispatcher's decision (with its lease), not the HTTP client's.
    super({ timeout: timeoutMs, autoRetry: false });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = this.apiBase ? opts.uri.replace(TWILIO_API_ORIGIN, this.apiBase) : opts.uri;
    const response = await super.request({ ...opts, uri });
    const capture = responseOfThisSend.getStore();
    if (capture) capture.headers = response.headers as Record<string, unknown>;
    return response;
  }
}

/**
 * SmsSender over Twilio's Messages API, through the official `twilio` library.
 * Every provider answer becomes a SendResult value; reasons carry Twilio codes, never the
 * recipient's number or the text.
 */
export function createTwilioSmsSender(options: TwilioSmsSenderOptions): SmsSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const apiBase = options.apiBase?.replace(/\/+$/, '');
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: new RoutedRequestClient(apiBase, timeoutMs),
  });
  const sender = options.from.startsWith('MG') ? { messagingServiceSid: options.from } : { from: options.from };

  return {
    async send(message: SmsMessage): Promise<SendResult> {
      const capture: { headers?: Record<string, unknown> } = {};
      try {
        const created = await responseOfThisSend.run(capture, () =>
          client.messages.create({
            to: message.to,
            body: message.body,
            ...sender,
            ...((message.statusCallbackUrl ?? options.statusCallbackUrl) ? { statusCallback: message.statusCallbackUrl ?? options.statusCallbackUrl } : {}),
            ...(message.validityPeriodSeconds !== undefined ? { validityPeriod: message.validityPeriodSeconds } : {}),
          }),
        );
        return { status: 'sent', providerId: created.sid };
      } catch (error) {
        return failureOf(error, capture.headers, timeoutMs);
      }
    },
  };
}

function failureOf(error: unknown, headers: Record<string, unknown> | undefined, timeoutMs: number): SendResult {
  if (error instanceof twilio.RestException || error instanceof TwilioServiceException) {
    return providerFailure(error.status, error.code, headers);
  }
  const transportCode = transportErrorCode(error);
  if (transportCode !== undefined) {
    // The request may or may not have reached Twilio; the dispatcher's claim makes a retry safe.
    const timedOut = transportCode === 'ECONNABORTED' || transportCode === 'ETIMEDOUT';
    return { status: 'failed', retryable: true, reason: timedOut ? `twilio: no answer within ${timeoutMs} ms` : `twilio: network error ${transportCode}` };
  }
  // Thrown before any request (e.g. the library refusing its input): retrying cannot help.
  return { status: 'failed', retryable: false, reason: 'twilio: request refused by the client library' };
}

function providerFailure(status: number, code: number | undefined, headers: Record<string, unknown> | undefined): SendResult {
  const reason = `twilio error ${code ?? 'unknown'} (HTTP ${status})`;
  if (code === OPTED_OUT) return { status: 'failed', retryable: false, optedOut: true, reason: `${reason}: recipient has opted out` };
  if (status === 429 || code === TOO_MANY_REQUESTS) {
    const retryAfterSeconds = parseRetryAfter(headers?.['retry-after']);
    return { status: 'failed', retryable: true, reason, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  if (status >= 500) return { status: 'failed', retryable: true, reason };
  return { status: 'failed', retryable: false, reason };
}

/** Errors from the HTTP layer (axios under the library) carry a string code such as ECONNREFUSED. */
function transportErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, isAxiosError } = error as { code?: unknown; isAxiosError?: unknown };
  if (typeof code === 'string' && (isAxiosError === true || /^E[A-Z_]+$/.test(code))) return code;
  if (isAxiosError === true) return 'ERR_NETWORK';
  return undefined;
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110). */
function parseRetryAfter(value: unknown): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const trimmed = String(text).trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
