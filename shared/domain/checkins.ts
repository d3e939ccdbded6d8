import type { JournalEntry, Message, Person, SafetyEvent } from './model';

/**
 * What check-ins and engagement mean, shared by the cohort report (cohort-report.ts) and the
 * counts kept as things happen (shared/app/engagement/engagement-counts.ts), so the two cannot
 * drift apart. Pure. Kept apart from the report so the functions that only count (the public API,
 * the dispatcher) do not carry it.
 */

/** A check-in score of this or less is low (scores run 1 to 5). */
export const LOW_SCORE = 2;
/** Silence this long, after we texted, puts a member on the flagged list. */
export const NO_REPLY_DAYS = 14;

export type ConsentBucket = 'confirmed' | 'pending' | 'revoked' | 'none';

/** Everything the report reads about one member. A member whose person is gone (erased) has none. */
export interface MemberRecords {
  personId: string;
  person?: Person;
  messages: readonly Message[];
  journal: readonly JournalEntry[];
  safety: readonly SafetyEvent[];
}

/** Confirmed on any channel counts as confirmed; revoked only when every channel they had is off. */
export function overallConsent(email: ConsentBucket, sms: ConsentBucket): ConsentBucket {
  const states = [email, sms];
  if (states.includes('confirmed')) return 'confirmed';
  if (states.includes('pending')) return 'pending';
  if (states.includes('revoked')) return 'revoked';
  return 'none';
}

/** When a message went out: its last attempt's time, else the time it was planned for. */
export const sentAtOf = (m: Message): string => {
  const sent = [...m.attempts].reverse().find((a) => a.outcome === 'sent');
  return sent?.at ?? m.sendAt;
};

/** Monday (ISO week start, UTC) of an instant, `yyyy-mm-dd`. */
export function weekStartOf(at: string | Date): string {
  // Plain day arithmetic (UTC has no DST): it runs once per answer and per check-in, tens of
  // thousands of times for a large cohort, where a Luxon object each time was most of the cost.
  const day = Math.floor(new Date(at).getTime() / 86_400_000);
  // 1970-01-01 was a Thursday: three days after a Monday.
  const monday = day - ((((day + 3) % 7) + 7) % 7);
  return new Date(monday * 86_400_000).toISOString().slice(0, 10);
}

