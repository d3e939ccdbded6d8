import { isFinal, type DueMessageRef, type Message } from '../../domain/model';
import { supersedes } from '../../domain/delivery';
import { mayBePlannedAgain } from '../../domain/budget';
import type { OutboxStore } from '../../ports/outbox';
import { dueKey, dueQueuesOf, dueSortKey, dueUpperBound, parseDueSk } from '../dynamo/keys';
import { compareStrings, copy, copyOrUndefined, ensure, type MemoryContext } from './memory-context';

/**
 * The twin of outbox-repository.ts, with the same semantics: the due index is derived from the
 * same due keys, a claim is conditional on the due time it was read with, only the lease holder
 * may finish. Every check-and-set runs without an await in between, so concurrent callers see
 * atomic updates.
 */
export function createMemoryOutbox(context: MemoryContext): OutboxStore {
  const { messages, queueLeases, mustLive } = context;
  const storedMessage = (ref: { personId: string; messageId: string }) => messages.get(ref.personId)?.get(ref.messageId);

  /** Due refs by `now`, oldest first: those `include` keeps, up to `limit`. */
  function dueBy(now: Date, limit: number, include: (dueSk: string, message: Message) => boolean): DueMessageRef[] {
    if (limit <= 0) return [];
    const bound = dueUpperBound(now);
    const due: Array<{ dueSk: string; message: Message }> = [];
    for (const byId of messages.values()) {
      for (const message of byId.values()) {
        const dueSk = dueSkOf(message);
        if (dueSk !== undefined && dueSk <= bound && include(dueSk, message)) due.push({ dueSk, message });
      }
    }
    return due
      .sort((a, b) => compareStrings(a.dueSk, b.dueSk))
      .slice(0, limit)
      .map(({ dueSk, message }): DueMessageRef => ({ personId: message.personId, messageId: message.messageId, dueAt: parseDueSk(dueSk).dueAt }));
  }

  return {
    async createMessage(message) {
      mustLive(message.personId);
      const byId = ensure(messages, message.personId);
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
      return dueBy(now, limit, () => true);
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
      const afterSk = after && dueSortKey(after.messageId, after.dueAt);
      return dueBy(now, limit, (dueSk, message) => (afterSk === undefined || dueSk > afterSk) && dueKey(message, message.dueAt!).duePk === queue);
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

    async recordDelivery(ref, delivery) {
      const message = storedMessage(ref);
      if (!message || !supersedes(delivery.status, message.delivery?.status)) return false;
      const before = copy(message);
      message.delivery = copy(delivery);
      return before;
    },
  };
}

/** The due sort key the Dynamo store would give this message, or undefined outside the due index. */
function dueSkOf(message: Message): string | undefined {
  if (message.dueAt === undefined || isFinal(message.status)) return undefined;
  return dueSortKey(message.messageId, message.dueAt);
}
