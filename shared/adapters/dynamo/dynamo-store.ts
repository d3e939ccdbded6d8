import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { CalendarEntry } from '../../domain/calendar';
import type { Channel } from '../../domain/sequence';
import { isFinal, type DueMessageRef, type Enrollment, type Message, type Person } from '../../domain/model';
import type { Store } from '../../ports';
import {
  DUE_SHARDS,
  ENROLLMENT_PREFIX,
  MESSAGE_PREFIX,
  TABLE_DEFINITION,
  dueKey,
  dueShardPk,
  dueUpperBound,
  emailLookupKey,
  enrollmentIdFromSk,
  enrollmentKey,
  messageIdFromSk,
  messageKey,
  parseDueSk,
  personIdFromPk,
  personKey,
  personPk,
  phoneLookupKey,
  seasonMemberKey,
  seasonPk,
  calendarKey,
  CALENDAR_PK,
} from './keys';

/**
 * Match Coach's Store on its single DynamoDB table. Keys come from keys.ts; items hold the domain
 * record's own attributes, minus the ids the keys already carry:
 *
 * | entity     | pk / sk                            | other attributes                                        |
 * |------------|------------------------------------|---------------------------------------------------------|
 * | person     | PERSON#<personId> / PROFILE        | Person fields except personId                           |
 * | phone      | PHONE#<e164> / LOOKUP              | personId                                                |
 * | email      | EMAIL#<address> / LOOKUP           | personId                                                |
 * | enrollment | PERSON#<personId> / ENROLL#<id>    | Enrollment fields except personId, enrollmentId         |
 * | message    | PERSON#<personId> / MSG#<id>       | Message fields except personId, messageId; while planned |
 * |            |                                    | or claimed with a dueAt also duePk/dueSk (due index)    |
 * | season     | SEASON#<year> / PERSON#<personId>  | (none): membership, written with the profile            |
 * | calendar   | CALENDAR / SEASON#<year>#<event>   | at, certainty, source: an operator's correction         |
 */

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  /** Called once per request with the units it consumed; benchmarks sum them per message. */
  onCapacity?: (op: string, readUnits: number, writeUnits: number) => void;
}

type Item = Record<string, any>;
type QueryShape = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit' | 'ReturnConsumedCapacity'>;

const { partitionKey: PK, sortKey: SK, dueIndex: DUE, timeToLiveAttribute } = TABLE_DEFINITION;
/** Attributes that exist for the table, not for the domain: never handed back to callers. */
const STORAGE_ATTRIBUTES = [PK, SK, DUE.partitionKey, DUE.sortKey, timeToLiveAttribute];
/** A person rarely changes twice at once; a few rounds settle any race on their lookups. */
const SAVE_PERSON_ROUNDS = 4;
/** Parallel updates when cancelling: a person has tens of messages, not thousands. */
const CANCEL_CONCURRENCY = 8;

