import { finishHostedSignIn, type FinishSignInDeps } from '../../shared/app/counselors/hosted-sign-in';
import { newSignInStart, sealSignInState } from '../../shared/domain/sign-in-flow';
import type { CounselorPrincipal } from '../../shared/domain/counselor';

/**
 * The end of the hosted sign-in as a use case, on its own: what the callback route answers is
 * tested through the route (counselor-hosted-sign-in.test.ts); here, which step decides what.
 */

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const NOW = new Date('2026-12-07T09:00:00Z');
const PRINCIPAL: CounselorPrincipal = { counselorId: 'c-1', orgId: 'org-a', role: 'counselor', scopes: ['matchcoach/counselor'] };

function setUp(overrides: Partial<FinishSignInDeps> = {}) {
  const start = newSignInStart();
  const exchanged: Array<[string, string]> = [];
  const deps: FinishSignInDeps = {
    tokenSecret: SECRET,
    clock: { now: () => NOW },
    exchange: async (code, verifier) => {
      exchanged.push([code, verifier]);
      return { ok: true, accessToken: 'access-token' };
    },
    accept: async (token) => (token === 'access-token' ? PRINCIPAL : undefined),
    ...overrides,
  };
  return { start, cookie: sealSignInState(SECRET, start, NOW), deps, exchanged };
}

test('the state matches: the code and the PKCE verifier are exchanged, and the accepted token signs the counselor in', async () => {
  const { start, cookie, deps, exchanged } = setUp();
  expect(await finishHostedSignIn(deps, { code: 'the-code', state: start.state, stateCookie: cookie })).toEqual({ ok: true, accessToken: 'access-token', principal: PRINCIPAL });
  expect(exchanged).toEqual([['the-code', start.codeVerifier]]);
});

test('no state cookie, or one that has expired: stale (400), nothing exchanged', async () => {
  const { start, deps, exchanged } = setUp();
  expect(await finishHostedSignIn(deps, { code: 'c', state: start.state, stateCookie: undefined })).toMatchObject({ ok: false, failure: 'state_stale', status: 400, logReason: 'state missing' });
  const old = sealSignInState(SECRET, start, new Date(NOW.getTime() - 24 * 3_600_000));
  expect(await finishHostedSignIn(deps, { code: 'c', state: start.state, stateCookie: old })).toMatchObject({ ok: false, failure: 'state_stale', status: 400, logReason: 'state expired' });
  expect(exchanged).toEqual([]);
});

test('a state that is not ours: foreign (400), nothing exchanged', async () => {
  const { cookie, deps, exchanged } = setUp();
  expect(await finishHostedSignIn(deps, { code: 'c', state: newSignInStart().state, stateCookie: cookie })).toMatchObject({ ok: false, failure: 'state_foreign', status: 400, logReason: 'state state_mismatch' });
  expect(exchanged).toEqual([]);
});

test('the exchange fails: 400 with its reason for the log', async () => {
  const { start, cookie, deps } = setUp({ exchange: async () => ({ ok: false, reason: 'token endpoint answered 400 invalid_grant' }) });
  expect(await finishHostedSignIn(deps, { code: 'c', state: start.state, stateCookie: cookie })).toEqual({
    ok: false,
    failure: 'exchange_failed',
    status: 400,
    logReason: 'token endpoint answered 400 invalid_grant',
  });
});

test('a token the checks do not accept: 401', async () => {
  const { start, cookie, deps } = setUp({ accept: async () => undefined });
  expect(await finishHostedSignIn(deps, { code: 'c', state: start.state, stateCookie: cookie })).toEqual({ ok: false, failure: 'not_accepted', status: 401, logReason: 'access token not accepted' });
});
