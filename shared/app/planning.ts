import type { Message } from '../domain/model';
import { expandOccurrences, nextOccurrenceAfter, type Cursor, type Occurrence, type QuietHours } from '../domain/schedule';
import type { Channel, Sequence } from '../domain/sequence';
import type { Store } from '../ports';

/**
 * Planning keeps exactly one message ahead per lane (an enrollment on one channel): when a
 * message is claimed, the one after it is written first, so a crash anywhere later never breaks
 * the chain. Message ids are deterministic, so planning the same step twice is a no-op.
 */

/** Everything needed to plan a lane, carried on each message so the dispatcher reads nothing else. */
export interface Lane {
  personId: string;
  enrollmentId: string;
  sequenceId: string;
  channel: Channel;
  to: string;
  zone: string;
  firstName?: string;
  anchors: Record<string, string>;
  quietHours?: QuietHours;
}

export const laneOf = (m: Message): Lane => ({
  personId: m.personId,
  enrollmentId: m.enrollmentId,
  sequenceId: m.sequenceId,
  channel: m.channel,
  to: m.to,
  zone: m.zone,
  firstName: m.firstName,
  anchors: m.anchors,
  quietHours: m.quietHours as QuietHours | undefined,
});

/** The position of a message in its lane's sending order. */
export const cursorOf = (m: Message): Cursor => ({
  sendAt: new Date(m.sendAt),
  key: m.messageId.slice(m.enrollmentId.length + 1),
});

export const messageIdFor = (enrollmentId: string, occurrence: Occurrence) => `${enrollmentId}.${occurrence.key}`;

export function messageFor(lane: Lane, occurrence: Occurrence, now: Date): Message {
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
    sendAt: occurrence.sendAt.toISOString(),
    status: 'planned',
    attempts: [],
    updatedAt: now.toISOString(),
  };
  if (lane.firstName) base.firstName = lane.firstName;
  if (lane.quietHours) base.quietHours = lane.quietHours;
  if (occurrence.deadlineAt) base.deadlineAt = occurrence.deadlineAt.toISOString();
  if (occurrence.stale) {
    // Recorded, not sent: the alert would land after the deadline it warns about.
    return { ...base, status: 'skipped', reason: 'after_deadline', attempts: [{ at: base.updatedAt, outcome: 'skipped', detail: 'after_deadline' }] };
  }
  return { ...base, dueAt: base.sendAt };
}

export interface PlanNextResult {
  /** The message now waiting in this lane, if the sequence has any left. */
  next?: Message;
  /** Stale occurrences recorded as skipped on the way. */
  skipped: Message[];
}

const MAX_STEPS_PER_PLAN = 200;

/**
 * Writes the first message of the lane that comes after `after`. Occurrences that already exist
 * in a final state (sent, skipped) are stepped over, so re-planning never sends anything twice.
 */
export async function planNextMessage(
  deps: { store: Store; sequences: ReadonlyMap<string, Sequence> },
  lane: Lane,
  after: Cursor,
  now: Date,
): Promise<PlanNextResult> {
  const sequence = deps.sequences.get(lane.sequenceId);
  if (!sequence) return { skipped: [] };
  const { occurrences } = expandOccurrences({
    sequence,
    anchors: lane.anchors,
    zone: lane.zone,
    quietHours: lane.quietHours,
    channels: [lane.channel],
  });
  const skipped: Message[] = [];
  let cursor = after;
  for (let i = 0; i < MAX_STEPS_PER_PLAN; i++) {
    const occurrence = nextOccurrenceAfter(occurrences, lane.channel, cursor);
    if (!occurrence) return { skipped };
    const message = messageFor(lane, occurrence, now);
    const created = await deps.store.createMessage(message);
    if (message.status === 'skipped') {
      if (created) skipped.push(message);
    } else if (created) {
      return { next: message, skipped };
    } else {
      const existing = await deps.store.getMessage(lane.personId, message.messageId);
      if (existing && (existing.status === 'planned' || existing.status === 'claimed')) return { next: existing, skipped };
    }
    cursor = occurrence;
  }
  return { skipped };
}
