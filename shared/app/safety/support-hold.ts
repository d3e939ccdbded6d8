import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import { DomainError, describeIssues } from '../../domain/errors';
import type { Library } from '../scheduling/planning';
import { updateProfile } from '../scheduling/replan';

const ResumeCoachingInput = z.object({
  personId: z.string().min(1),
  /** Who checked in with the person and lifts the hold: kept in their safety record. */
  by: z.string().trim().min(1).max(120),
});
type ResumeCoachingInput = z.input<typeof ResumeCoachingInput>;

/**
 * A human (an operator, or one of their counselors) has checked in after a risk message and lifts
 * the support hold (docs/rules.md, Safety: upbeat sequences pause until a human resumes them).
 * 1. Clears profile.supportHold and re-plans, so the upbeat steps come back from now on.
 * 2. Records who lifted it and when, as a safety event next to the flag that set it.
 * A person without a hold is left as they are.
 */
export async function resumeCoaching(
  deps: { store: Store; clock: Clock; library?: Library; log?: Logger },
  raw: unknown,
): Promise<{ resumed: boolean; planned: number }> {
  const parsed = ResumeCoachingInput.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const { personId, by } = parsed.data;
  const person = await deps.store.getPerson(personId);
  if (!person) throw new DomainError('not_found', 'no such person');
  if (!person.profile.supportHold) return { resumed: false, planned: 0 };

  const { supportHold: _lifted, ...profile } = person.profile;
  const { planned } = await updateProfile(deps, personId, () => ({ profile }));
  await deps.store.saveSafetyEvent({ personId, eventId: randomUUID(), at: deps.clock.now().toISOString(), kind: 'hold-lifted', by });
  loggerOf(deps).info('support hold lifted', { personId });
  return { resumed: true, planned: planned.length };
}
