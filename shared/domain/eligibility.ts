import { DateTime } from 'luxon';
import type { Profile } from './model';
import { resolveAnchor } from './schedule';
import { toneOf, type Audience, type ContentPool, type Sequence, type SequenceStep } from './sequence';

/**
 * Who gets what, pure: a step reaches a person only if its audience (and its sequence's) fits
 * their profile, and upbeat steps are held back during Match Week and while someone is
 * struggling (unless the step has gentler words for them).
 */

export function audienceAllows(audience: Audience | undefined, profile: Profile): boolean {
  if (!audience) return true;
  if (audience.visaTracks && !audience.visaTracks.includes(profile.visaTrack)) return false;
  if (audience.applicantTypes && !audience.applicantTypes.includes(profile.applicantType)) return false;
  if (audience.attempts && !audience.attempts.includes(profile.attempt > 1 ? 'repeat' : 'first')) return false;
  if (audience.outcomes && !audience.outcomes.includes(profile.outcome)) return false;
  if (audience.wellbeing && !audience.wellbeing.includes(profile.wellbeing)) return false;
  if (audience.unlessDone && audience.unlessDone.some((m) => profile.done.includes(m))) return false;
  if (audience.applicationSystems && !audience.applicationSystems.includes(profile.applicationSystem ?? 'eras')) return false;
  if (audience.specialties && !(profile.specialty && audience.specialties.includes(profile.specialty))) return false;
  return true;
}

export type HoldReason = 'not_for_profile' | 'muted' | 'paused' | 'support_hold' | 'match_week' | 'struggling';

/** True from the start of Match Week Monday to the end of Match Day, on the person's own calendar. */
function inMatchWeek(instant: Date, anchors: Record<string, string>, zone: string): boolean {
  const monday = anchors.match_week_monday && resolveAnchor(anchors.match_week_monday, zone);
  const matchDay = anchors.match_day && resolveAnchor(anchors.match_day, zone);
  if (!monday || !matchDay) return false;
  const t = DateTime.fromJSDate(instant, { zone });
  return t >= monday.startOf('day') && t <= matchDay.endOf('day');
}

/** Why this step must not reach this person at this time, or undefined if it may. */
export function holdReason(args: {
  sequence: Sequence;
  step: SequenceStep;
  profile: Profile;
  sendAt: Date;
  anchors: Record<string, string>;
  zone: string;
}): HoldReason | undefined {
  const { sequence, step, profile } = args;
  if (!audienceAllows(sequence.audience, profile) || !audienceAllows(step.audience, profile)) return 'not_for_profile';
  // A pause, or a track turned off, holds everything but time-bound alerts: missing a deadline
  // would hurt more than a text.
  if (profile.mutedSequences?.includes(sequence.id) && step.kind !== 'deadline') return 'muted';
  if (profile.pausedUntil && args.sendAt.getTime() < Date.parse(profile.pausedUntil) && step.kind !== 'deadline') return 'paused';
  if (toneOf(step) === 'upbeat') {
    if (profile.supportHold) return 'support_hold';
    if (!sequence.matchWeek && inMatchWeek(args.sendAt, args.anchors, args.zone)) return 'match_week';
    if (profile.wellbeing === 'struggling' && !step.gentle) return 'struggling';
  }
  return undefined;
}

export interface StepWords {
  sms?: { text: string };
  email?: { subject: string; text: string };
}

/** The anchors that place a step in time: where it is scheduled and what it counts down to. */
function anchorsOf(step: SequenceStep): string[] {
  const s = step.schedule;
  return [...(s.type === 'once' ? [s.anchor] : [s.from.anchor, s.until.anchor]), ...(step.deadline ? [step.deadline.anchor] : [])];
}

/** Monday-based week number of a local date: the rotation index of pool content. */
function weekNumber(instant: Date, zone: string): number {
  const local = DateTime.fromJSDate(instant, { zone }).startOf('day');
  const days = Math.round(local.diff(DateTime.fromISO('1970-01-05', { zone }), 'days').days);
  return Math.floor(days / 7);
}

/**
 * The words a step uses for this person on this date: its gentle variant for someone struggling,
 * and, for pool steps, the pool item of that week, so a pool of N items never repeats within
 * N / perWeek weeks.
 */
export function wordsFor(
  step: SequenceStep,
  profile: Profile,
  sendAt: Date,
  zone: string,
  pools: ReadonlyMap<string, ContentPool>,
  /** Season events whose dates are unknown or unconfirmed this season (calendar.ts). */
  uncertainDates: ReadonlySet<string> = new Set(),
): StepWords {
  if (step.ifDateUncertain && anchorsOf(step).some((anchor) => uncertainDates.has(anchor))) {
    return { sms: step.ifDateUncertain.sms ?? step.sms, email: step.ifDateUncertain.email ?? step.email };
  }
  const gentle = profile.wellbeing === 'struggling' && toneOf(step) === 'upbeat' ? step.gentle : undefined;
  const source = gentle ?? step;
  const pool = gentle ? gentle.pool : step.pool;
  if (pool) {
    const items = pools.get(pool.name)?.items;
    if (!items?.length) throw new Error(`step ${step.id} uses unknown pool "${pool.name}"`);
    const item = items[(weekNumber(sendAt, zone) * pool.perWeek + pool.slot) % items.length]!;
    return { sms: item.sms, ...(item.email ? { email: item.email } : { email: source.email }) };
  }
  return { sms: source.sms ?? step.sms, email: source.email ?? step.email };
}
