/**
 * A cohort's new sequences or program dates, carried to its members' tracks: only those whose
 * tracks are the organisation's to shape, so a cohort's change never overwrites a person's own.
 */
import { isAcceptedMember, type Cohort } from '../../domain/counselor';
import { ownRecordOf } from '../../domain/ownership';
import { nextEnrollmentId, type Enrollment } from '../../domain/model';
import { PERSONAL_DATE_NAMES } from '../../domain/subscription-words';
import { mapWithConcurrency } from '../../domain/concurrency';
import { loadLibrary } from '../scheduling/library';
import { replanPerson } from '../scheduling/replan';
import { stable, type CohortDeps } from './deps';

/**
 * After a cohort's sequences or anchor overrides change, its active members follow: each gets
 * an enrollment in every sequence the cohort now has (with their own dates), the overrides are
 * rewritten on the cohort's enrollments (an override dropped from the cohort leaves them), and
 * confirmed members are re-planned. Tracks of sequences the cohort no longer lists are left as
 * they are: the person may want them, and removing a member is how a counselor stops them.
 */
export async function applyCohortToMembers(deps: CohortDeps, before: Cohort, after: Cohort): Promise<number> {
  const library = deps.library ?? (await loadLibrary(deps.store));
  // Only members whose tracks are the organisation's to shape: those who said yes to it, and its
  // own records nobody confirmed. Someone still to answer is not touched.
  const members = (await deps.counselors.listCohortMembers(after.orgId, after.cohortId)).filter((m) => m.status === 'active');
  const nowIso = deps.clock.now().toISOString();
  let changed = 0;
  await mapWithConcurrency(members, 8, async (member) => {
    const person = await deps.store.getPerson(member.personId);
    if (!person || !(isAcceptedMember(member) || ownRecordOf(person, after.orgId))) return;
    const held = await deps.store.listEnrollments(person.personId);
    const active = held.filter((e) => e.status === 'active');
    const personal: Record<string, string> = {};
    for (const name of PERSONAL_DATE_NAMES) {
      const value = active.find((e) => e.anchors[name] !== undefined)?.anchors[name];
      if (value !== undefined) personal[name] = value;
    }
    const writes: Enrollment[] = [];
    for (const sequenceId of after.sequenceIds) {
      const enrollment = active.find((e) => e.sequenceId === sequenceId);
      if (!enrollment) {
        writes.push({ personId: person.personId, enrollmentId: nextEnrollmentId(person.personId, sequenceId, held), sequenceId, anchors: { ...after.anchorOverrides, ...personal, enrolled: nowIso }, enrolledAt: nowIso, status: 'active' });
        continue;
      }
      const kept = Object.fromEntries(Object.entries(enrollment.anchors).filter(([name]) => !(name in before.anchorOverrides) || name in after.anchorOverrides));
      const anchors = { ...kept, ...after.anchorOverrides };
      if (stable(anchors) !== stable(enrollment.anchors)) writes.push({ ...enrollment, anchors });
    }
    if (writes.length === 0) return;
    for (const enrollment of writes) await deps.store.saveEnrollment(enrollment);
    changed++;
    if (person.consent.email?.state === 'confirmed' || person.consent.sms?.state === 'confirmed') {
      await replanPerson({ store: deps.store, clock: deps.clock, library }, person.personId);
    }
  });
  return changed;
}
