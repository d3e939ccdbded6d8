import * as z from 'zod';
import { CalendarEntry, SEASON_EVENT_NAMES, type SeasonEvent } from '../../domain/calendar';
import { audienceAllows } from '../../domain/eligibility';
import { nextEnrollmentId, type Enrollment, type Message, type Person, type Profile } from '../../domain/model';
import { Outcome } from '../../domain/sequence';
import type { Clock, OutboxStore, Store } from '../../ports';
import { channelsOf, laneProfile, planLanes } from './enroll';
import { buildRoster } from './weekly-budget';
import { isBudgetReason } from '../../domain/budget';
import { DomainError, PersonGone, describeIssues } from '../../domain/errors';
import { loadLibrary } from './library';
import { isPlanEnrollment } from '../../domain/plan';
import { syncPlanEnrollments } from '../my-plan/plan-enrollments';
import type { Library } from './planning';

type Deps = { store: Store; clock: Clock; library?: Library };

/**
 * How far back re-planning looks: a step that fell due a moment ago but has not gone out yet is
 * planned again rather than lost (the dispatcher still refuses anything stale or too late).
 */
const REPLAN_LOOKBACK_MS = 6 * 3_600_000;

/**
 * Re-plans every lane of a person after anything that shapes their messages changed (profile,
 * outcome, zone, quiet hours, wellbeing, a calendar date).
 * 1. Withdraws their pending messages (status skipped, reason `replanned`).
 * 2. Brings the enrollments their own plan asks for up to date (plan-enrollments.ts).
 * 3. Ends enrollments their profile no longer fits; enrolls them in automatic ones it now fits.
 * 4. Plans each lane again. Deterministic ids and final states mean nothing sent goes out twice.
 */
export async function replanPerson(deps: Deps, personId: string): Promise<{ planned: Message[]; ended: string[]; started: string[] }> {
  const library = deps.library ?? (await loadLibrary(deps.store));
  const now = deps.clock.now();
  const person = await deps.store.getPerson(personId);
  if (!person) throw new PersonGone();
  const history = await deps.store.listMessages(personId);
  await syncPlanEnrollments({ store: deps.store, library }, person, now);

  const held = await deps.store.listEnrollments(personId);
  const enrollments = held.filter((e) => e.status === 'active');
  const ended: string[] = [];
  const started: string[] = [];
  const keep: Enrollment[] = [];
  for (const enrollment of enrollments) {
    const sequence = library.sequences.get(enrollment.sequenceId);
    if (!sequence || !audienceAllows(sequence.audience, person.profile)) {
      await deps.store.saveEnrollment({ ...enrollment, status: 'ended' });
      ended.push(enrollment.sequenceId);
    } else keep.push(enrollment);
  }
  const enrolled = new Set(keep.map((e) => e.sequenceId));
  // Plan enrollments hold one deadline's anchors, not the person's dates: never copied from.
  const personal = keep.find((e) => !isPlanEnrollment(e))?.anchors ?? {};
  for (const sequence of library.sequences.values()) {
    if (!sequence.autoEnroll || enrolled.has(sequence.id) || !audienceAllows(sequence.audience, person.profile)) continue;
    if (sequence.onJoin && (held.some((e) => e.sequenceId === sequence.id) || !isJoining(history))) continue;
    // A track joined later (say the unmatched path) keeps the person's own dates.
    const enrollment: Enrollment = {
      personId,
      enrollmentId: nextEnrollmentId(personId, sequence.id, held),
      sequenceId: sequence.id,
      anchors: { ...personal, enrolled: now.toISOString() },
      enrolledAt: now.toISOString(),
      status: 'active',
    };
    await deps.store.saveEnrollment(enrollment);
    keep.push(enrollment);
    started.push(sequence.id);
  }

  const planned = await planPerson({ store: deps.store, library }, person, keep, now, history);
  return { planned, ended, started };
}

/**
 * Someone is joining while no coaching message has gone to them yet (a counselor's invitation is
 * no coaching): the welcome is for them, not for someone we have coached for months.
 */
export const isJoining = (history: readonly Message[]): boolean => history.every((m) => m.invitation !== undefined || m.status !== 'sent');

/**
 * Plans every lane of a person's active enrollments afresh.
 * 1. Reads what they have had (this week's routine messages count against its budget), then
 *    withdraws what is still to go (status skipped, reason `replanned`); a counselor's invitation
 *    waiting for the morning is no part of the plan and stays.
 * 2. Builds the roster their routine lanes carry (shared/app/scheduling/weekly-budget.ts).
 * 3. Plans each lane from when its enrollment started, or a little before now.
 */
