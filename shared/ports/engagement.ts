import * as z from 'zod';
import type { CohortLink, EngagementStats } from '../domain/engagement';

/**
 * A member's engagement counts, what they add to their cohorts' figures, and what counselors note
 * after reaching them (shared/domain/engagement.ts explains the model). The DynamoDB adapter and
 * its memory twin pass one contract (test/support/engagement-store-contract.ts).
 */

/** What a counselor notes after reaching a member: kept with the person (erasure takes it), shown to the organisation's counselors. */
export const ContactNote = z.object({
  personId: z.string().min(1),
  orgId: z.string().min(1),
  noteId: z.string().min(1).max(64),
  at: z.iso.datetime(),
  counselorId: z.string().min(1),
  /** How they were reached. */
  via: z.enum(['phone', 'text', 'email', 'in-person', 'other']),
  /** A few words for the other counselors; optional. */
  note: z.string().max(500).optional(),
});
export type ContactNote = z.infer<typeof ContactNote>;

type CohortIndex = 'flag' | 'quiet' | 'name';

interface IndexPage {
  /** Person ids in the index's order, with each entry's sort key. */
  entries: { personId: string; key: string }[];
  /** Where the next page starts (an opaque sort key), when there may be more. */
  next?: string;
}

export interface EngagementStore {
  /** People's counts by id; people without any are absent. */
  getStats(personIds: readonly string[]): Promise<Map<string, EngagementStats>>;
  /**
   * Changes one person's counts: `change` gets what is stored (or nothing yet) and returns the
   * new counts, or undefined to leave them. In the same transaction, every cohort in the old or
   * new `cohorts` moves along: a cohort added gets a link and the member's whole contribution, a
   * cohort dropped loses its link and what it held, the others the difference; their index
   * entries move with them. Written only over the version read (read again and tried again
   * otherwise) and only while the person lives: PersonGone otherwise. `contacted` marks, for
   * every linked cohort of that organisation, that its counselors reached the member (their open
   * flags close). Returns what was stored.
   */
  changeStats(
    personId: string,
    change: (current: EngagementStats | undefined) => EngagementStats | undefined,
    options?: { contacted?: { orgId: string; at: string } },
  ): Promise<EngagementStats | undefined>;
  /**
   * Erasure's part: every cohort loses what the person added, their links and index entries go
   * (`cohorts`: refs to look at besides those the counts name). Their counts go with their
   * partition. Works while they are being erased. Returns how many links went.
   */
  forgetPerson(personId: string, cohorts?: readonly string[]): Promise<number>;
  /** One cohort's links for these people (their contactedAt, snapshot). */
  getLinks(orgId: string, cohortId: string, personIds: readonly string[]): Promise<Map<string, CohortLink>>;
  /** A cohort's totals: the flat counters of shared/domain/engagement.ts (cohortFigures reads them). */
  cohortTotals(orgId: string, cohortId: string): Promise<Record<string, number>>;
  /**
   * Adds member counts to a cohort's totals (the counselor store, as memberships change). Not a
   * transaction with the membership's own write: see the DynamoDB cohort-member-repository.ts.
   */
  addToCohortTotals(orgId: string, cohortId: string, personId: string, delta: Record<string, number>): Promise<void>;
  /**
   * One page of a cohort index: `flag` newest first, `quiet` oldest first up to `upTo` (exclusive
   * of later entries), `name` the entries of one name (`name`).
   */
  listIndex(orgId: string, cohortId: string, index: CohortIndex, options: { limit: number; after?: string; upTo?: string; name?: string }): Promise<IndexPage>;
  /** Keeps a contact note, only while the person lives (PersonGone otherwise). */
  addContactNote(note: ContactNote): Promise<void>;
  /** An organisation's notes on one person, newest first. */
  listContactNotes(personId: string, orgId: string, limit?: number): Promise<ContactNote[]>;
}