export function createDynamoStore(options: DynamoStoreOptions): Store {
  const { tableName: TableName, onCapacity } = options;
  const doc =
    options.client instanceof DynamoDBDocumentClient
      ? options.client
      : DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });

  function report(op: string, kind: 'read' | 'write', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!onCapacity) return;
    let read = 0;
    let write = 0;
    for (const entry of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
      // AWS splits read and write units only for some calls; DynamoDB Local reports just the total.
      const total = entry.CapacityUnits ?? 0;
      read += entry.ReadCapacityUnits ?? (kind === 'read' ? total : 0);
      write += entry.WriteCapacityUnits ?? (kind === 'write' ? total : 0);
    }
    onCapacity(op, read, write);
  }

  async function measured<Out extends { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }>(
    op: string,
    kind: 'read' | 'write',
    call: () => Promise<Out>,
  ): Promise<Out> {
    try {
      const out = await call();
      report(op, kind, out.ConsumedCapacity);
      return out;
    } catch (error) {
      // A failed condition is still billed (at least one write unit, and our items stay under
      // 1 KB) but the error carries no ConsumedCapacity, so lost claims would otherwise look free.
      if (error instanceof ConditionalCheckFailedException) onCapacity?.(op, 0, 1);
      throw error;
    }
  }

  async function getItem(op: string, key: { pk: string; sk: string }, projection?: string[]): Promise<Item | undefined> {
    const out = await measured(op, 'read', () =>
      doc.send(
        new GetCommand({
          TableName,
          Key: key,
          // Callers read what they just wrote (save then find), so no eventually consistent reads.
          ConsistentRead: true,
          ...(projection && { ProjectionExpression: projection.map((name) => `#${name}`).join(', '), ExpressionAttributeNames: namesFor(...projection) }),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    return out.Item;
  }

  /** Follows LastEvaluatedKey until the query is exhausted or `max` items are in hand. */
  async function queryAll(op: string, shape: QueryShape, max = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const remaining = max - items.length;
      const out = await measured(op, 'read', () =>
        doc.send(
          new QueryCommand({
            ...shape,
            TableName,
            ExclusiveStartKey: startKey,
            ...(Number.isFinite(remaining) && { Limit: remaining }),
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < max);
    return items;
  }

  function queryPrefix(op: string, personId: string, prefix: string): Promise<Item[]> {
    return queryAll(op, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: namesFor(PK, SK),
      ExpressionAttributeValues: { ':pk': personPk(personId), ':prefix': prefix },
      ConsistentRead: true,
    });
  }

  /** Runs a conditional update; false when the condition did not hold. */
  async function updateIf(op: string, update: ConditionalUpdate): Promise<Item | false> {
    try {
      const out = await measured(op, 'write', () =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: update.key,
            UpdateExpression: update.expression,
            ConditionExpression: update.condition,
            ExpressionAttributeNames: update.names,
            ExpressionAttributeValues: update.values,
            ReturnValues: update.returnNew ? 'ALL_NEW' : 'NONE',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return out.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * The profile plus its lookup items as one transaction. `deletedLookupAt[i]` names the lookup a
   * Delete at position i removes, so cancellation reasons can be read back per item.
   */
  function personWritePlan(person: Person, previous: Person | undefined, keepLookups: Set<string>) {
    const { personId, ...fields } = person;
    const profileGuard = previous
      ? // Lookups were planned from `previous`; a concurrent change to its phone/email voids the plan.
        {
          ConditionExpression: [
            previous.phone === undefined ? 'attribute_not_exists(#phone)' : '#phone = :phone',
            previous.email === undefined ? 'attribute_not_exists(#email)' : '#email = :email',
          ].join(' AND '),
          ExpressionAttributeNames: namesFor('phone', 'email'),
          ...(previous.phone !== undefined || previous.email !== undefined
            ? { ExpressionAttributeValues: withoutUndefined({ ':phone': previous.phone, ':email': previous.email }) }
            : {}),
        }
      : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: namesFor(PK) };

    const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: { TableName, Item: withoutUndefined({ ...fields, ...personKey(personId) }), ...profileGuard } },
    ];
    const deletedLookupAt: Array<string | undefined> = [undefined];
    const lookups = [
      { current: ifDefined(person.phone, phoneLookupKey), old: ifDefined(previous?.phone, phoneLookupKey) },
      { current: ifDefined(person.email, emailLookupKey), old: ifDefined(previous?.email, emailLookupKey) },
    ];
    const season = person.profile.season;
    const previousSeason = previous?.profile?.season;
    transactItems.push({ Put: { TableName, Item: seasonMemberKey(season, personId) } });
    deletedLookupAt.push(undefined);
    if (previousSeason !== undefined && previousSeason !== season) {
      transactItems.push({ Delete: { TableName, Key: seasonMemberKey(previousSeason, personId) } });
      deletedLookupAt.push(undefined);
    }
    for (const { current, old } of lookups) {
      if (current) {
        transactItems.push({ Put: { TableName, Item: { ...current, personId } } });
        deletedLookupAt.push(undefined);
      }
      if (old && old.pk !== current?.pk && !keepLookups.has(old.pk)) {
        transactItems.push({
          Delete: {
            TableName,
            Key: old,
            // The number or address may belong to someone else by now; their lookup stays.
            ConditionExpression: 'attribute_not_exists(#pk) OR #personId = :personId',
            ExpressionAttributeNames: namesFor(PK, 'personId'),
            ExpressionAttributeValues: { ':personId': personId },
          },
        });
        deletedLookupAt.push(old.pk);
      }
    }
    return { transactItems, deletedLookupAt };
  }

  async function readPerson(op: string, personId: string): Promise<Person | undefined> {
    const item = await getItem(op, personKey(personId));
    return item && ({ ...domainFields(item), personId: personIdFromPk(item[PK]) } as Person);
  }

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

  return {
    async savePerson(person) {
      const keepLookups = new Set<string>();
      for (let round = 1; ; round++) {
        const previous = await readPerson('savePerson', person.personId);
        const plan = personWritePlan(person, previous, keepLookups);
        try {
          await measured('savePerson', 'write', () =>
            doc.send(new TransactWriteCommand({ TransactItems: plan.transactItems, ReturnConsumedCapacity: 'TOTAL' })),
          );
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException) || round >= SAVE_PERSON_ROUNDS) throw error;
          // Either the profile changed under us (plan again from the new one) or an old lookup
          // now belongs to someone else (leave it alone next round).
          error.CancellationReasons?.forEach((reason, index) => {
            const lookupPk = plan.deletedLookupAt[index];
            if (reason.Code === 'ConditionalCheckFailed' && lookupPk) keepLookups.add(lookupPk);
          });
        }
      }
    },

    getPerson: (personId) => readPerson('getPerson', personId),

    async findPersonIdByPhone(phone) {
      return (await getItem('findPersonIdByPhone', phoneLookupKey(phone), ['personId']))?.personId;
    },

    async findPersonIdByEmail(email) {
      return (await getItem('findPersonIdByEmail', emailLookupKey(email), ['personId']))?.personId;
    },

    async saveEnrollment(enrollment) {
      const { personId, enrollmentId, ...fields } = enrollment;
      await measured('saveEnrollment', 'write', () =>
        doc.send(
          new PutCommand({
            TableName,
            Item: withoutUndefined({ ...fields, ...enrollmentKey(personId, enrollmentId) }),
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    },

    async getEnrollment(personId, enrollmentId) {
      const item = await getItem('getEnrollment', enrollmentKey(personId, enrollmentId));
      return item && toEnrollment(item);
    },

    async listEnrollments(personId) {
      return (await queryPrefix('listEnrollments', personId, ENROLLMENT_PREFIX)).map(toEnrollment);
    },

    async createMessage(message) {
      try {
        await measured('createMessage', 'write', () =>
          doc.send(
            new PutCommand({
              TableName,
              Item: messageItem(message),
              // A message withdrawn by re-planning may be planned again; anything else stands.
              ConditionExpression: 'attribute_not_exists(#pk) OR (#status = :skipped AND #reason = :replanned)',
              ExpressionAttributeNames: namesFor(PK, 'status', 'reason'),
              ExpressionAttributeValues: { ':skipped': 'skipped', ':replanned': 'replanned' },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async listPersonIdsInSeason(season) {
      const items = await queryAll('listPersonIdsInSeason', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: namesFor(PK),
        ExpressionAttributeValues: { ':pk': seasonPk(season) },
      });
      return items.map((item) => personIdFromPk(item[SK]));
    },

    async getCalendarOverrides() {
      const items = await queryAll('getCalendarOverrides', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: namesFor(PK),
        ExpressionAttributeValues: { ':pk': CALENDAR_PK },
      });
      const seasons: Record<string, Record<string, CalendarEntry>> = {};
      for (const item of items) {
        const [, season, event] = String(item[SK]).split('#');
        (seasons[season!] ??= {})[event!] = { at: item.at, certainty: item.certainty, source: item.source };
      }
      return seasons;
    },

    async saveCalendarOverride(season, event, entry) {
      await measured('saveCalendarOverride', 'write', () =>
        doc.send(new PutCommand({ TableName, Item: { ...calendarKey(season, event), ...entry }, ReturnConsumedCapacity: 'TOTAL' })),
      );
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
      const bound = dueUpperBound(now);
      // Each shard is sorted by due time, so the oldest `limit` overall are among each shard's first `limit`.
      const shards = await Promise.all(
        Array.from({ length: DUE_SHARDS }, (_, shard) =>
          queryAll(
            'listDueMessages',
            {
              IndexName: DUE.name,
              KeyConditionExpression: '#duePk = :duePk AND #dueSk <= :bound',
              ExpressionAttributeNames: namesFor(DUE.partitionKey, DUE.sortKey),
              ExpressionAttributeValues: { ':duePk': dueShardPk(shard), ':bound': bound },
            },
            limit,
          ),
        ),
      );
      return shards
        .flat()
        .sort((a, b) => compareStrings(a[DUE.sortKey], b[DUE.sortKey]))
        .slice(0, limit)
        .map(
          (item): DueMessageRef => ({
            personId: personIdFromPk(item[PK]),
            messageId: messageIdFromSk(item[SK]),
            dueAt: parseDueSk(item[DUE.sortKey]).dueAt,
          }),
        );
    },

    async claimMessage(ref, lease) {
      // A ref from the future is not due yet, whoever built it.
      if (Date.parse(ref.dueAt) > lease.now.getTime()) return undefined;
      const until = lease.until.toISOString();
      const moved = dueKey(ref.messageId, until);
      const updated = await updateIf('claimMessage', {
        key: messageKey(ref.personId, ref.messageId),
        expression:
          'SET #status = :claimed, #lease = :lease, #dueAt = :until, #duePk = :duePk, #dueSk = :dueSk, #updatedAt = :now',
        // Matching the due key the ref was read with lets exactly one claim per due time win, and a
        // ref read before someone else's claim, retry or finish lose.
        condition: '#dueSk = :readDueSk AND #status IN (:planned, :claimed)',
        names: namesFor('status', 'lease', 'dueAt', DUE.partitionKey, DUE.sortKey, 'updatedAt'),
        values: {
          ':claimed': 'claimed',
          ':planned': 'planned',
          ':lease': { token: lease.token, until },
          ':until': until,
          ':duePk': moved.duePk,
          ':dueSk': moved.dueSk,
          ':now': lease.now.toISOString(),
          ':readDueSk': dueKey(ref.messageId, ref.dueAt).dueSk,
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
      const due = dueKey(ref.messageId, retryAt);
      const outcome = await updateIf('releaseForRetry', {
        key: messageKey(ref.personId, ref.messageId),
        expression:
          'SET #status = :planned, #dueAt = :retryAt, #duePk = :duePk, #dueSk = :dueSk, ' +
          '#attempts = list_append(if_not_exists(#attempts, :noAttempts), :attempt), #updatedAt = :at REMOVE #lease',
        condition: '#lease.#token = :token AND #status = :claimed',
        names: namesFor('status', 'dueAt', DUE.partitionKey, DUE.sortKey, 'attempts', 'updatedAt', 'lease', 'token'),
        values: {
          ':planned': 'planned',
          ':retryAt': retryAt.toISOString(),
          ':duePk': due.duePk,
          ':dueSk': due.dueSk,
          ':noAttempts': [],
          ':attempt': [attempt],
          ':at': attempt.at,
          ':token': leaseToken,
          ':claimed': 'claimed',
        },
      });
      return outcome !== false;
    },

    async cancelPendingMessages(personId, reason, now, channel?: Channel) {
      const messages = (await queryPrefix('cancelPendingMessages', personId, MESSAGE_PREFIX)).map(toMessage);
      const pending = messages.filter((m) => (channel === undefined || m.channel === channel) && isCancellable(m, now));
      const nowIso = now.toISOString();
      const skipped = await mapWithConcurrency(pending, CANCEL_CONCURRENCY, (m) => skipPending(m, reason, nowIso));
      return skipped.filter(Boolean).length;
    },
  };
}

interface ConditionalUpdate {
  key: { pk: string; sk: string };
  expression: string;
  condition: string;
  names: Record<string, string>;
  values: Item;
  returnNew?: boolean;
}

/** Planned, or claimed by a dispatcher whose lease ran out: nobody is sending it right now. */
function isCancellable(message: Message, now: Date): boolean {
  if (message.status === 'planned') return true;
  return message.status === 'claimed' && message.lease !== undefined && Date.parse(message.lease.until) <= now.getTime();
}

/** Only messages still to go out, and with a time to look at them, sit in the due index. */
function messageItem(message: Message): Item {
  const { personId, messageId, ...fields } = message;
  const due = message.dueAt !== undefined && !isFinal(message.status) ? dueKey(messageId, message.dueAt) : {};
  return withoutUndefined({ ...fields, ...messageKey(personId, messageId), ...due });
}

function toMessage(item: Item): Message {
  return { ...domainFields(item), personId: personIdFromPk(item[PK]), messageId: messageIdFromSk(item[SK]) } as Message;
}

function toEnrollment(item: Item): Enrollment {
  return { ...domainFields(item), personId: personIdFromPk(item[PK]), enrollmentId: enrollmentIdFromSk(item[SK]) } as Enrollment;
}

function domainFields(item: Item): Item {
  const fields = { ...item };
  for (const name of STORAGE_ATTRIBUTES) delete fields[name];
  return fields;
}

function bySendAt(a: Message, b: Message): number {
  return Date.parse(a.sendAt) - Date.parse(b.sendAt) || compareStrings(a.messageId, b.messageId);
}

/** Code-unit order, which is DynamoDB's byte order for the ASCII our keys use (localeCompare is not). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ifDefined<T, R>(value: T | undefined, build: (value: T) => R): R | undefined {
  return value === undefined ? undefined : build(value);
}

function namesFor(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((name) => [`#${name}`, name]));
}

/** The marshaller rejects undefined, and absent is what an optional field means in an item. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}

async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

