import { createDispatcher } from '../app/dispatch/dispatcher';
import { enroll } from '../app/scheduling/enroll';
import { shippedLibrary } from '../app/scheduling/library';
import type { Library } from '../app/scheduling/planning';
import { setOutcome } from '../app/scheduling/replan';
import { handleInboundSms } from '../app/inbound/inbound-sms';
import { priorityOf } from '../domain/budget';
import type { Outcome, PriorityClass } from '../domain/sequence';
import type { Persona } from '../content/persona';
import type { Message, Profile } from '../domain/model';
import type { EmailSender, SmsSender } from '../ports';
import { createMemoryStore } from '../adapters/memory/memory-store';

/**
 * A season walked through in memory with the real engine (the same enroll, dispatcher and
 * re-planning code as production, on memory twins), jumping from one due message to the next.
 * Used by `matchcoach preview --persona`, the season preview document and the persona tests.
 * A tool, not an adapter: it drives the use cases, and adapters sit beneath them.
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
  /** Its place in the weekly budget's order (shared/domain/budget.ts). */
  priority?: PriorityClass;
}

export interface SeasonWalk {
  sends: SimulatedSend[];
  messages: Message[];
  events: { at: Date; description: string; replies?: string[] }[];
}

const MAX_STEPS = 20_000;

export async function simulateSeason(persona: Persona, options: { until: Date; library?: Library }): Promise<SeasonWalk> {
  const library = options.library ?? shippedLibrary();
  let now = new Date(persona.enrolledAt);
  const clock = { now: () => now };
  const store = createMemoryStore();
  const sends: SimulatedSend[] = [];
  const pending = new Map<string, Omit<SimulatedSend, 'profile' | 'sequenceId' | 'stepId' | 'deadlineAt' | 'priority'>>();
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
    ...(persona.firstName ? { firstName: persona.firstName } : {}),
    timeZone: persona.timeZone,
    anchors: persona.anchors,
    ...(persona.specialty ? { specialty: persona.specialty } : {}),
    ...(persona.cadence ? { cadence: persona.cadence } : {}),
    ...persona.profile,
  });
  // What happens to them, in time order: outcomes set on the web form, texts they send (theirs,
  // and their answers to our check-ins, added as the check-ins go out).
  type Happening = { at: number; outcome?: Outcome; text?: string; answer?: boolean };
  const happenings: Happening[] = persona.events.map((e) => ({ at: Date.parse(e.at), ...(e.outcome && { outcome: e.outcome }), ...(e.text && { text: e.text }) }));
  const walkEvents: SeasonWalk['events'] = [{ at: now, description: 'enrolled' }];
  const answerUntil = persona.answers?.until ? Date.parse(persona.answers.until) : Infinity;
  let answered = 0;
  let sids = 0;
  const inbound = { store, clock, library, helpAddress: 'help@example.org' };

  for (let i = 0; i < MAX_STEPS; i++) {
    happenings.sort((a, b) => a.at - b.at);
    const due = (await store.listDueMessages(options.until, 1))[0];
    const next = happenings[0];
    const dueAt = due ? Date.parse(due.dueAt) : Infinity;
    const eventAt = next ? next.at : Infinity;
    if (dueAt === Infinity && eventAt > options.until.getTime()) break;
    if (eventAt <= dueAt && eventAt <= options.until.getTime()) {
      happenings.shift();
      now = new Date(Math.max(eventAt, now.getTime()));
      if (next!.outcome) {
        await setOutcome(deps, personId, next!.outcome);
        walkEvents.push({ at: now, description: `outcome on the web form: ${next!.outcome}` });
      }
      if (next!.text) {
        const sid = `SM${(++sids).toString(16).padStart(32, '0')}`;
        const { replies } = await handleInboundSms(inbound, { messageSid: sid, from: persona.phone, to: '+15005550006', body: next!.text });
        walkEvents.push({ at: now, description: `${next!.answer ? 'answered' : 'texted'} "${next!.text}"`, ...(replies.length > 0 && { replies }) });
      }
      continue;
    }
    // Tick half a minute after the due time, as the one-minute schedule would.
    now = new Date(Math.max(dueAt + 30_000, now.getTime()));
    await dispatch();
    for (const [messageId, send] of pending) {
      const message = await store.getMessage(personId, messageId);
      if (!message) continue;
      const sequence = library.sequences.get(message.sequenceId);
      const step = sequence?.steps.find((x) => x.id === message.stepId);
      sends.push({
        ...send,
        sequenceId: message.sequenceId,
        stepId: message.stepId,
        profile: message.profile,
        ...(sequence && step && { priority: priorityOf(sequence, step) }),
        ...(message.deadlineAt ? { deadlineAt: new Date(message.deadlineAt) } : {}),
      });
      // Someone who answers check-ins does so an hour later, with the next score of theirs.
      const scores = persona.answers?.scores;
      if (scores && step?.kind === 'checkin' && send.channel === 'sms' && send.at.getTime() < answerUntil) {
        happenings.push({ at: send.at.getTime() + 3_600_000, text: String(scores[answered++ % scores.length]), answer: true });
      }
    }
    pending.clear();
  }
  // Messages due at the same minute go out in an order that depends on random enrollment ids;
  // a stable order keeps the season document reproducible.
  sends.sort((a, b) => a.at.getTime() - b.at.getTime() || `${a.sequenceId}/${a.stepId}/${a.channel}`.localeCompare(`${b.sequenceId}/${b.stepId}/${b.channel}`));
  return { sends, messages: await store.listMessages(personId), events: walkEvents };
}
