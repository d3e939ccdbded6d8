/**
 * Changing a cohort: rename, archive (or bring back), change its season, sequences or program
 * dates. A change of sequences or dates reaches its members (apply-cohort-to-members.ts).
 */
import * as z from 'zod';
import type { Cohort, CounselorPrincipal } from '../../domain/counselor';
import { recordAudit } from '../counselors/audit';
import { definedOnly } from '../scheduling/enroll';
import { applyCohortToMembers } from './apply-cohort-to-members';
import { ProgramDates, knownSequences } from './create-cohort';
import { parse, type CohortDeps } from './deps';
import { getCohort } from './get-cohort';
import { plainText } from './member-input';

const CohortChange = z
  .object({
    name: plainText(120, 'name').optional(),
    season: z.number().int().min(2020).max(2100).optional(),
    sequenceIds: z.array(z.string().min(1).max(64)).min(1).max(20).optional(),
    anchorOverrides: ProgramDates.optional(),
    archived: z.boolean().optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'nothing to change' });

/** Rename, archive (or bring back), change the season, sequences or anchor overrides. */
export async function updateCohort(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, raw: unknown): Promise<Cohort> {
  const change = parse(CohortChange, raw);
  const cohort = await getCohort(deps, actor, cohortId);
  if (change.sequenceIds) await knownSequences(deps, change.sequenceIds);
  const updated: Cohort = { ...cohort, ...definedOnly(change), updatedAt: deps.clock.now().toISOString() };
  await deps.counselors.saveCohort(updated);
  const reshaped = change.sequenceIds !== undefined || change.anchorOverrides !== undefined;
  const members = reshaped ? await applyCohortToMembers(deps, cohort, updated) : 0;
  const action = change.archived === true ? 'cohort.archive' : change.archived === false ? 'cohort.unarchive' : change.name ? 'cohort.rename' : 'cohort.update';
  await recordAudit(deps, actor, action, { kind: 'cohort', id: cohortId }, { fields: Object.keys(change).sort().join(','), ...(reshaped && { members }) });
  return updated;
}
