import { DateTime } from 'luxon';
import * as z from 'zod';
import { seasonCalendar } from '../../domain/calendar';
import { verifyToken } from '../../domain/tokens';
import type { Person } from '../../domain/model';
import {
  PlanEdit,
  applyPlanEdit,
  currentWeekGoals,
  emptyPlan,
  timeline,
  type Plan,
  type TimelineEntry,
  type WeekGoal,
} from '../../domain/plan';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import { DomainError, PersonGone, plainIssue } from '../../domain/errors';
import { loadLibrary } from '../scheduling/library';
import { personalDatesIn, targetDatesOf } from './plan-enrollments';
import type { Library } from '../scheduling/planning';
import { replanPerson } from '../scheduling/replan';

/**
 * A person's own plan: reading it as a timeline, and changing it. Every change is
 * validated (shared/domain/plan.ts), saved with a version check, and then goes through
 * replanPerson, so the person's future messages follow the plan at once.
 */

export interface PlanDeps {
  store: Store;
  clock: Clock;
  library?: Library;
  log?: Logger;
}

export interface PlanView {
  plan: Plan;
  /** Official, personal and own dates in date order, with internal deadlines and suggestions. */
  timeline: TimelineEntry[];
  weekGoals: WeekGoal[];
  zone: string;
  season: number;
  /** The person's local date now: passed dates are shown without forms. */
  today: string;
}

/** The plan as the page and the SMS commands read it; a person without one sees an empty plan. */
export async function viewPlan(deps: PlanDeps, person: Person): Promise<PlanView> {
  const library = deps.library ?? (await loadLibrary(deps.store));
  const now = deps.clock.now();
  const [stored, enrollments] = await Promise.all([deps.store.getPlan(person.personId), deps.store.listEnrollments(person.personId)]);
  const plan = stored ?? emptyPlan(person.personId, now);
  const official = seasonCalendar(person.profile.season, library.calendar);
  return {
    plan,
    timeline: timeline(plan, person.timeZone, official, personalDatesIn(enrollments, person.timeZone)),
    weekGoals: currentWeekGoals(plan, now, person.timeZone),
    zone: person.timeZone,
    season: person.profile.season,
    today: DateTime.fromJSDate(now, { zone: person.timeZone }).toISODate()!,
  };
}

export type EditPlanOutcome = { status: 'saved'; plan: Plan } | { status: 'invalid'; field: string; message: string };

/** Two people editing one plan at the same instant is rare; a few rounds settle it. */
const SAVE_ROUNDS = 4;

/**
 * One edit to a person's plan.
 * 1. Parses the edit (zod); a bad one changes nothing and says which field and why.
 * 2. Applies it to the stored plan (or an empty one) and saves it if nobody saved in between
 *    (otherwise reads again and re-applies).
 * 3. Re-plans the person (replanPerson), which re-derives their plan enrollments.
 */
export async function editPlan(deps: PlanDeps, personId: string, raw: unknown): Promise<EditPlanOutcome> {
  const parsed = PlanEdit.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { status: 'invalid', field: String(issue.path[0] ?? 'op'), message: plainIssue(issue) };
  }
  const library = deps.library ?? (await loadLibrary(deps.store));
  for (let round = 0; round < SAVE_ROUNDS; round++) {
    const now = deps.clock.now();
    const person = await deps.store.getPerson(personId);
    if (!person) throw new PersonGone();
    const [stored, enrollments] = await Promise.all([deps.store.getPlan(personId), deps.store.listEnrollments(personId)]);
    const result = applyPlanEdit(stored ?? emptyPlan(personId, now), parsed.data, {
      now,
      zone: person.timeZone,
      season: person.profile.season,
      targetDates: localDates(targetDatesOf(person, enrollments, library), person.timeZone),
    });
    if (!result.ok) return { status: 'invalid', field: result.field, message: result.message };
    // The version must move even when two edits land in the same millisecond.
    const plan = stored && result.plan.updatedAt <= stored.updatedAt ? { ...result.plan, updatedAt: new Date(Date.parse(stored.updatedAt) + 1).toISOString() } : result.plan;
    if (!(await deps.store.savePlan(plan, stored?.updatedAt))) continue;
    await replanPerson({ store: deps.store, clock: deps.clock, library }, personId);
    loggerOf(deps).info('plan edited', { personId, op: parsed.data.op });
    return { status: 'saved', plan };
  }
  throw new DomainError('conflict', 'the plan kept changing while we saved it; try again');
}

/** Official instants as the person's local dates: internal deadlines are compared by day. */
function localDates<K extends string>(targets: Partial<Record<K, string>>, zone: string): Partial<Record<K, string>> {
  return Object.fromEntries(
    Object.entries(targets).map(([k, v]) => [k, /^\d{4}-\d{2}-\d{2}$/.test(v as string) ? v : new Date(v as string).toLocaleDateString('en-CA', { timeZone: zone })]),
  ) as Partial<Record<K, string>>;
}

// ---- The "my plan" page (reached from the signed preference link) -------------------------------

/** The page's forms: strings in, one PlanEdit out (empty fields mean "not given"). */
const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const PlanForm = z
  .record(z.string(), z.string().max(2000))
  .transform((fields) => {
    const edit: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (name === 'n') edit.n = /^\d{1,2}$/.test(value) ? Number(value) : value;
      else if (PLAN_FORM_FIELDS.has(name)) edit[name] = blank(value);
    }
    return edit;
  });
const PLAN_FORM_FIELDS = new Set(['op', 'id', 'title', 'kind', 'date', 'time', 'zone', 'internalDate', 'target', 'text', 'targetDate']);

export interface PlanPageDeps extends PlanDeps {
  tokenSecret: string;
}

export type PlanLinkProblem = { status: 'invalid-link'; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' | 'unknown_person' };

async function personByLink(deps: PlanPageDeps, token: string): Promise<Person | PlanLinkProblem> {
  const check = verifyToken(deps.tokenSecret, token, 'preferences', deps.clock.now());
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  const person = await deps.store.getPerson(check.payload.sub);
  return person ?? { status: 'invalid-link', reason: 'unknown_person' };
}
const isProblem = (value: object): value is PlanLinkProblem => (value as PlanLinkProblem).status === 'invalid-link';

/** The plan page as it stands. Reading changes nothing. */
export async function viewPlanByLink(deps: PlanPageDeps, token: string): Promise<{ status: 'ok'; view: PlanView; firstName?: string } | PlanLinkProblem> {
  const person = await personByLink(deps, token);
  if (isProblem(person)) return person;
  return { status: 'ok', view: await viewPlan(deps, person), ...(person.firstName && { firstName: person.firstName }) };
}

/** One form from the plan page: the same edit and re-plan as every other way in. */
export async function editPlanByLink(
  deps: PlanPageDeps,
  token: string,
  fields: unknown,
): Promise<{ status: 'saved' } | { status: 'invalid'; field: string; message: string; view: PlanView; firstName?: string } | PlanLinkProblem> {
  const person = await personByLink(deps, token);
  if (isProblem(person)) return person;
  const form = PlanForm.safeParse(fields);
  const outcome = form.success ? await editPlan(deps, person.personId, form.data) : ({ status: 'invalid', field: 'op', message: 'The form could not be read.' } as const);
  if (outcome.status === 'saved') return { status: 'saved' };
  return { ...outcome, view: await viewPlan(deps, person), ...(person.firstName && { firstName: person.firstName }) };
}
