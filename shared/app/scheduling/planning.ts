import { seasonAnchors, uncertainSeasonEvents, type CalendarData } from '../../domain/calendar';
import { specialtyWords, type SpecialtyTable } from '../../domain/specialty';
import type { EssentialsTable } from '../../domain/catch-up';
import type { Profile } from '../../domain/model';
import { holdReason } from '../../domain/eligibility';
import type { Message } from '../../domain/model';
import { expandOccurrences, nextOccurrenceAfter, type Cursor, type Occurrence, type QuietHours } from '../../domain/schedule';
import { anchorsUsedBy, type ContentPool, type Sequence } from '../../domain/sequence';
import type { OutboxStore } from '../../ports';
import { isUrgent } from '../../domain/urgency';
import type { BudgetReason } from '../../domain/budget';
import { inBudget, priorityOf } from '../../domain/budget';
import { budgetDecision } from './weekly-budget';

/**
 * Planning keeps exactly one message ahead per lane (an enrollment on one channel): when a
 * message is claimed, the one after it is written first, so a crash anywhere later never breaks
 * the chain. Message ids are deterministic, so planning the same step twice is a no-op.
 */

/** The coaching library as planning needs it: sequences, rotating pools, the season calendar. */
export interface Library {
  sequences: ReadonlyMap<string, Sequence>;
  pools: ReadonlyMap<string, ContentPool>;
  /** The calendar file merged with the operator's corrections. */
  calendar: CalendarData;
  /** Application service, signals and early matches per specialty; absent: everyone on ERAS. */
  specialties?: SpecialtyTable;
  /** The essentials of each phase of a season (the welcome's catch-up); absent: none named. */
  essentials?: EssentialsTable;
}

/**
 * What choosing and filling a step's words needs beyond the step: the season events whose dates
 * may not be stated as fact, and the person's specialty facts for `{{specialty}}` / `{{signals}}`.
 */
export function wordingFor(library: Library, profile: Profile) {
  const specialty = specialtyWords(profile.specialty, library.specialties);
  return { uncertainDates: uncertainSeasonEvents(profile.season, library.calendar), ...(specialty ? { specialty } : {}) };
}

/**
 * Everything needed to plan a lane: the fields every message of the lane carries, so the
 * dispatcher plans the next one from the one in hand and reads nothing else.
 */
export type Lane = Pick<
  Message,
  'personId' | 'enrollmentId' | 'sequenceId' | 'channel' | 'to' | 'zone' | 'firstName' | 'anchors' | 'profile' | 'quietHours' | 'title' | 'coaching'
>;

export const laneOf = ({ personId, enrollmentId, sequenceId, channel, to, zone, firstName, anchors, profile, quietHours, title, coaching }: Message): Lane => ({
  personId, enrollmentId, sequenceId, channel, to, zone, firstName, anchors, profile, quietHours, title, coaching,
});

/** Season dates for the person's season, then their own dates (which win on a clash). */
export const allAnchors = (lane: Pick<Lane, 'anchors' | 'profile'>, calendar: CalendarData): Record<string, string> => ({
  ...seasonAnchors(lane.profile.season, calendar),
  ...lane.anchors,
});

/**
 * `heard`: when we last heard from them (a reply), or when the track started; silence is counted
 * from it. Added only for sequences that use it, so a reply changes no other lane's schedule.
 */
function withHeard(sequence: Sequence, lane: Pick<Lane, 'anchors' | 'profile'>, anchors: Record<string, string>): Record<string, string> {
  if (!usesHeard(sequence)) return anchors;
  const heard = lane.profile.heardAt ?? lane.anchors.enrolled;
  return heard ? { ...anchors, heard } : anchors;
}
const heardUsers = new WeakMap<Sequence, boolean>();
const usesHeard = (sequence: Sequence): boolean => {
  let uses = heardUsers.get(sequence);
  if (uses === undefined) heardUsers.set(sequence, (uses = anchorsUsedBy(sequence).has('heard')));
  return uses;
};

/** The position of a message in its lane's sending order. */
export const cursorOf = (m: Message): Cursor => ({
  sendAt: new Date(m.sendAt),
  key: m.messageId.slice(m.enrollmentId.length + 1),
});

const messageIdFor = (enrollmentId: string, occurrence: Occurrence) => `${enrollmentId}.${occurrence.key}`;

