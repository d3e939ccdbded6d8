import { isFinal, type DueMessageRef, type Enrollment, type Message, type Person } from '../../domain/model';
import type { CalendarEntry } from '../../domain/calendar';
import type { Store } from '../../ports';
import { dueKey, dueUpperBound, parseDueSk } from '../dynamo/keys';

/**
 * The in-memory twin of the DynamoDB store, for unit tests and use-case tests. It keeps the same
 * semantics (the due index is derived from the same due keys, a claim is conditional on the due
 * time it was read with, only the lease holder may finish) and passes the same contract suite.
 * Every check-and-set runs without an await in between, so concurrent callers see atomic updates.
 */
export function createMemoryStore(): Store {
  const people = new Map<string, Person>();
  const personIdByPhone = new Map<string, string>();
  const personIdByEmail = new Map<string, string>();
  const enrollments = new Map<string, Map<string, Enrollment>>();
  const messages = new Map<string, Map<string, Message>>();
  const calendar: Record<string, Record<string, CalendarEntry>> = {};

  const messagesOf = (personId: string) => ensure(messages, personId);
  const storedMessage = (ref: { personId: string; messageId: string }) => messages.get(ref.personId)?.get(ref.messageId);

  return {
    async savePerson(person) {
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
      return copyOrUndefined(people.get(personId));
    },

    async findPersonIdByPhone(phone) {
      return personIdByPhone.get(phone);
    },

    async findPersonIdByEmail(email) {
      // Addresses are matched case-insensitively, as the Dynamo lookup key lowercases them.
      return personIdByEmail.get(email.toLowerCase());
    },

    async saveEnrollment(enrollment) {
      ensure(enrollments, enrollment.personId).set(enrollment.enrollmentId, copy(enrollment));
    },

    async getEnrollment(personId, enrollmentId) {
      return copyOrUndefined(enrollments.get(personId)?.get(enrollmentId));
    },

    async listEnrollments(personId) {
      // Same order as the table's sort key (ENROLL#<enrollmentId>).
      return [...(enrollments.get(personId)?.values() ?? [])]
        .sort((a, b) => compareStrings(a.enrollmentId, b.enrollmentId))
        .map(copy);
    },

    async createMessage(message) {
      const byId = messagesOf(message.personId);
      const existing = byId.get(message.messageId);
      // A message withdrawn by re-planning may be planned again; anything else stands.
      if (existing && !(existing.status === 'skipped' && existing.reason === 'replanned')) return false;
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

    async claimMessage(ref, lease) {
      if (Date.parse(ref.dueAt) > lease.now.getTime()) return undefined;
      const message = storedMessage(ref);
      if (!message || dueSkOf(message) !== dueKey(ref.messageId, ref.dueAt).dueSk) return undefined;
      const until = lease.until.toISOString();
      message.status = 'claimed';
      message.lease = { token: lease.token, until };
      message.dueAt = until;
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

    async cancelPendingMessages(personId, reason, now, channel) {
      let skipped = 0;
      for (const message of messages.get(personId)?.values() ?? []) {
        if (channel !== undefined && message.channel !== channel) continue;
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
  };
}

/** The due sort key the Dynamo store would give this message, or undefined outside the due index. */
function dueSkOf(message: Message): string | undefined {
  if (message.dueAt === undefined || isFinal(message.status)) return undefined;
  return dueKey(message.messageId, message.dueAt).dueSk;
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