export async function planPerson(
  deps: { store: OutboxStore; library: Library },
  person: Person,
  enrollments: readonly Enrollment[],
  now: Date,
  known?: readonly Message[],
): Promise<Message[]> {
  const history = known ?? (await deps.store.listMessages(person.personId));
  await deps.store.cancelPendingMessages(person.personId, 'replanned', now, undefined, { keepInvitations: true });
  const active = enrollments.filter((e) => e.status === 'active');
  // A drop still ahead on a lane that no longer exists (its track ended, its channel turned off)
  // was decided under the old plan and will never be decided again: withdrawn like a planned
  // message, so the record shows only what the budget really dropped. A lane that goes on
  // decides its own drops again as it passes them.
  const lanes = new Set(active.flatMap((e) => channelsOf(person).map((c) => `${e.enrollmentId}/${c}`)));
  for (const m of history) {
    if (m.status !== 'skipped' || !isBudgetReason(m.reason) || Date.parse(m.sendAt) <= now.getTime() || lanes.has(`${m.enrollmentId}/${m.channel}`)) continue;
    await deps.store.createMessage({ ...m, reason: 'replanned', attempts: [...m.attempts, { at: now.toISOString(), outcome: 'skipped', code: 'replanned', detail: 'replanned' }], updatedAt: now.toISOString() });
  }
  const since = new Date(now.getTime() - REPLAN_LOOKBACK_MS);
  const roster = buildRoster(deps.library, { ...person, profile: laneProfile(person, deps.library.specialties) }, active, channelsOf(person), history, since, now);
  const planned: Message[] = [];
  for (const enrollment of active) {
    const from = new Date(Math.max(Date.parse(enrollment.enrolledAt), since.getTime()));
    planned.push(...(await planLanes(deps, person, enrollment, from, now, roster)));
  }
  return planned;
}

/** Saves a changed profile and re-plans: the single door for anything that reshapes a person. */
export async function updateProfile(deps: Deps, personId: string, change: (profile: Profile, person: Person) => Partial<Person>) {
  const person = await deps.store.getPerson(personId);
  if (!person) throw new PersonGone();
  await deps.store.savePerson({ ...person, ...change(person.profile, person) });
  return replanPerson(deps, personId);
}

/** A person's Match outcome routes them between tracks (applying, SOAP, matched, unmatched ...). */
export async function setOutcome(deps: Deps, personId: string, rawOutcome: unknown) {
  const outcome = Outcome.safeParse(rawOutcome);
  if (!outcome.success) throw new DomainError('validation', `outcome: ${describeIssues(outcome.error.issues)}`);
  const at = deps.clock.now().toISOString();
  // When it changed: the days after an unmatched result are counted from it (shared/domain/budget.ts).
  return updateProfile(deps, personId, (profile) => ({
    profile: { ...profile, outcome: outcome.data, ...(profile.outcome !== outcome.data ? { outcomeAt: at } : profile.outcomeAt ? { outcomeAt: profile.outcomeAt } : {}) },
  }));
}

const LOW_SCORE = 2;

/**
 * Records a 1-5 check-in score. Two low scores in a row mark the person as struggling (upbeat
 * nudges give way to gentler words, or pause); a good score ends that. Re-plans on a change.
 */
export async function recordCheckinScore(deps: Deps, personId: string, score: number) {
  if (!Number.isInteger(score) || score < 1 || score > 5) throw new DomainError('validation', 'a check-in score is a whole number from 1 to 5');
  const person = await deps.store.getPerson(personId);
  if (!person) throw new PersonGone();
  const recentScores = [...(person.recentScores ?? []), score].slice(-5);
  const lastTwo = recentScores.slice(-2);
  const wellbeing = lastTwo.length === 2 && lastTwo.every((s) => s <= LOW_SCORE) ? 'struggling' : score > LOW_SCORE ? 'ok' : person.profile.wellbeing;
  await deps.store.savePerson({ ...person, recentScores, profile: { ...person.profile, wellbeing } });
  const changed = wellbeing !== person.profile.wellbeing;
  if (changed) await replanPerson(deps, personId);
  return { wellbeing, changed };
}

const CalendarCorrection = z.object({
  season: z.number().int().min(2020).max(2100),
  event: z.enum(SEASON_EVENT_NAMES as [SeasonEvent, ...SeasonEvent[]]),
  entry: CalendarEntry,
});

/** The day a correction is stored: what it was checked against its source, unless the operator says. */
const today = (now: Date) => now.toISOString().slice(0, 10);

/**
 * An operator corrects a season date without a code change: the correction is stored, and
 * everyone in that season is re-planned so messages move with the date.
 */
export async function correctCalendarDate(deps: Deps, rawInput: unknown): Promise<{ replanned: number }> {
  const parsed = CalendarCorrection.safeParse(rawInput);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const { season, event } = parsed.data;
  const entry = { ...parsed.data.entry, checked: parsed.data.entry.checked ?? today(deps.clock.now()) };
  await deps.store.saveCalendarOverride(season, event, entry);
  // Re-planned with the content in use (tests bring their own) and every correction so far.
  const library = await loadLibrary(deps.store, deps.library);
  const people = await deps.store.listPersonIdsInSeason(season);
  for (const personId of people) await replanPerson({ ...deps, library }, personId);
  return { replanned: people.length };
}
