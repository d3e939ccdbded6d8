import { createDispatcher } from '../app/dispatch';
import { enroll } from '../app/enroll';
import { shippedLibrary } from '../app/library';
import type { Library } from '../app/planning';
import { recordCheckinScore, setOutcome } from '../app/replan';
import type { Persona } from '../content/persona';
import type { Message, Profile } from '../domain/model';
import type { EmailSender, SmsSender } from '../ports';
import { createMemoryStore } from './memory/memory-store';

/**
 * A season walked through in memory with the real engine (the same enroll, dispatcher and
 * re-planning code as production, on memory twins), jumping from one due message to the next.
 * Used by `matchcoach preview --persona`, the season preview document and the persona tests.
 */

export interface SimulatedSend {
  at: Date;
  channel: 'email' | 'sms';
  sequenceId: string;
  stepId: string;
  messageId: string;
  text: string;
  subject?: string;
  deadlineAt?: Date;
  /** The profile the message was planned for (outcome and wellbeing at the time). */
  profile: Profile;
}

export interface SeasonWalk {
  sends: SimulatedSend[];
  messages: Message[];
  events: { at: Date; description: string }[];
}

const MAX_STEPS = 20_000;

export async function simulateSeason(persona: Persona, options: { until: Date; library?: Library }): Promise<SeasonWalk> {
  const library = options.library ?? shippedLibrary();
  let now = new Date(persona.enrolledAt);
  const clock = { now: () => now };
  const store = createMemoryStore();
  const sends: SimulatedSend[] = [];
  const pending = new Map<string, Omit<SimulatedSend, 'profile' | 'sequenceId' | 'stepId' | 'deadlineAt'>>();
  let counter = 0;
  const email: EmailSender = {
    async send(m) {
      pending.set(m.messageId, { at: now, channel: 'email', messageId: m.messageId, text: m.text, subject: m.subject });
      return { status: 'sent', providerId: `sim-${++counter}` };
    },
  };
  const sms: SmsSender = {
    async send(m) {
      pending.set(m.messageId, { at: now, channel: 'sms', messageId: m.messageId, text: m.body });
      return { status: 'sent', providerId: `sim-${++counter}` };
    },
  };
  // As deployed (shared/config.ts defaults), spacing between two texts included.
  const settings = { leaseSeconds: 120, concurrency: 1, maxDurationMs: 60_000, postalAddress: 'Match Coach, 100 Example Street, Boston, MA 02110, USA', textSpacingMinutes: 30 };
  const deps = { store, email, sms, clock, library, settings };
  const dispatch = createDispatcher(deps);

  // A fixed id: message ids derive from it, and with them the order of two texts due the same
  // minute (the spacing sends one first), so the preview reads the same every run.
  const { personId } = await enroll({ ...deps, newPersonId: () => `persona-${persona.id}` }, {
    email: persona.email,
    phone: persona.phone,
    firstName: persona.firstName,
    timeZone: persona.timeZone,
    anchors: persona.anchors,
    ...(persona.specialty ? { specialty: persona.specialty } : {}),
    ...persona.profile,
  });
  const events = [...persona.events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const walkEvents: SeasonWalk['events'] = [{ at: now, description: 'enrolled' }];

  for (let i = 0; i < MAX_STEPS; i++) {
    const due = (await store.listDueMessages(options.until, 1))[0];
    const nextEvent = events[0];
    const dueAt = due ? Date.parse(due.dueAt) : Infinity;
    const eventAt = nextEvent ? Date.parse(nextEvent.at) : Infinity;
    if (dueAt === Infinity && eventAt > options.until.getTime()) break;
    if (eventAt <= dueAt && eventAt <= options.until.getTime()) {
      events.shift();
      now = new Date(Math.max(eventAt, now.getTime()));
      if (nextEvent!.outcome) {
        await setOutcome(deps, personId, nextEvent!.outcome);
        walkEvents.push({ at: now, description: `outcome: ${nextEvent!.outcome}` });
      }
      if (nextEvent!.score) {
        await recordCheckinScore(deps, personId, nextEvent!.score);
        walkEvents.push({ at: now, description: `check-in score ${nextEvent!.score}` });
      }
      continue;
    }
    // Tick half a minute after the due time, as the one-minute schedule would.
    now = new Date(Math.max(dueAt + 30_000, now.getTime()));
    await dispatch();
    for (const [messageId, send] of pending) {
      const message = await store.getMessage(personId, messageId);
      if (message) {
        sends.push({
          ...send,
          sequenceId: message.sequenceId,
          stepId: message.stepId,
          profile: message.profile,
          ...(message.deadlineAt ? { deadlineAt: new Date(message.deadlineAt) } : {}),
        });
      }
    }
    pending.clear();
  }
  // Messages due at the same minute go out in an order that depends on random enrollment ids;
  // a stable order keeps the season document reproducible.
  sends.sort((a, b) => a.at.getTime() - b.at.getTime() || `${a.sequenceId}/${a.stepId}/${a.channel}`.localeCompare(`${b.sequenceId}/${b.stepId}/${b.channel}`));
  return { sends, messages: await store.listMessages(personId), events: walkEvents };
}
