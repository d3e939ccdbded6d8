import type { CounselorPrincipal } from '../../domain/counselor';
import { openSignInState } from '../../domain/sign-in-flow';
import type { Clock } from '../../ports';
import type { CodeExchanger } from '../../ports/counselor-tokens';

/**
 * The end of a counselor's hosted sign-in (GET /auth/callback): the state our own cookie carried
 * must match the one the provider sent back, the code is traded for an access token, and that
 * token is accepted only if it passes the same checks as every request (signature, issuer,
 * client, expiry, scope, the counselor's record). Every failure says what to show (a 400: this
 * attempt is spent, start again; a 401: the account is not set up) and why, for the log.
 */

export interface FinishSignInDeps {
  tokenSecret: string;
  clock: Clock;
  exchange: CodeExchanger;
  /** The counselor a token names now, as every request checks it; undefined when not accepted. */
  accept: (accessToken: string) => Promise<CounselorPrincipal | undefined>;
}

export type SignInFailure = 'state_stale' | 'state_foreign' | 'exchange_failed' | 'not_accepted';

export type FinishSignInOutcome =
  | { ok: true; accessToken: string; principal: CounselorPrincipal }
  | { ok: false; failure: SignInFailure; status: 400 | 401; logReason: string };

export async function finishHostedSignIn(deps: FinishSignInDeps, callback: { code: string; state: string; stateCookie: string | undefined }): Promise<FinishSignInOutcome> {
  const check = openSignInState(deps.tokenSecret, callback.stateCookie, callback.state, deps.clock.now());
  if (!check.ok) {
    const failure = check.reason === 'expired' || check.reason === 'missing' ? 'state_stale' : 'state_foreign';
    return { ok: false, failure, status: 400, logReason: `state ${check.reason}` };
  }
  const exchanged = await deps.exchange(callback.code, check.start.codeVerifier);
  // The provider down, slow or refusing the code: a 400 (this attempt is spent; start again), never a 5xx.
  if (!exchanged.ok) return { ok: false, failure: 'exchange_failed', status: 400, logReason: exchanged.reason };
  // Never trusted as it comes: the same verifier as every request.
  const principal = await deps.accept(exchanged.accessToken);
  if (!principal) return { ok: false, failure: 'not_accepted', status: 401, logReason: 'access token not accepted' };
  return { ok: true, accessToken: exchanged.accessToken, principal };
}
