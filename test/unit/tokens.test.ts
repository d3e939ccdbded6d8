import fc from 'fast-check';
import { issueToken, verifyToken } from '../../shared/domain/tokens';

const SECRET = 'test-secret-at-least-32-characters-long!!';
const NOW = new Date('2027-01-04T10:00:00Z');

describe('signed tokens', () => {
  it('round-trips, and only for its purpose, its secret and its lifetime', () => {
    const token = issueToken(SECRET, 'unsubscribe', 'person-1', NOW);
    expect(verifyToken(SECRET, token, 'unsubscribe', NOW)).toMatchObject({ ok: true, payload: { sub: 'person-1', p: 'unsubscribe' } });
    expect(verifyToken(SECRET, token, 'preferences', NOW)).toEqual({ ok: false, reason: 'wrong_purpose' });
    expect(verifyToken('another-secret-of-enough-length-here!!!', token, 'unsubscribe', NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const confirm = issueToken(SECRET, 'confirm-email', 'person-1', NOW);
    expect(verifyToken(SECRET, confirm, 'confirm-email', new Date(NOW.getTime() + 3 * 86_400_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('a changed payload fails the signature (the person id cannot be swapped)', () => {
    const token = issueToken(SECRET, 'preferences', 'person-1', NOW);
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('person-1', 'person-2')).toString('base64url');
    expect(verifyToken(SECRET, `${forged}.${signature}`, 'preferences', NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (junk) => {
        expect(verifyToken(SECRET, junk, 'unsubscribe', NOW).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
