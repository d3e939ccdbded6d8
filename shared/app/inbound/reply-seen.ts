import type { Person } from '../../domain/model';
import type { Clock, Store } from '../../ports';
import type { Library } from '../scheduling/planning';
import { updateProfile } from '../scheduling/replan';

/**
 * A text from the person is a sign of life: three weeks of silence slow routine coaching down
 * (shared/domain/budget.ts, SILENCE_DAYS), and a reply ends that. The lanes carry when we last heard from them
 * as of their last plan, so a reply re-plans the person, but only when it moves that by more than
 * REPLAN_AFTER_DAYS (a person replying every day does not re-plan every day; their lanes may count
 * the silence from up to that many days too early). After the "still want these?" text went, the
 * reply also ends that track, so a later silence is asked about afresh.
 */

const REPLAN_AFTER_DAYS = 3;
const KEEP_IN_TOUCH_SEQUENCE = 'keep-in-touch';

export async function noteReply(deps: { store: Store; clock: Clock; library: Library }, person: Person, now: Date): Promise<boolean> {
  const heard = person.profile.heardAt ? Date.parse(person.profile.heardAt) : undefined;
  if (heard !== undefined && now.getTime() - heard < REPLAN_AFTER_DAYS * 86_400_000) return false;
  const enrollments = await deps.store.listEnrollments(person.personId);
  for (const e of enrollments) {
    if (e.status !== 'active' || e.sequenceId !== KEEP_IN_TOUCH_SEQUENCE) continue;
    const asked = (await deps.store.listMessages(person.personId)).some((m) => m.enrollmentId === e.enrollmentId && m.status === 'sent');
    if (asked) await deps.store.saveEnrollment({ ...e, status: 'ended' });
  }
  await updateProfile(deps, person.personId, (profile) => ({ profile: { ...profile, heardAt: now.toISOString() } }));
  return true;
}
