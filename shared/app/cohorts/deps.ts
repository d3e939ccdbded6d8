/**
 * What every cohort use case is given (CohortDeps), and the two helpers they share: reading input
 * through a schema (a validation error the counselor can read) and a key-order independent JSON
 * to tell "the same" from "changed".
 */
import type * as z from 'zod';
import type { CounselorStore } from '../../ports/counselor';
import type { SubscriptionDeps } from '../subscription/deps';
import { DomainError, describeIssues } from '../../domain/errors';

/** What sign-up needs (invitations are its confirmation messages), plus the counselor records. */
export interface CohortDeps extends SubscriptionDeps {
  counselors: CounselorStore;
}

export const parse = <T extends z.ZodType>(schema: T, raw: unknown): z.output<T> => {
  const result = schema.safeParse(raw);
  if (!result.success) throw new DomainError('validation', describeIssues(result.error.issues));
  return result.data;
};

/** Key-order independent JSON, to tell "the same" from "changed". */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
