import { issueToken, type MembershipRef, type TokenPurpose } from './tokens';

/**
 * The signed links people get, one shape each: which token purpose opens which path. The routes
 * (functions/routes/subscriber.ts, plan.ts) serve exactly these paths, so the shapes live in one
 * place rather than in each sender, where one could drift from its page.
 */
const SHAPES = {
  confirm: { purpose: 'confirm-email', path: 'confirm', suffix: '' },
  join: { purpose: 'join', path: 'join', suffix: '' },
  preferences: { purpose: 'preferences', path: 'preferences', suffix: '' },
  // "My plan" opens with the preferences token: one link to keep, two pages.
  plan: { purpose: 'preferences', path: 'plan', suffix: '' },
  unsubscribe: { purpose: 'unsubscribe', path: 'unsubscribe', suffix: '' },
  calendar: { purpose: 'calendar', path: 'calendar', suffix: '.ics' },
} as const satisfies Record<string, { purpose: TokenPurpose; path: string; suffix: string }>;

export type PublicLink = keyof typeof SHAPES;

/** What signs a link and where it points: named as the use cases' deps name them. */
export interface LinkSigner {
  publicBaseUrl: string;
  tokenSecret: string;
  clock: { now(): Date };
}

/** A fresh signed link (its own nonce and expiry, from now) to one of our public pages. */
export function publicLink(signer: LinkSigner, kind: PublicLink, personId: string, extra: { membership?: MembershipRef; version?: number } = {}): string {
  const { purpose, path, suffix } = SHAPES[kind];
  const token = issueToken(signer.tokenSecret, purpose, personId, signer.clock.now(), undefined, extra);
  return `${signer.publicBaseUrl.replace(/\/$/, '')}/${path}/${token}${suffix}`;
}
