import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/**
 * Signed links: the only key to a person's preference centre, unsubscribe button, calendar feed
 * and email confirmation. A token is `<payload>.<signature>`, both base64url; the payload names
 * its purpose, the person, when it expires and a random nonce (used to make confirmation links
 * single use). Unforgeable without the secret (HMAC-SHA256), never a bare id (docs/rules.md).
 */

export const TOKEN_PURPOSES = ['confirm-email', 'unsubscribe', 'preferences', 'calendar', 'join'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

const Payload = z.object({
  p: z.enum(TOKEN_PURPOSES),
  sub: z.string().min(1).max(64),
  /** Expiry, seconds since the epoch. */
  exp: z.number().int().positive(),
  n: z.string().min(8).max(32),
  /**
   * The membership a link answers (`<orgId>#<cohortId>`): an invitation's confirmation link, and
   * a join request, say yes to that organisation and no other.
   */
  m: z.string().min(3).max(140).regex(/^[A-Za-z0-9._-]+#[A-Za-z0-9._-]+$/).optional(),
  /**
   * Calendar links only: the person's calendar link version when it was issued. "Reset my
   * calendar link" moves the version on, and every link carrying an older one stops working.
   */
  v: z.number().int().min(0).max(1_000_000).optional(),
});
export type TokenPayload = z.infer<typeof Payload>;

export const TOKEN_LIFETIME_SECONDS: Record<TokenPurpose, number> = {
  'confirm-email': 3 * 24 * 3600,
  // Links in emails must keep working for as long as people keep old emails.
  unsubscribe: 400 * 24 * 3600,
  preferences: 400 * 24 * 3600,
  calendar: 400 * 24 * 3600,
  // A request to someone already with us, answered in their own time; sent again after it lapses.
  join: 3 * 24 * 3600,
};

/** The organisation and cohort a link's `m` names. */
export interface MembershipRef {
  orgId: string;
  cohortId: string;
}
export const membershipOf = (payload: TokenPayload): MembershipRef | undefined => {
  if (!payload.m) return undefined;
  const [orgId, cohortId] = payload.m.split('#') as [string, string];
  return { orgId, cohortId };
};

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function issueToken(
  secret: string,
  purpose: TokenPurpose,
  personId: string,
  now: Date,
  lifetimeSeconds = TOKEN_LIFETIME_SECONDS[purpose],
  /** What some links carry besides the person: the membership they answer, the calendar link version. */
  extra: { membership?: MembershipRef; version?: number } = {},
): string {
  const payload: TokenPayload = {
    p: purpose,
    sub: personId,
    exp: Math.floor(now.getTime() / 1000) + lifetimeSeconds,
    n: randomBytes(9).toString('base64url'),
    ...(extra.membership && { m: `${extra.membership.orgId}#${extra.membership.cohortId}` }),
    ...(extra.version !== undefined && { v: extra.version }),
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${sign(secret, encoded)}`;
}

export type TokenCheck = { ok: true; payload: TokenPayload } | { ok: false; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' };

export function verifyToken(secret: string, token: string, purpose: TokenPurpose, now: Date): TokenCheck {
  if (typeof token !== 'string' || token.length > 512 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'malformed' };
  const [encoded, signature] = token.split('.') as [string, string];
  const expected = Buffer.from(sign(secret, encoded));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = Payload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  if (parsed.data.p !== purpose) return { ok: false, reason: 'wrong_purpose' };
  if (parsed.data.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload: parsed.data };
}