function messageFor(lane: Lane, occurrence: Occurrence, now: Date, urgent = false): Message {
  const base: Message = {
    personId: lane.personId,
    messageId: messageIdFor(lane.enrollmentId, occurrence),
    enrollmentId: lane.enrollmentId,
    sequenceId: lane.sequenceId,
    stepId: occurrence.stepId,
    channel: lane.channel,
    to: lane.to,
    zone: lane.zone,
    anchors: lane.anchors,
    profile: lane.profile,
    sendAt: occurrence.sendAt.toISOString(),
    status: 'planned',
    attempts: [],
    updatedAt: now.toISOString(),
  };
  if (lane.firstName) base.firstName = lane.firstName;
  if (lane.quietHours) base.quietHours = lane.quietHours;
  if (lane.title) base.title = lane.title;
  if (lane.coaching) base.coaching = lane.coaching;
  if (occurrence.deadlineAt) base.deadlineAt = occurrence.deadlineAt.toISOString();
  // Only when true, so routine messages carry no extra attribute (item size is billed).
  if (urgent) base.urgent = true;
  if (occurrence.stale) {
    // Recorded, not sent: the alert would land after the deadline it warns about.
    return { ...base, status: 'skipped', reason: 'after_deadline', attempts: [{ at: base.updatedAt, outcome: 'skipped', code: 'after_deadline', detail: 'after_deadline' }] };
  }
  return { ...base, dueAt: base.sendAt };
}

/** A planned message turned into the record of its drop: final, out of the due index. */
function dropped(message: Message, reason: BudgetReason): Message {
  const { dueAt: _notDue, urgent: _urgent, ...rest } = message;
  return { ...rest, status: 'skipped', reason, attempts: [{ at: message.updatedAt, outcome: 'skipped', code: reason, detail: reason }] };
}

export interface PlanNextResult {
  /** The message now waiting in this lane, if the sequence has any left. */
  next?: Message;
  /** Stale occurrences recorded as skipped on the way. */
  skipped: Message[];
}

const MAX_STEPS_PER_PLAN = 500;

/** Lane schedules kept per sequence, bounded. */
const MAX_SCHEDULES_PER_SEQUENCE = 2_000;
const schedules = new WeakMap<Sequence, Map<string, readonly Occurrence[]>>();

/**
 * A lane's occurrences in sending order. Expanding a sequence is zone arithmetic for every step
 * (Luxon, the dispatcher's largest CPU cost in a burst), and on Match Day thousands of lanes share
 * one sequence, zone and season dates: they share one expansion. It is a pure function of the
 * sequence object and the key below (the anchors already hold the calendar's dates), so sharing
 * it changes nothing; an edited sequence is a new object with a cache of its own.
 */
export function laneOccurrences(sequence: Sequence, lane: Pick<Lane, 'zone' | 'quietHours' | 'channel'>, anchors: Record<string, string>): readonly Occurrence[] {
  let cache = schedules.get(sequence);
  if (!cache) schedules.set(sequence, (cache = new Map()));
  const key = JSON.stringify([lane.zone, lane.quietHours ?? null, lane.channel, Object.entries(anchors).sort(([a], [b]) => (a < b ? -1 : 1))]);
  const known = cache.get(key);
  if (known) return known;
  const { occurrences } = expandOccurrences({
    sequence,
    anchors,
    zone: lane.zone,
    quietHours: lane.quietHours as QuietHours | undefined,
    channels: [lane.channel],
  });
  if (cache.size >= MAX_SCHEDULES_PER_SEQUENCE) cache.clear();
  cache.set(key, Object.freeze(occurrences));
  return occurrences;
}

/**
 * Writes the first message of the lane that comes after `after` and may reach this person.
 * Steps not meant for their profile, or held back (Match Week, a hard stretch), are passed over
 * without a record; occurrences already in a final state (sent, skipped) are stepped over, so
 * re-planning never sends anything twice.
 */
export async function planNextMessage(
  deps: { store: OutboxStore; library: Library },
  lane: Lane,
  after: Cursor,
  now: Date,
): Promise<PlanNextResult> {
  const sequence = deps.library.sequences.get(lane.sequenceId);
  if (!sequence) return { skipped: [] };
  const anchors = withHeard(sequence, lane, allAnchors(lane, deps.library.calendar));
  const occurrences = laneOccurrences(sequence, lane, anchors);
  const skipped: Message[] = [];
  let cursor = after;
  for (let i = 0; i < MAX_STEPS_PER_PLAN; i++) {
    const occurrence = nextOccurrenceAfter(occurrences, lane.channel, cursor);
    if (!occurrence) return { skipped };
    cursor = occurrence;
    const step = sequence.steps[occurrence.stepIndex]!;
    if (holdReason({ sequence, step, profile: lane.profile, sendAt: occurrence.sendAt, anchors, zone: lane.zone })) continue;
    let message = messageFor(lane, occurrence, now, isUrgent(sequence, step));
    if (lane.coaching && message.status === 'planned' && inBudget(priorityOf(sequence, step))) {
      const decision = budgetDecision(deps.library, { ...lane, coaching: lane.coaching }, occurrence);
      // Dropped, not queued: recorded with the reason, so an operator sees what the budget did.
      if (!decision.fits) message = dropped(message, decision.reason);
    }
    const created = await deps.store.createMessage(message);
    if (message.status === 'skipped') {
      if (created) skipped.push(message);
    } else if (created) {
      return { next: message, skipped };
    } else {
      const existing = await deps.store.getMessage(lane.personId, message.messageId);
      if (existing && (existing.status === 'planned' || existing.status === 'claimed')) return { next: existing, skipped };
    }
  }
  return { skipped };
}
