/**
 * A person's own dates (exams, documents due) as anchors of their tracks: setting them from a form
 * and reading them back for the forms. Shared by sign-up and the preferences, so both place dates
 * on the same enrollments the same way.
 */
import { audienceAllows } from '../../domain/eligibility';
import { nextEnrollmentId, type Person } from '../../domain/model';
import { PERSONAL_DATE_NAMES, PERSONAL_DATES, type PersonalDate } from '../../domain/subscription-words';
import type { Store } from '../../ports';
import { definedOnly } from '../scheduling/enroll';
import type { Library } from '../scheduling/planning';
import { isPlanEnrollment } from '../../domain/plan';
import { personalDatesIn } from '../my-plan/plan-enrollments';
import type { SubscriptionDeps } from './deps';

/**
 * Puts the person's own dates on their tracks (they are enrollment anchors), enrolling them in
 * the automatic tracks their profile fits if they have none yet, so the dates have a home even
 * before anything can be planned. `dates` replaces every personal date: a missing one is removed.
 */
export async function setPersonalDates(deps: SubscriptionDeps & { library: Library }, person: Person, dates: Partial<Record<PersonalDate, string>>, now: Date) {
  // Plan enrollments carry one deadline's anchors each, never the personal dates.
  const held = await deps.store.listEnrollments(person.personId);
  const active = held.filter((e) => e.status === 'active' && !isPlanEnrollment(e));
  if (active.length === 0) {
    for (const sequence of deps.library.sequences.values()) {
      // The welcome is started by the re-plan that follows a yes, never ahead of it.
      if (!sequence.autoEnroll || sequence.onJoin || !audienceAllows(sequence.audience, person.profile)) continue;
      await deps.store.saveEnrollment({
        personId: person.personId,
        enrollmentId: nextEnrollmentId(person.personId, sequence.id, held),
        sequenceId: sequence.id,
        anchors: { ...dates, enrolled: now.toISOString() } as Record<string, string>,
        enrolledAt: now.toISOString(),
        status: 'active',
      });
    }
    return;
  }
  for (const enrollment of active) {
    const kept = Object.fromEntries(Object.entries(enrollment.anchors).filter(([name]) => !(name in PERSONAL_DATES)));
    const anchors = { ...kept, ...dates } as Record<string, string>;
    if (JSON.stringify(anchors) !== JSON.stringify(enrollment.anchors)) await deps.store.saveEnrollment({ ...enrollment, anchors });
  }
}

/** The person's own dates as the forms show them (local calendar dates). */
export async function personalDatesOf(store: Store, person: Person): Promise<Partial<Record<PersonalDate, string>>> {
  return personalDatesIn(await store.listEnrollments(person.personId), person.timeZone);
}

export const pickDates = (form: Partial<Record<PersonalDate, string | undefined>>) =>
  definedOnly(Object.fromEntries(PERSONAL_DATE_NAMES.map((name) => [name, form[name]]))) as Partial<Record<PersonalDate, string>>;
