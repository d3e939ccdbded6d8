/**
 * Creating a cohort: a counselor's group of applicants, with its season, its sequences (each one
 * the library knows) and the program dates it sets for everyone; audited in the org's log.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Cohort, CounselorPrincipal } from '../../domain/counselor';
import { AnchorValue } from '../../domain/schedule';
import { AnchorName } from '../../domain/sequence';
import { PERSONAL_DATE_NAMES } from '../../domain/subscription-words';
import { recordAudit } from '../counselors/audit';
import { DomainError } from '../../domain/errors';
import { loadLibrary } from '../scheduling/library';
import { parse, type CohortDeps } from './deps';
import { plainText } from './member-input';

/**
 * Dates a program sets for all its members (its own interview day ...). Never a person's own dates
 * (exams, documents) nor when they joined: those are theirs, and a cohort's change must not
 * overwrite them.
 */
export const ProgramDates = z.record(AnchorName, AnchorValue).refine(
  (dates) => !Object.keys(dates).some((name) => name === 'enrolled' || (PERSONAL_DATE_NAMES as readonly string[]).includes(name)),
  { message: `a cohort sets program dates only: ${PERSONAL_DATE_NAMES.join(', ')} are each member's own (give them per member) and enrolled is set when they join` },
);

const CohortInput = z
  .object({
    name: plainText(120, 'name'),
    season: z.number().int().min(2020).max(2100),
    sequenceIds: z.array(z.string().min(1).max(64)).min(1).max(20),
    anchorOverrides: ProgramDates.default({}),
  })
  .strict();

export async function knownSequences(deps: CohortDeps, ids: readonly string[]): Promise<void> {
  const library = deps.library ?? (await loadLibrary(deps.store));
  const unknown = ids.filter((id) => !library.sequences.has(id));
  if (unknown.length) throw new DomainError('validation', `unknown sequence: ${unknown.join(', ')} (see \`matchcoach sequences\`)`);
  if (new Set(ids).size !== ids.length) throw new DomainError('validation', 'a sequence is listed twice');
}

export async function createCohort(deps: CohortDeps, actor: CounselorPrincipal, raw: unknown): Promise<Cohort> {
  const input = parse(CohortInput, raw);
  await knownSequences(deps, input.sequenceIds);
  const now = deps.clock.now().toISOString();
  const cohort: Cohort = { cohortId: randomUUID(), orgId: actor.orgId, ...input, archived: false, createdAt: now, updatedAt: now };
  await deps.counselors.saveCohort(cohort);
  await recordAudit(deps, actor, 'cohort.create', { kind: 'cohort', id: cohort.cohortId }, { season: cohort.season, sequences: cohort.sequenceIds.length });
  return cohort;
}
