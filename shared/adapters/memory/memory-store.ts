import type { Enrollment, Person } from '../../domain/model';
import type { Store } from '../../ports';
import { alertKey } from '../dynamo/keys';
import { compareStrings, copy, createMemoryContext, ensure, type MemoryContext } from './memory-context';
import { createMemoryPeople } from './memory-people';
import { createMemoryEnrollments } from './memory-enrollments';
import { createMemoryOutbox } from './memory-outbox';
import { createMemoryConversation } from './memory-conversation';
import { createMemoryLinks } from './memory-links';
import { createMemoryCalendarOverrides } from './memory-calendar-overrides';

/**
 * The in-memory twin of the DynamoDB store, for unit tests and use-case tests. It keeps the same
 * semantics and passes the same contract suites. Each port has its twin (memory-people.ts,
 * memory-enrollments.ts, memory-outbox.ts, memory-conversation.ts, memory-links.ts,
 * memory-calendar-overrides.ts, the plan and WhatsApp window twins), all on one
 * memory-context.ts; what stays here spans aggregates, as in dynamo-store.ts: creating people
 * with their enrollments, and erasing everything of a person whatever its aggregate.
 * Every check-and-set runs without an await in between, so concurrent callers see atomic updates.
 */
/** The memory twin is a Store plus a look inside, for tests that must prove nothing changed. */
export interface MemoryStore extends Store {
  /** Everything held, as plain data in a stable order (email subscription). */
  snapshot(): unknown;
  /** Whether guarded writes for this person may go (the memory counselor store asks, as the table's guard would). */
  isLiving(personId: string): boolean;
}

/** `context`: the state to work on, when a test also holds a port's own twin on it. */
export function createMemoryStore(context: MemoryContext = createMemoryContext()): MemoryStore {
  const { people, personIdByPhone, personIdByEmail, enrollments, safetyEvents, alerts, erasing, plans, windows, isLiving } = context;
  return {
    ...createMemoryPeople(context),
    ...createMemoryEnrollments(context),
    ...createMemoryOutbox(context),
    ...createMemoryConversation(context),
    ...createMemoryLinks(context),
    ...createMemoryCalendarOverrides(context),
    getPlan: plans.getPlan,
    savePlan: plans.savePlan,
    noteInbound: windows.noteInbound,
    noteWindowClosed: windows.noteWindowClosed,
    getWindow: windows.getWindow,

    async createPeople(list) {
      for (const { person, enrollments: starting } of list) checkEnrollmentsOf(person, starting);
      const notCreated: string[] = [];
      // No await in this loop: each person's check and writes are one atomic step, as the
      // table's conditional transaction makes them.
      for (const { person, enrollments: starting, replacesLookupsOf = [] } of list) {
        const email = person.email?.toLowerCase();
        // A lookup is free when nobody holds it, or only someone gone does.
        const held = (holder: string | undefined) => holder !== undefined && !replacesLookupsOf.includes(holder);
        const taken =
          people.has(person.personId) ||
          (email !== undefined && held(personIdByEmail.get(email))) ||
          (person.phone !== undefined && held(personIdByPhone.get(person.phone)));
        if (taken) {
          notCreated.push(person.personId);
          continue;
        }
        people.set(person.personId, copy(person));
        if (email !== undefined) personIdByEmail.set(email, person.personId);
        if (person.phone !== undefined) personIdByPhone.set(person.phone, person.personId);
        for (const enrollment of starting) ensure(enrollments, person.personId).set(enrollment.enrollmentId, copy(enrollment));
      }
      return { notCreated };
    },

    async beginErasure(personId, _at, options = {}) {
      const person = people.get(personId);
      if (!person) return false;
      const org = options.onlyTheOwnRecordOf;
      if (org !== undefined && (person.broughtBy !== org || person.consent.email?.state === 'confirmed' || person.consent.sms?.state === 'confirmed')) return false;
      erasing.add(personId);
      return true;
    },

    isLiving,

    async erasePerson(personId) {
      if (people.has(personId)) erasing.add(personId);
      let erased = 0;
      const person = people.get(personId);
      if (person?.phone !== undefined && personIdByPhone.get(person.phone) === personId && personIdByPhone.delete(person.phone)) erased++;
      const email = person?.email?.toLowerCase();
      if (email !== undefined && personIdByEmail.get(email) === personId && personIdByEmail.delete(email)) erased++;
      // The season row: the table keeps one per person, derived here from the profile.
      if (person) erased++;
      for (const event of safetyEvents.get(personId)?.values() ?? []) {
        if (event.kind !== 'risk' && event.kind !== 'distress') continue;
        const key = alertKey(event.at, personId, event.eventId);
        if (alerts.get(key.pk)?.delete(key.sk)) erased++;
      }
      // The person's partition: every map keyed by them.
      for (const byPerson of [enrollments, context.messages, context.journals, safetyEvents, context.notices] as Map<string, Map<string, unknown>>[]) {
        erased += byPerson.get(personId)?.size ?? 0;
        byPerson.delete(personId);
      }
      erased += plans.erase(personId);
      erased += windows.erase(personId);
      if (people.delete(personId)) erased++;
      erasing.delete(personId);
      return erased;
    },

    snapshot() {
      const sorted = <V>(map: Map<string, V>) => [...map.entries()].sort(([a], [b]) => compareStrings(a, b));
      const nested = <V>(map: Map<string, Map<string, V>>) =>
        sorted(map).filter(([, inner]) => inner.size > 0).map(([key, inner]) => [key, sorted(inner)]);
      return copy({
        people: sorted(people),
        personIdByPhone: sorted(personIdByPhone),
        personIdByEmail: sorted(personIdByEmail),
        enrollments: nested(enrollments),
        messages: nested(context.messages),
        calendar: context.calendar,
        inboundSeen: [...context.inboundSeen].sort(),
        journals: nested(context.journals),
        safetyEvents: nested(safetyEvents),
        alerts: nested(alerts),
        spentNonces: sorted(context.spentNonces),
        notices: nested(context.notices),
        plans: plans.all(),
        whatsappWindows: windows.all(),
      });
    },
  };
}

/** A new person's enrollments must be theirs: anything else is a caller's bug, caught before writing. */
function checkEnrollmentsOf(person: Person, enrollments: readonly Enrollment[]): void {
  const stray = enrollments.find((e) => e.personId !== person.personId);
  if (stray) throw new Error(`enrollment ${stray.enrollmentId} is not ${person.personId}'s`);
}
