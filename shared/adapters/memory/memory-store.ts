import { alertLevelOf, isFinal, type DueMessageRef, type Enrollment, type Message, type Person } from '../../domain/model';
import type { JournalEntry, SafetyAlert, SafetyEvent } from '../../domain/model';
import type { CalendarEntry } from '../../domain/calendar';
import { supersedes } from '../../domain/delivery';
import type { Store } from '../../ports';
import { alertKey, alertPk, dueKey, dueUpperBound, journalKey, parseDueSk, safetyEventKey } from '../dynamo/keys';
import { dueQueuesOf, dueSortKey } from '../dynamo/keys';
import { createMemoryPlanStore } from './memory-plan-store';
import { createMemoryConversationWindows } from './memory-conversation-windows';
import { DomainError, PersonGone } from '../../domain/errors';
import { mayBePlannedAgain } from '../../domain/budget';

/**
 * The in-memory twin of the DynamoDB store, for unit tests and use-case tests. It keeps the same
 * semantics (the due index is derived from the same due keys, a claim is conditional on the due
 * time it was read with, only the lease holder may finish) and passes the same contract suite.
 * Every check-and-set runs without an await in between, so concurrent callers see atomic updates.
 */
/** The memory twin is a Store plus a look inside, for tests that must prove nothing changed. */
export interface MemoryStore extends Store {
  /** Everything held, as plain data in a stable order (email subscription). */
  snapshot(): unknown;
  /** Whether guarded writes for this person may go (the memory counselor store asks, as the table's guard would). */
  isLiving(personId: string): boolean;
}

