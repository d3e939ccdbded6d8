import type { AuditEntry, Cohort, CohortMember, Counselor, Organisation } from '../../domain/counselor';
import type { EngagementStore } from '../../ports/engagement';
import { compareStrings, copy } from './memory-context';
import { createMemoryEngagementStore } from './memory-engagement-store';

/**
 * What every memory twin of the CounselorStore shares (memory-organisations.ts and the others
 * beside it), as the DynamoDB repositories share counselor-context.ts: the records, the engagement
 * twin whose cohort totals hold the member counts, and whether a person may be written for.
 */
export type MemoryCounselorContext = ReturnType<typeof createMemoryCounselorContext>;

export interface MemoryCounselorOptions {
  /** Whether guarded writes for this person may go (the memory Store's isLiving). */
  isLiving?: (personId: string) => boolean;
  /** The engagement twin whose cohort totals hold the member counts (a fresh one otherwise). */
  engagement?: EngagementStore;
}

export function createMemoryCounselorContext(options: MemoryCounselorOptions = {}) {
  return {
    engagement: options.engagement ?? createMemoryEngagementStore(options.isLiving ? { isLiving: options.isLiving } : {}),
    /** As the table's guarded writes: no membership for someone who is not there (or is being erased). */
    living: (personId: string) => !options.isLiving || options.isLiving(personId),
    orgs: new Map<string, Organisation>(),
    /** by orgId, then counselorId */
    counselors: new Map<string, Map<string, Counselor>>(),
    /** by orgId, then cohortId */
    cohorts: new Map<string, Map<string, Cohort>>(),
    /** by `<orgId>#<cohortId>`, then personId */
    members: new Map<string, Map<string, CohortMember>>(),
    /** by orgId, then audit sort key */
    audit: new Map<string, Map<string, AuditEntry>>(),
  };
}

/** A map's values in key order (the table's sort key order), copied. */
export function sortedValues<T>(map: Map<string, T> | undefined): T[] {
  return [...(map ?? new Map<string, T>()).entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, v]) => copy(v));
}
