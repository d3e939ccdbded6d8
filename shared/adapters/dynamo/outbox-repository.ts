import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CHANNELS, type Channel } from '../../domain/sequence';
import { isFinal, type DueMessageRef, type Message } from '../../domain/model';
import { statusesBelow } from '../../domain/delivery';
import { mapWithConcurrency } from '../../domain/concurrency';
import { BUDGET_REASON_PREFIX } from '../../domain/budget';
import type { OutboxStore } from '../../ports/outbox';
import {
  MESSAGE_PREFIX,
  dueKey,
  dueQueueLeaseKey,
  dueQueuesOf,
  dueSortKey,
  dueUpperBound,
  messageIdFromSk,
  messageKey,
  parseDueSk,
  personIdFromPk,
} from './keys';
import {
  CANCEL_CONCURRENCY,
  DUE,
  PK,
  SK,
  compareStrings,
  namesFor,
  timeToLiveAttribute,
  type DynamoContext,
} from './dynamo-context';
import { parseItem, type Item } from './stored-item';
import { withoutUndefined } from '../without-undefined';
import { StoredMessage } from './stored-schemas';

/**
 * The outbox: messages in the person's partition (PERSON#<personId> / MSG#<id>), the sparse due
 * index the dispatchers drain, the leases on its queues, and delivery reports.
 */