export function createMemoryStore(): MemoryStore {
  const people = new Map<string, Person>();
  const personIdByPhone = new Map<string, string>();
  const personIdByEmail = new Map<string, string>();
  const enrollments = new Map<string, Map<string, Enrollment>>();
  const messages = new Map<string, Map<string, Message>>();
  const calendar: Record<string, Record<string, CalendarEntry>> = {};
  // SMS conversation: keyed by the same sort keys as the table, so orders match.
  const inboundSeen = new Set<string>();
  const journals = new Map<string, Map<string, JournalEntry>>();
  const safetyEvents = new Map<string, Map<string, SafetyEvent>>();
  const alerts = new Map<string, Map<string, SafetyAlert>>();
  // Email subscription: spent link nonces (with expiry) and per-person notice claims.
  const spentNonces = new Map<string, string>();
  const notices = new Map<string, Map<string, string>>();

  // Erasure's mark (the table's ERASING_ATTRIBUTE): such a person reads as gone and takes no writes.
  const erasing = new Set<string>();
  const isLiving = (personId: string) => people.has(personId) && !erasing.has(personId);
  /** The twin of the table's guarded writes (shared/adapters/dynamo/person-guard.ts). */
  const mustLive = (personId: string) => {
    if (!isLiving(personId)) throw new PersonGone();
  };

  // A person's own plan: its own twin, erased with the person below.
  const plans = createMemoryPlanStore({ isLiving });
  // The WhatsApp window: its own twin too, erased with the person below.
  const windows = createMemoryConversationWindows({ isLiving });

  const queueLeases = new Map<string, { holder: string; until: number }>();
  const messagesOf = (personId: string) => ensure(messages, personId);
  const storedMessage = (ref: { personId: string; messageId: string }) => messages.get(ref.personId)?.get(ref.messageId);
  // Same order as the table's sort key (ENROLL#<enrollmentId>).
  const sortedEnrollments = (personId: string) =>
    [...(enrollments.get(personId)?.values() ?? [])].sort((a, b) => compareStrings(a.enrollmentId, b.enrollmentId)).map(copy);

  return {
    getPlan: plans.getPlan,
    savePlan: plans.savePlan,
    noteInbound: windows.noteInbound,
    noteWindowClosed: windows.noteWindowClosed,
    getWindow: windows.getWindow,

    async savePerson(person) {
      mustLive(person.personId);
      // As the table's conditional lookups: a number or address someone else holds is never taken over.
      const heldByOther = (holder: string | undefined) => holder !== undefined && holder !== person.personId;
      if ((person.phone !== undefined && heldByOther(personIdByPhone.get(person.phone))) || (person.email !== undefined && heldByOther(personIdByEmail.get(person.email.toLowerCase())))) {
        throw new DomainError('conflict', "that email address or phone number is someone else's");
      }
      const previous = people.get(person.personId);
      // Drop lookups the person left behind, unless the number or address is someone else's now.
      if (previous?.phone !== undefined && previous.phone !== person.phone && personIdByPhone.get(previous.phone) === person.personId) {
        personIdByPhone.delete(previous.phone);
      }
      const previousEmail = previous?.email?.toLowerCase();
      if (previousEmail !== undefined && previousEmail !== person.email?.toLowerCase() && personIdByEmail.get(previousEmail) === person.personId) {
        personIdByEmail.delete(previousEmail);
      }
      if (person.phone !== undefined) personIdByPhone.set(person.phone, person.personId);
      if (person.email !== undefined) personIdByEmail.set(person.email.toLowerCase(), person.personId);
      people.set(person.personId, copy(person));
    },

    async listPersonIdsInSeason(season) {
      return [...people.values()].filter((p) => p.profile.season === season).map((p) => p.personId).sort();
    },

    async getCalendarOverrides() {
      return copy(calendar);
    },

    async saveCalendarOverride(season, event, entry) {
      (calendar[String(season)] ??= {})[event] = copy(entry);
    },

    async getPerson(personId) {
      return isLiving(personId) ? copyOrUndefined(people.get(personId)) : undefined;
    },

    async findPersonIdByPhone(phone) {
      return personIdByPhone.get(phone);
    },

    async findPersonIdByEmail(email) {
      // Addresses are matched case-insensitively, as the Dynamo lookup key lowercases them.
      return personIdByEmail.get(email.toLowerCase());
    },

    async findPersonIds({ emails, phones }) {
      const byEmail = new Map<string, string>();
      const byPhone = new Map<string, string>();
      for (const email of emails) {
        const personId = personIdByEmail.get(email.toLowerCase());
        if (personId !== undefined) byEmail.set(email, personId);
      }
      for (const phone of phones) {
        const personId = personIdByPhone.get(phone);
        if (personId !== undefined) byPhone.set(phone, personId);
      }
      return { byEmail, byPhone };
    },

    async getPeople(personIds) {
      const found = new Map<string, Person>();
      for (const personId of personIds) {
        const person = people.get(personId);
        if (person && isLiving(personId)) found.set(personId, copy(person));
      }
      return found;
    },

    async listEnrollmentsOf(personIds) {
      return new Map(personIds.map((personId) => [personId, sortedEnrollments(personId)]));
    },

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

    async saveEnrollment(enrollment) {
      mustLive(enrollment.personId);
      ensure(enrollments, enrollment.personId).set(enrollment.enrollmentId, copy(enrollment));
    },

    async listEnrollments(personId) {
      return sortedEnrollments(personId);
    },

    async createMessage(message) {
      mustLive(message.personId);
      const byId = messagesOf(message.personId);
      const existing = byId.get(message.messageId);
      // A message withdrawn by re-planning, or dropped by the weekly budget, may be planned again; anything else stands.
      if (existing && !(existing.status === 'skipped' && mayBePlannedAgain(existing.reason))) return false;
      // Fail like the Dynamo store on a due time that cannot be keyed, before storing anything.
      dueSkOf(message);
      byId.set(message.messageId, copy(message));
      return true;
    },

    async getMessage(personId, messageId) {
      return copyOrUndefined(messages.get(personId)?.get(messageId));
    },

    async listMessages(personId) {
      return [...(messages.get(personId)?.values() ?? [])]
        .sort((a, b) => Date.parse(a.sendAt) - Date.parse(b.sendAt) || compareStrings(a.messageId, b.messageId))
        .map(copy);
    },

    async listDueMessages(now, limit) {
      if (limit <= 0) return [];
      const bound = dueUpperBound(now);
      const due: Array<{ dueSk: string; message: Message }> = [];
      for (const byId of messages.values()) {
        for (const message of byId.values()) {
          const dueSk = dueSkOf(message);
          if (dueSk !== undefined && dueSk <= bound) due.push({ dueSk, message });
        }
      }
      return due
        .sort((a, b) => compareStrings(a.dueSk, b.dueSk))
        .slice(0, limit)
        .map(
          ({ dueSk, message }): DueMessageRef => ({
            personId: message.personId,
            messageId: message.messageId,
            dueAt: parseDueSk(dueSk).dueAt,
          }),
        );
    },

    dueQueues: (channel) => dueQueuesOf(channel),

    async leaseDueQueue(queue, holder, until, now) {
      const held = queueLeases.get(queue);
      if (held && held.holder !== holder && held.until > now.getTime()) return false;
      queueLeases.set(queue, { holder, until: until.getTime() });
      return true;
    },

    async listDueInQueue(queue, now, limit, after) {
      if (limit <= 0) return [];
      const bound = dueUpperBound(now);
      const afterSk = after && dueSortKey(after.messageId, after.dueAt);
      const due: Array<{ dueSk: string; message: Message }> = [];
      for (const byId of messages.values()) {
        for (const message of byId.values()) {
          const dueSk = dueSkOf(message);
          if (dueSk === undefined || dueSk > bound || (afterSk !== undefined && dueSk <= afterSk)) continue;
          if (dueKey(message, message.dueAt!).duePk === queue) due.push({ dueSk, message });
        }
      }
      return due
        .sort((a, b) => compareStrings(a.dueSk, b.dueSk))
        .slice(0, limit)
        .map(({ dueSk, message }): DueMessageRef => ({ personId: message.personId, messageId: message.messageId, dueAt: parseDueSk(dueSk).dueAt }));
    },

    async claimMessage(ref, lease) {
      if (Date.parse(ref.dueAt) > lease.now.getTime()) return undefined;
      const message = storedMessage(ref);
      if (!message || dueSkOf(message) !== dueSortKey(ref.messageId, ref.dueAt)) return undefined;
      // As in the table: the due key stays, a live lease keeps a second claim out.
      const leased = message.status === 'claimed' && message.lease !== undefined && Date.parse(message.lease.until) > lease.now.getTime();
      if (leased) return undefined;
      message.status = 'claimed';
      message.lease = { token: lease.token, until: lease.until.toISOString() };
      message.updatedAt = lease.now.toISOString();
      return copy(message);
    },

    async finishMessage(ref, leaseToken, final) {
      const message = storedMessage(ref);
      if (!message || message.status !== 'claimed' || message.lease?.token !== leaseToken) return false;
      message.status = final.status;
      message.attempts.push(copy(final.attempt));
      if (final.providerId !== undefined) message.providerId = final.providerId;
      if (final.reason !== undefined) message.reason = final.reason;
      message.updatedAt = final.attempt.at;
      delete message.lease;
      delete message.dueAt;
      return true;
    },

    async releaseForRetry(ref, leaseToken, retryAt, attempt) {
      const message = storedMessage(ref);
      if (!message || message.status !== 'claimed' || message.lease?.token !== leaseToken) return false;
      message.status = 'planned';
      message.dueAt = retryAt.toISOString();
      message.attempts.push(copy(attempt));
      message.updatedAt = attempt.at;
      delete message.lease;
      return true;
    },

    async cancelPendingMessages(personId, reason, now, channel, options) {
      let skipped = 0;
      for (const message of messages.get(personId)?.values() ?? []) {
        if (channel !== undefined && message.channel !== channel) continue;
        if (options?.keepInvitations && (message.invitation || message.announcement)) continue;
        const expiredClaim =
          message.status === 'claimed' && message.lease !== undefined && Date.parse(message.lease.until) <= now.getTime();
        if (message.status !== 'planned' && !expiredClaim) continue;
        message.status = 'skipped';
        message.reason = reason;
        message.updatedAt = now.toISOString();
        delete message.lease;
        delete message.dueAt;
        skipped++;
      }
      return skipped;
    },

    // ---- SMS conversation ----------------------------------------------------

    async claimInboundSms(messageSid) {
      if (inboundSeen.has(messageSid)) return false;
      inboundSeen.add(messageSid);
      return true;
    },

    async releaseInboundSms(messageSid) {
      inboundSeen.delete(messageSid);
    },

    async saveJournalEntry(entry) {
      mustLive(entry.personId);
      ensure(journals, entry.personId).set(journalKey(entry.personId, entry.inReplyTo, entry.entryId).sk, copy(entry));
    },

    async listJournalEntries(personId, filter = {}) {
      return [...(journals.get(personId)?.values() ?? [])]
        .filter((e) => filter.inReplyTo === undefined || e.inReplyTo === filter.inReplyTo)
        .sort(byTimeThenId((e) => e.entryId))
        .map(copy);
    },

    async saveSafetyEvent(event) {
      mustLive(event.personId);
      ensure(safetyEvents, event.personId).set(safetyEventKey(event.personId, event.at, event.eventId).sk, copy(event));
      const level = alertLevelOf(event.kind);
      if (level) {
        const key = alertKey(event.at, event.personId, event.eventId);
        const alert: SafetyAlert = { personId: event.personId, eventId: event.eventId, at: event.at, level, rule: event.rule ?? 'unknown' };
        ensure(alerts, key.pk).set(key.sk, alert);
      }
    },

    async listSafetyEvents(personId) {
      return [...(safetyEvents.get(personId)?.entries() ?? [])]
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([, event]) => copy(event));
    },

    async listSafetyAlerts(month) {
      return [...(alerts.get(alertPk(month))?.entries() ?? [])]
        .sort(([a], [b]) => compareStrings(b, a))
        .map(([, alert]) => copy(alert));
    },

    async recordDelivery(ref, delivery) {
      const message = storedMessage(ref);
      if (!message || !supersedes(delivery.status, message.delivery?.status)) return false;
      const before = copy(message);
      message.delivery = copy(delivery);
      return before;
    },

    // ---- Email subscription ------------------------------------------------

    async consumeTokenNonce(nonce, expiresAt) {
      if (spentNonces.has(nonce)) return false;
      spentNonces.set(nonce, expiresAt.toISOString());
      return true;
    },

    async claimPersonNotice(personId, notice, now, until) {
      mustLive(personId);
      const held = notices.get(personId)?.get(notice);
      if (held !== undefined && held > now.toISOString()) return false;
      ensure(notices, personId).set(notice, until.toISOString());
      return true;
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
      for (const byPerson of [enrollments, messages, journals, safetyEvents, notices] as Map<string, Map<string, unknown>>[]) {
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
        messages: nested(messages),
        calendar,
        inboundSeen: [...inboundSeen].sort(),
        journals: nested(journals),
        safetyEvents: nested(safetyEvents),
        alerts: nested(alerts),
        spentNonces: sorted(spentNonces),
        notices: nested(notices),
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

function byTimeThenId<T extends { at: string }>(idOf: (item: T) => string) {
  return (a: T, b: T) => Date.parse(a.at) - Date.parse(b.at) || compareStrings(idOf(a), idOf(b));
}

/** The due sort key the Dynamo store would give this message, or undefined outside the due index. */
function dueSkOf(message: Message): string | undefined {
  if (message.dueAt === undefined || isFinal(message.status)) return undefined;
  return dueSortKey(message.messageId, message.dueAt);
}

function ensure<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deep copy without undefined fields: what a round trip through DynamoDB gives back. */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, copy(v)]),
    ) as T;
  }
  return value;
}

function copyOrUndefined<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : copy(value);
}
