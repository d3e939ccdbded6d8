import { DateTime } from 'luxon';
import { seasonCalendar } from '../../domain/calendar';
import { audienceAllows } from '../../domain/eligibility';
import type { Enrollment, Person } from '../../domain/model';
import { PLAN_SEQUENCE_ID, isPlanEnrollment, planLanes, type InternalTarget } from '../../domain/plan';
import { PERSONAL_DATE_NAMES, type PersonalDate } from '../../domain/subscription-words';
import type { Store } from '../../ports';
import type { Library } from '../scheduling/planning';

/**
 * The bridge from a person's plan to the engine: the plan's deadlines become the
 * anchors of `plan-deadlines` enrollments, and nothing else plans from the plan. Called by
 * replanPerson (the single re-plan door) before it plans, so every re-plan (a plan edit, a zone,
 * an outcome, a calendar correction) leaves exactly the enrollments the plan asks for.
 */

/** The person's own exam and document dates, from their (non-plan) enrollments' anchors. */
export function personalDatesIn(enrollments: readonly Enrollment[], zone: string): Partial<Record<PersonalDate, string>> {
  const dates: Partial<Record<PersonalDate, string>> = {};
  for (const enrollment of enrollments) {
    if (enrollment.status !== 'active' || isPlanEnrollment(enrollment)) continue;
    for (const name of PERSONAL_DATE_NAMES) {
      const value = enrollment.anchors[name];
      if (value === undefined || dates[name]) continue;
      const local = /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : DateTime.fromISO(value, { setZone: true }).setZone(zone).toISODate();
      if (local) dates[name] = local;
    }
  }
  return dates;
}

/** What an internal deadline may point at: the season's official dates and the person's own. */
export function targetDatesOf(person: Person, enrollments: readonly Enrollment[], library: Library): Partial<Record<InternalTarget, string>> {
  const targets: Partial<Record<InternalTarget, string>> = {};
  for (const date of seasonCalendar(person.profile.season, library.calendar)) targets[`season:${date.event}`] = date.at;
  for (const [name, date] of Object.entries(personalDatesIn(enrollments, person.timeZone))) targets[`date:${name as PersonalDate}`] = date;
  return targets;
}

/**
 * Makes the person's plan enrollments match their plan: one active enrollment per lane the plan
 * asks for (anchors and title as the plan says), every other plan enrollment ended. Ids are
 * derived from the plan (`plan-d3`), so a changed deadline rewrites its enrollment in place and
 * the messages already sent for it stay sent. Writes only what changed; returns what it wrote.
 */
export async function syncPlanEnrollments(deps: { store: Store; library: Library }, person: Person, now: Date): Promise<{ written: number }> {
  const [plan, enrollments] = await Promise.all([deps.store.getPlan(person.personId), deps.store.listEnrollments(person.personId)]);
  const existing = new Map(enrollments.filter(isPlanEnrollment).map((e) => [e.enrollmentId, e]));
  if (!plan && existing.size === 0) return { written: 0 };
  const sequence = deps.library.sequences.get(PLAN_SEQUENCE_ID);
  const fits = sequence !== undefined && audienceAllows(sequence.audience, person.profile);
  const lanes = plan ? planLanes(plan, person.timeZone, targetDatesOf(person, enrollments, deps.library)) : [];
  let written = 0;
  const save = async (enrollment: Enrollment) => {
    await deps.store.saveEnrollment(enrollment);
    written++;
  };
  for (const lane of lanes) {
    const had = existing.get(lane.enrollmentId);
    existing.delete(lane.enrollmentId);
    const wanted: Enrollment = {
      personId: person.personId,
      enrollmentId: lane.enrollmentId,
      sequenceId: PLAN_SEQUENCE_ID,
      anchors: lane.anchors,
      title: lane.title,
      // A deadline that comes back (outcome routed away and back) plans from now, not from then.
      enrolledAt: had?.status === 'active' ? had.enrolledAt : now.toISOString(),
      status: fits ? 'active' : 'ended',
    };
    if (!had || !sameEnrollment(had, wanted)) await save(wanted);
  }
  for (const gone of existing.values()) if (gone.status === 'active') await save({ ...gone, status: 'ended' });
  return { written };
}

const sameEnrollment = (a: Enrollment, b: Enrollment) =>
  a.status === b.status && a.title === b.title && a.sequenceId === b.sequenceId && JSON.stringify(sortKeys(a.anchors)) === JSON.stringify(sortKeys(b.anchors));
const sortKeys = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).sort(([x], [y]) => (x < y ? -1 : 1)));