export function createOutboxRepository(shared: DynamoContext): OutboxStore {
  const { doc, TableName, measured, getItem, queryPrefix, updateIf, guarded } = shared;

  async function skipPending(message: Message, reason: string, now: string): Promise<boolean> {
    const outcome = await updateIf('cancelPendingMessages', {
      key: messageKey(message.personId, message.messageId),
      expression: 'SET #status = :skipped, #reason = :reason, #updatedAt = :now REMOVE #lease, #dueAt, #duePk, #dueSk',
      // Re-checked at write time: a dispatcher may have claimed or finished it since our query.
      condition: '#status = :planned OR (#status = :claimed AND #lease.#until <= :now)',
      names: namesFor('status', 'reason', 'updatedAt', 'lease', 'dueAt', DUE.partitionKey, DUE.sortKey, 'until'),
      values: { ':skipped': 'skipped', ':reason': reason, ':now': now, ':planned': 'planned', ':claimed': 'claimed' },
    });
    return outcome !== false;
  }

  /** One queue of the due index: refs due by `now`, oldest first, after `after` when given. */
  async function queryDue(queue: string, now: Date, limit: number, after?: DueMessageRef): Promise<DueMessageRef[]> {
    const bound = dueUpperBound(now);
    const startSk = after && dueSortKey(after.messageId, after.dueAt);
    if (startSk !== undefined && startSk > bound) return [];
    const out = await measured('listDueMessages', 'read', () =>
      doc.send(
        new QueryCommand({
          TableName,
          IndexName: DUE.name,
          KeyConditionExpression: '#duePk = :duePk AND #dueSk <= :bound',
          ExpressionAttributeNames: namesFor(DUE.partitionKey, DUE.sortKey),
          ExpressionAttributeValues: { ':duePk': queue, ':bound': bound },
          Limit: limit,
          ...(after && {
            ExclusiveStartKey: { [DUE.partitionKey]: queue, [DUE.sortKey]: startSk, ...messageKey(after.personId, after.messageId) },
          }),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    return (out.Items ?? []).map(
      (item): DueMessageRef => ({
        personId: personIdFromPk(item[PK]),
        messageId: messageIdFromSk(item[SK]),
        dueAt: parseDueSk(item[DUE.sortKey]).dueAt,
      }),
    );
  }

  return {
    async createMessage(message) {
      return guarded('createMessage', message.personId, [
        {
          Put: {
            TableName,
            Item: messageItem(message),
            // A message withdrawn by re-planning, or dropped by the weekly budget (a later plan may
            // find room for it), may be planned again; anything else stands.
            ConditionExpression: 'attribute_not_exists(#pk) OR (#status = :skipped AND (#reason = :replanned OR begins_with(#reason, :budget)))',
            ExpressionAttributeNames: namesFor(PK, 'status', 'reason'),
            ExpressionAttributeValues: { ':skipped': 'skipped', ':replanned': 'replanned', ':budget': BUDGET_REASON_PREFIX },
          },
        },
      ]);
    },

    async getMessage(personId, messageId) {
      const item = await getItem('getMessage', messageKey(personId, messageId));
      return item && toMessage(item);
    },

    async listMessages(personId) {
      return (await queryPrefix('listMessages', personId, MESSAGE_PREFIX)).map(toMessage).sort(bySendAt);
    },

    async listDueMessages(now, limit) {
      if (limit <= 0) return [];
      const queues = CHANNELS.flatMap((channel) => {
        const { urgent, routine } = dueQueuesOf(channel);
        return [...urgent, ...routine];
      });
      // Each queue is sorted by due time, so the oldest `limit` overall are among each queue's first `limit`.
      const pages = await Promise.all(queues.map((queue) => queryDue(queue, now, limit)));
      return pages
        .flat()
        .sort((a, b) => compareStrings(dueSortKey(a.messageId, a.dueAt), dueSortKey(b.messageId, b.dueAt)))
        .slice(0, limit);
    },

    dueQueues: (channel) => dueQueuesOf(channel),

    async listDueInQueue(queue, now, limit, after) {
      if (limit <= 0) return [];
      return queryDue(queue, now, limit, after);
    },

    async leaseDueQueue(queue, holder, until, now) {
      const taken = await updateIf('leaseDueQueue', {
        key: dueQueueLeaseKey(queue),
        expression: `SET #holder = :holder, #until = :until, #${timeToLiveAttribute} = :ttl`,
        condition: 'attribute_not_exists(#pk) OR #holder = :holder OR #until <= :now',
        names: namesFor(PK, 'holder', 'until', timeToLiveAttribute),
        values: {
          ':holder': holder,
          ':until': until.toISOString(),
          ':now': now.toISOString(),
          ':ttl': Math.ceil(until.getTime() / 1000) + 3_600,
        },
      });
      return taken !== false;
    },

    async claimMessage(ref, lease) {
      // A ref from the future is not due yet, whoever built it.
      if (Date.parse(ref.dueAt) > lease.now.getTime()) return undefined;
      const until = lease.until.toISOString();
      const now = lease.now.toISOString();
      // The due key stays: rewriting it would cost two index writes per message (the old entry
      // out, a new one in). The lease keeps everyone else off until it ends; after that the next
      // claim takes the message over, which is how a dispatcher that died mid-send is healed.
      const updated = await updateIf('claimMessage', {
        key: messageKey(ref.personId, ref.messageId),
        expression: 'SET #status = :claimed, #lease = :lease, #updatedAt = :now',
        // Matching the due key the ref was read with makes a ref read before someone else's retry
        // or finish lose; the lease makes a second claim lose while the first holder may still send.
        condition: '#dueSk = :readDueSk AND (#status = :planned OR (#status = :claimed AND #lease.#until <= :now))',
        names: namesFor('status', 'lease', 'until', DUE.sortKey, 'updatedAt'),
        values: {
          ':claimed': 'claimed',
          ':planned': 'planned',
          ':lease': { token: lease.token, until },
          ':now': now,
          ':readDueSk': dueSortKey(ref.messageId, ref.dueAt),
        },
        returnNew: true,
      });
      return updated === false ? undefined : toMessage(updated);
    },

    async finishMessage(ref, leaseToken, final) {
      const set = ['#status = :status', '#attempts = list_append(if_not_exists(#attempts, :noAttempts), :attempt)', '#updatedAt = :at'];
      const names = namesFor('status', 'attempts', 'updatedAt', 'lease', 'token', 'dueAt', DUE.partitionKey, DUE.sortKey);
      const values: Item = {
        ':status': final.status,
        ':noAttempts': [],
        ':attempt': [final.attempt],
        // finishMessage carries no clock; the attempt's time is when this change happened.
        ':at': final.attempt.at,
        ':token': leaseToken,
        ':claimed': 'claimed',
      };
      for (const field of ['providerId', 'reason'] as const) {
        if (final[field] === undefined) continue;
        set.push(`#${field} = :${field}`);
        names[`#${field}`] = field;
        values[`:${field}`] = final[field];
      }
      const outcome = await updateIf('finishMessage', {
        key: messageKey(ref.personId, ref.messageId),
        expression: `SET ${set.join(', ')} REMOVE #lease, #dueAt, #duePk, #dueSk`,
        condition: '#lease.#token = :token AND #status = :claimed',
        names,
        values,
      });
      return outcome !== false;
    },

    async releaseForRetry(ref, leaseToken, retryAt, attempt) {
      const outcome = await updateIf('releaseForRetry', {
        key: messageKey(ref.personId, ref.messageId),
        // A claimed message is still in its due queue (claims keep the key); only the time moves.
        expression:
          'SET #status = :planned, #dueAt = :retryAt, #dueSk = :dueSk, ' +
          '#attempts = list_append(if_not_exists(#attempts, :noAttempts), :attempt), #updatedAt = :at REMOVE #lease',
        condition: '#lease.#token = :token AND #status = :claimed',
        names: namesFor('status', 'dueAt', DUE.sortKey, 'attempts', 'updatedAt', 'lease', 'token'),
        values: {
          ':planned': 'planned',
          ':retryAt': retryAt.toISOString(),
          ':dueSk': dueSortKey(ref.messageId, retryAt),
          ':noAttempts': [],
          ':attempt': [attempt],
          ':at': attempt.at,
          ':token': leaseToken,
          ':claimed': 'claimed',
        },
      });
      return outcome !== false;
    },

    async cancelPendingMessages(personId, reason, now, channel?: Channel, options?: { keepInvitations?: boolean }) {
      const messages = (await queryPrefix('cancelPendingMessages', personId, MESSAGE_PREFIX)).map(toMessage);
      const pending = messages.filter(
        (m) => (channel === undefined || m.channel === channel) && !(options?.keepInvitations && (m.invitation || m.announcement)) && isCancellable(m, now),
      );
      const nowIso = now.toISOString();
      const skipped = await mapWithConcurrency(pending, CANCEL_CONCURRENCY, (m) => skipPending(m, reason, nowIso));
      return skipped.filter(Boolean).length;
    },

    async recordDelivery(ref, delivery) {
      const below = statusesBelow(delivery.status);
      const values: Item = { ':delivery': withoutUndefined(delivery) };
      below.forEach((status, i) => { values[`:below${i}`] = status; });
      // The rank check happens in the write itself, so two callbacks racing each other cannot
      // leave the earlier state behind: the later one either wins or finds itself already beaten.
      const outcome = await updateIf('recordDelivery', {
        key: messageKey(ref.personId, ref.messageId),
        // The state it replaced comes back with the write (no extra read): what moved, and from where.
        returnOld: true,
        expression: 'SET #delivery = :delivery',
        condition:
          below.length === 0
            ? 'attribute_exists(#pk) AND attribute_not_exists(#delivery)'
            : `attribute_exists(#pk) AND (attribute_not_exists(#delivery) OR #delivery.#status IN (${below.map((_, i) => `:below${i}`).join(', ')}))`,
        // DynamoDB refuses unused names, and the lowest state has nothing below it.
        names: below.length === 0 ? namesFor(PK, 'delivery') : namesFor(PK, 'delivery', 'status'),
        values,
      });
      return outcome === false ? false : toMessage({ ...outcome, ...messageKey(ref.personId, ref.messageId) });
    },
  };
}

/** Planned, or claimed by a dispatcher whose lease ran out: nobody is sending it right now. */
function isCancellable(message: Message, now: Date): boolean {
  if (message.status === 'planned') return true;
  return message.status === 'claimed' && message.lease !== undefined && Date.parse(message.lease.until) <= now.getTime();
}

/** Only messages still to go out, and with a time to look at them, sit in the due index. */
function messageItem(message: Message): Item {
  const { personId, messageId, ...fields } = message;
  const due = message.dueAt !== undefined && !isFinal(message.status) ? dueKey(message, message.dueAt) : {};
  return withoutUndefined({ ...fields, ...messageKey(personId, messageId), ...due });
}

function toMessage(item: Item): Message {
  return parseItem(StoredMessage, 'message', item, { personId: personIdFromPk(item[PK]), messageId: messageIdFromSk(item[SK]) });
}

function bySendAt(a: Message, b: Message): number {
  return Date.parse(a.sendAt) - Date.parse(b.sendAt) || compareStrings(a.messageId, b.messageId);
}
