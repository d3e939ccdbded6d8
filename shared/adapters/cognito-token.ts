import * as z from 'zod';
import { tokenEndpoint, tokenRequestBody, type HostedSignIn } from '../domain/sign-in-flow';
import type { CodeExchange, CodeExchanger } from '../ports/counselor-tokens';

/**
 * Cognito's token endpoint, for the last step of the hosted sign-in: the authorization code and
 * the PKCE verifier in, an access token out. The answer is parsed, never trusted: the caller still
 * verifies the access token against the pool's keys before it signs anyone in.
 */

const MAX_ANSWER_BYTES = 64 * 1024;

/** What Cognito answers on success; only the access token matters to us (the API checks it). */
const TokenAnswer = z.object({
  access_token: z.string().min(1).max(8192),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().positive().optional(),
});

export type { CodeExchange } from '../ports/counselor-tokens';

export interface CodeExchangeOptions {
  /** Milliseconds before the request is abandoned: a hung endpoint must not hold the page. */
  timeoutMs: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

async function exchangeCode(hosted: HostedSignIn, code: string, codeVerifier: string, options: CodeExchangeOptions): Promise<CodeExchange> {
  const fetchImpl = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(tokenEndpoint(hosted), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: tokenRequestBody(hosted, code, codeVerifier),
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    // A timeout is a DOMException (TimeoutError), not always an Error: its name is what says why.
    return { ok: false, reason: `token endpoint not reached: ${errorName(error)}` };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { ok: false, reason: `token answer not read: ${errorName(error)}` };
  }
  // Cognito's own error words (invalid_grant and the like) are safe to log; tokens never are.
  if (!response.ok) return { ok: false, reason: `token endpoint answered ${response.status}${errorCode(text)}` };
  if (text.length > MAX_ANSWER_BYTES) return { ok: false, reason: 'token answer too large' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'token answer is not JSON' };
  }
  const parsed = TokenAnswer.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'token answer not as expected' };
  return { ok: true, accessToken: parsed.data.access_token };
}

const errorName = (error: unknown) => (typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : typeof error);

function errorCode(text: string): string {
  try {
    const parsed = z.object({ error: z.string().regex(/^[a-z_]{1,64}$/) }).safeParse(JSON.parse(text));
    return parsed.success ? ` ${parsed.data.error}` : '';
  } catch {
    return '';
  }
}

/** The CodeExchanger port over exchangeCode, for a hosted sign-in's settings. */
export const codeExchanger = (hosted: HostedSignIn, options: CodeExchangeOptions): CodeExchanger => (code, codeVerifier) => exchangeCode(hosted, code, codeVerifier, options);
