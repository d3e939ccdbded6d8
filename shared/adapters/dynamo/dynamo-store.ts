import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  ExecuteStatementCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { CHANNELS, type Channel } from '../../domain/sequence';
import { isFinal, type DueMessageRef, type Enrollment, type Message, type Person } from '../../domain/model';
import { statusesBelow } from '../../domain/delivery';
import { mapWithConcurrency } from '../../domain/concurrency';
import type { NewPerson, Store } from '../../ports';
import {
  ENROLLMENT_PREFIX,
  MESSAGE_PREFIX,
  dueKey,
  dueQueueLeaseKey,
  dueQueuesOf,
  dueSortKey,
  dueUpperBound,
  emailLookupKey,
  enrollmentIdFromSk,
  enrollmentKey,
  ifAbsent,
  messageIdFromSk,
  messageKey,
  parseDueSk,
  personIdFromPk,
  personKey,
  personPk,
  phoneLookupKey,
  seasonMemberKey,
  seasonPk,
} from './keys';
import {
  SAFETY_PREFIX,
  alertKey,
  safetyEventIdFromSk,
} from './keys';
// A person's own plan: its own adapter file, same table and partition.
import { createDynamoPlanStore } from './dynamo-plan-store';
// The WhatsApp window: its own adapter file, same table and partition.
import { createDynamoConversationWindows } from './dynamo-conversation-windows';
import { ERASING_ATTRIBUTE } from './person-guard';
import { createConversationRepository } from './conversation-repository';
import { createLinkRepository } from './link-repository';
import { createCalendarOverrideRepository } from './calendar-override-repository';
import {
  BULK_CONCURRENCY,
  CANCEL_CONCURRENCY,
  DUE,
  PK,
  SK,
  compareStrings,
  createDynamoContext,
  domainFields,
  ifDefined,
  namesFor,
  timeToLiveAttribute,
  withoutUndefined,
  type DynamoStoreOptions,
  type Item,
} from './dynamo-context';
import { DomainError, PersonGone } from '../../domain/errors';
import { BUDGET_REASON_PREFIX } from '../../domain/budget';

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
 * | calendar   | CALENDAR / SEASON#<year>#<event>   | at, certainty, source, url?, checked: a correction      |
 * | inbound    | INBOUND#<MessageSid> / SEEN        | at, expiresAt (TTL): replay dedupe, no personal data    |
 * | journal    | PERSON#<personId> /                | JournalEntry fields except personId, entryId            |
 * |            |   JOURNAL#<inReplyTo or ->#<sid>   |                                                         |
 * | safety     | PERSON#<personId> /                | SafetyEvent fields except personId, eventId             |
 * |            |   SAFETY#<at>#<eventId>            |                                                         |
 * | alert      | ALERT#<yyyy-mm> /                  | SafetyAlert fields (ids, level, rule; never the words)  |
 * |            |   <at>#<personId>#<eventId>        |                                                         |
 * | nonce      | NONCE#<nonce> / USED               | expiresAt (TTL): a spent confirmation link, nothing else |
 * | notice     | PERSON#<personId> / NOTICE#<name>  | until, expiresAt (TTL): when the notice may go again     |
 */

/** A person rarely changes twice at once; a few rounds settle any race on their lookups. */
const SAVE_PERSON_ROUNDS = 4;
/** DynamoDB's limit: items in one TransactWriteItems. */
const TRANSACTION_ITEMS = 100;
/** Partition keys one PartiQL `IN` may name. */
const PARTIQL_IN_KEYS = 50;

export function createDynamoStore(options: DynamoStoreOptions): Store {
  const shared = createDynamoContext(options);
  const { doc, TableName, measured, getItem, queryAll, queryPrefix, updateIf, guarded, batchGet } = shared;


  /**
   * A new person's items for one transaction: the profile and lookups only where nobody holds
   * them yet (the conditions are what stop two imports creating the same person twice), the
   * season row, and their enrollments (so whoever finds the person finds their enrollments too).
   */
  function newPersonItems({ person, enrollments, replacesLookupsOf = [] }: NewPerson) {
    const absent = ifAbsent();
    const gone = replacesLookupsOf.slice(0, 10);
    // A lookup is free when nobody holds it, or only someone gone does.
    const free =
      gone.length === 0
        ? absent
        : {
            ConditionExpression: `attribute_not_exists(#pk) OR #personId IN (${gone.map((_, i) => `:gone${i}`).join(', ')})`,
            ExpressionAttributeNames: namesFor(PK, 'personId'),
            ExpressionAttributeValues: Object.fromEntries(gone.map((id, i) => [`:gone${i}`, id])),
          };
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: { TableName, Item: personItem(person), ...absent } },
      { Put: { TableName, Item: seasonMemberKey(person.profile.season, person.personId) } },
    ];
    const lookups = [ifDefined(person.phone, phoneLookupKey), ifDefined(person.email, emailLookupKey)].filter((key) => key !== undefined);
    for (const key of lookups) items.push({ Put: { TableName, Item: { ...key, personId: person.personId }, ...free } });
    for (const enrollment of enrollments) items.push({ Put: { TableName, Item: enrollmentItem(enrollment) } });
    return { items, heldKeys: [personKey(person.personId).pk, ...lookups.map((key) => key.pk)] };
  }

  /**
   * Writes the people of one transaction. When it is cancelled, those whose items failed their
   * condition (someone holds the email, phone or id) or met another writer (someone is creating
   * them right now) are left out and the rest go again: each round drops at least one person.
   */
  async function createGroup(group: readonly { personId: string; items: NonNullable<TransactWriteCommandInput['TransactItems']> }[]): Promise<string[]> {
    const lost: string[] = [];
    let remaining = group;
    while (remaining.length > 0) {
      try {
        const TransactItems = remaining.flatMap((entry) => entry.items);
        await measured('createPeople', 'write', () => doc.send(new TransactWriteCommand({ TransactItems, ReturnConsumedCapacity: 'TOTAL' })));
        break;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const failed = new Set<string>();
        let at = 0;
        for (const entry of remaining) {
          const own = reasons.slice(at, at + entry.items.length);
          if (own.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) failed.add(entry.personId);
          at += entry.items.length;
        }
        // Cancelled for another reason (throttling, a validation error): nothing here to judge.
        if (failed.size === 0) throw error;
        lost.push(...failed);
        remaining = remaining.filter((entry) => !failed.has(entry.personId));
      }
    }
    return lost;
  }

  /**
   * The profile plus its lookup items as one transaction. `deletedLookupAt[i]` names the lookup a
   * Delete at position i removes, so cancellation reasons can be read back per item.
   */
  function personWritePlan(person: Person, previous: Person, keepLookups: Set<string>) {
    const { personId } = person;
    // Lookups were planned from `previous`; a concurrent change to its phone/email voids the plan.
    // The profile must still be there and not being erased: a save never brings someone back.
    const profileGuard = {
      ConditionExpression: [
        'attribute_exists(#pk) AND attribute_not_exists(#erasing)',
        previous.phone === undefined ? 'attribute_not_exists(#phone)' : '#phone = :phone',
        previous.email === undefined ? 'attribute_not_exists(#email)' : '#email = :email',
      ].join(' AND '),
      ExpressionAttributeNames: { ...namesFor(PK, 'phone', 'email'), '#erasing': ERASING_ATTRIBUTE },
      ...(previous.phone !== undefined || previous.email !== undefined
        ? { ExpressionAttributeValues: withoutUndefined({ ':phone': previous.phone, ':email': previous.email }) }
        : {}),
    };

    const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [{ Put: { TableName, Item: personItem(person), ...profileGuard } }];
    const deletedLookupAt: Array<string | undefined> = [undefined];
    /** Positions of the lookups this save puts: a failed condition there means someone else holds it. */
    const takenLookupAt = new Map<number, string>();
    const lookups = [
      { current: ifDefined(person.phone, phoneLookupKey), old: ifDefined(previous.phone, phoneLookupKey) },
      { current: ifDefined(person.email, emailLookupKey), old: ifDefined(previous.email, emailLookupKey) },
    ];
    const season = person.profile.season;
    const previousSeason = previous.profile?.season;
    transactItems.push({ Put: { TableName, Item: seasonMemberKey(season, personId) } });
    deletedLookupAt.push(undefined);
    if (previousSeason !== undefined && previousSeason !== season) {
      transactItems.push({ Delete: { TableName, Key: seasonMemberKey(previousSeason, personId) } });
      deletedLookupAt.push(undefined);
    }
    for (const { current, old } of lookups) {
      if (current) {
        transactItems.push({
          Put: {
            TableName,
            Item: { ...current, personId },
            // A number or address someone else holds is never taken over by a save.
            ConditionExpression: 'attribute_not_exists(#pk) OR #personId = :personId',
            ExpressionAttributeNames: namesFor(PK, 'personId'),
            ExpressionAttributeValues: { ':personId': personId },
          },
        });
        deletedLookupAt.push(undefined);
        takenLookupAt.set(transactItems.length - 1, current.pk);
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
    return { transactItems, deletedLookupAt, takenLookupAt };
  }

  /** A person being erased is already gone for every reader. */
  async function readPerson(op: string, personId: string): Promise<Person | undefined> {
    const item = await getItem(op, personKey(personId));
    return item && item[ERASING_ATTRIBUTE] === undefined ? ({ ...domainFields(item), personId: personIdFromPk(item[PK]) } as Person) : undefined;
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

  /** Erasure's first step: from now on the person reads as gone and guarded writes fail. */
  async function markErasing(personId: string, at: Date, options: { onlyTheOwnRecordOf?: string } = {}): Promise<boolean> {
    const org = options.onlyTheOwnRecordOf;
    const marked = await updateIf('beginErasure', {
      key: personKey(personId),
      expression: 'SET #erasing = if_not_exists(#erasing, :at)',
      condition:
        org === undefined
          ? 'attribute_exists(#pk)'
          : 'attribute_exists(#pk) AND #broughtBy = :org AND (attribute_not_exists(#consent.#email) OR #consent.#email.#state <> :confirmed) AND (attribute_not_exists(#consent.#sms) OR #consent.#sms.#state <> :confirmed)',
      names: { ...namesFor(PK), '#erasing': ERASING_ATTRIBUTE, ...(org !== undefined && namesFor('broughtBy', 'consent', 'email', 'sms', 'state')) },
      values: { ':at': at.toISOString(), ...(org !== undefined && { ':org': org, ':confirmed': 'confirmed' }) },
    });
    return marked !== false;
  }

  const plans = createDynamoPlanStore({ doc, tableName: TableName });
  const windows = createDynamoConversationWindows({ doc, tableName: TableName });

  return {
    ...createConversationRepository(shared),
    ...createLinkRepository(shared),
    ...createCalendarOverrideRepository(shared),
    getPlan: plans.getPlan,
    savePlan: plans.savePlan,
    noteInbound: windows.noteInbound,
    noteWindowClosed: windows.noteWindowClosed,
    getWindow: windows.getWindow,

    async savePerson(person) {
      const keepLookups = new Set<string>();
      for (let round = 1; ; round++) {
        const previous = await readPerson('savePerson', person.personId);
        // Saving changes someone who is there; people are created by createPeople only.
        if (!previous) throw new PersonGone();
        const plan = personWritePlan(person, previous, keepLookups);
        try {
          await measured('savePerson', 'write', () =>
            doc.send(new TransactWriteCommand({ TransactItems: plan.transactItems, ReturnConsumedCapacity: 'TOTAL' })),
          );
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException) || round >= SAVE_PERSON_ROUNDS) throw error;
          // Either the profile changed under us (plan again from the new one), an old lookup now
          // belongs to someone else (leave it alone next round), or a new one does (refused).
          error.CancellationReasons?.forEach((reason, index) => {
            if (reason.Code !== 'ConditionalCheckFailed') return;
            if (plan.takenLookupAt.has(index)) throw new DomainError('conflict', 'that email address or phone number is someone else\'s');
            const lookupPk = plan.deletedLookupAt[index];
            if (lookupPk) keepLookups.add(lookupPk);
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

    async findPersonIds({ emails, phones }) {
      const items = await batchGet('findPersonIds', [...emails.map(emailLookupKey), ...phones.map(phoneLookupKey)], [PK, 'personId']);
      const holder = new Map(items.map((item) => [String(item[PK]), String(item.personId)]));
      const found = (values: readonly string[], key: (value: string) => { pk: string }) =>
        new Map(values.flatMap((value) => {
          const personId = holder.get(key(value).pk);
          return personId === undefined ? [] : [[value, personId] as const];
        }));
      return { byEmail: found(emails, emailLookupKey), byPhone: found(phones, phoneLookupKey) };
    },

    async getPeople(personIds) {
      const items = (await batchGet('getPeople', personIds.map(personKey))).filter((item) => item[ERASING_ATTRIBUTE] === undefined);
      return new Map(items.map((item) => {
        const personId = personIdFromPk(item[PK]);
        return [personId, { ...domainFields(item), personId } as Person];
      }));
    },

    async listEnrollmentsOf(personIds) {
      const unique = [...new Set(personIds)];
      const groups: string[][] = [];
      for (let start = 0; start < unique.length; start += PARTIQL_IN_KEYS) groups.push(unique.slice(start, start + PARTIQL_IN_KEYS));
      // PartiQL because neither Query nor BatchGetItem reads many partitions' prefixes at once. With
      // every partition key named by `IN` it is one Query per person on DynamoDB's side, never a
      // scan (and the functions' IAM policy denies any statement that would scan).
      const pages = await mapWithConcurrency(groups, BULK_CONCURRENCY, async (group) => {
        const items: Item[] = [];
        let NextToken: string | undefined;
        do {
          const out = await measured('listEnrollmentsOf', 'read', () =>
            doc.send(
              new ExecuteStatementCommand({
                Statement: `SELECT * FROM "${TableName}" WHERE "${PK}" IN [${group.map(() => '?').join(', ')}] AND begins_with("${SK}", ?)`,
                Parameters: [...group.map(personPk), ENROLLMENT_PREFIX],
                ConsistentRead: true,
                NextToken,
                ReturnConsumedCapacity: 'TOTAL',
              }),
            ),
          );
          items.push(...(out.Items ?? []));
          NextToken = out.NextToken;
        } while (NextToken);
        return items;
      });
      const byPerson = new Map<string, Enrollment[]>(unique.map((personId) => [personId, []]));
      for (const item of pages.flat()) {
        const enrollment = toEnrollment(item);
        byPerson.get(enrollment.personId)?.push(enrollment);
      }
      // listEnrollments' order, the sort key's: pages of several partitions promise none across them.
      for (const list of byPerson.values()) list.sort((a, b) => compareStrings(a.enrollmentId, b.enrollmentId));
      return new Map(personIds.map((personId) => [personId, byPerson.get(personId)!]));
    },

    async createPeople(people) {
      for (const { person, enrollments } of people) {
        const stray = enrollments.find((e) => e.personId !== person.personId);
        if (stray) throw new Error(`enrollment ${stray.enrollmentId} is not ${person.personId}'s`);
      }
      const notCreated: string[] = [];
      // One transaction may not touch an item twice, and two new people cannot hold one email or
      // phone anyway: a later person naming what an earlier one holds loses, as to anyone else.
      const held = new Set<string>();
      const groups: { personId: string; items: NonNullable<TransactWriteCommandInput['TransactItems']> }[][] = [];
      let groupSize = TRANSACTION_ITEMS;
      for (const newPerson of people) {
        const { items, heldKeys } = newPersonItems(newPerson);
        if (heldKeys.some((key) => held.has(key))) {
          notCreated.push(newPerson.person.personId);
          continue;
        }
        for (const key of heldKeys) held.add(key);
        if (items.length > TRANSACTION_ITEMS) throw new Error(`a new person with ${newPerson.enrollments.length} enrollments does not fit one transaction`);
        if (groupSize + items.length > TRANSACTION_ITEMS) {
          groups.push([]);
          groupSize = 0;
        }
        groups.at(-1)!.push({ personId: newPerson.person.personId, items });
        groupSize += items.length;
      }
      const lost = await mapWithConcurrency(groups, BULK_CONCURRENCY, createGroup);
      return { notCreated: [...notCreated, ...lost.flat()] };
    },

    async saveEnrollment(enrollment) {
      await guarded('saveEnrollment', enrollment.personId, [{ Put: { TableName, Item: enrollmentItem(enrollment) } }]);
    },

    async listEnrollments(personId) {
      return (await queryPrefix('listEnrollments', personId, ENROLLMENT_PREFIX)).map(toEnrollment);
    },

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

    async listPersonIdsInSeason(season) {
      const items = await queryAll('listPersonIdsInSeason', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: namesFor(PK),
        ExpressionAttributeValues: { ':pk': seasonPk(season) },
      });
      return items.map((item) => personIdFromPk(item[SK]));
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

    beginErasure: markErasing,

    async erasePerson(personId, at = new Date()) {
      // From the mark on, no guarded write can add to the partition (person-guard.ts), so one
      // strongly consistent read of it afterwards finds everything there will ever be.
      await markErasing(personId, at);
      const partition = () =>
        queryAll('erasePerson', {
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: namesFor(PK),
          ExpressionAttributeValues: { ':pk': personPk(personId) },
          ConsistentRead: true,
        });
      const remove = async (key: { pk: string; sk: string }, onlyIfOurs = false): Promise<number> => {
        try {
          const out = await measured('erasePerson', 'write', () =>
            doc.send(
              new DeleteCommand({
                TableName,
                Key: key,
                // A number or address may belong to someone else by now: their lookup stays.
                ...(onlyIfOurs && {
                  ConditionExpression: 'attribute_not_exists(#pk) OR #personId = :personId',
                  ExpressionAttributeNames: namesFor(PK, 'personId'),
                  ExpressionAttributeValues: { ':personId': personId },
                }),
                ReturnValues: 'ALL_OLD',
                ReturnConsumedCapacity: 'TOTAL',
              }),
            ),
          );
          return out.Attributes ? 1 : 0;
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return 0;
          throw error;
        }
      };
      const items = await partition();
      const profile = items.find((item) => item[SK] === personKey(personId).sk);
      // What points at the person is found through their own items, so it goes before them.
      const pointers: { key: { pk: string; sk: string }; onlyIfOurs: boolean }[] = [];
      if (profile?.phone) pointers.push({ key: phoneLookupKey(profile.phone), onlyIfOurs: true });
      if (profile?.email) pointers.push({ key: emailLookupKey(profile.email), onlyIfOurs: true });
      if (profile?.profile?.season !== undefined) pointers.push({ key: seasonMemberKey(profile.profile.season, personId), onlyIfOurs: false });
      for (const item of items) {
        if (String(item[SK]).startsWith(SAFETY_PREFIX) && (item.kind === 'risk' || item.kind === 'distress')) {
          pointers.push({ key: alertKey(item.at, personId, safetyEventIdFromSk(item[SK])), onlyIfOurs: false });
        }
      }
      let erased = (await mapWithConcurrency(pointers, CANCEL_CONCURRENCY, (p) => remove(p.key, p.onlyIfOurs))).reduce((a, b) => a + b, 0);
      const own = items.filter((item) => item !== profile).map((item) => ({ pk: item[PK] as string, sk: item[SK] as string }));
      erased += (await mapWithConcurrency(own, CANCEL_CONCURRENCY, (key) => remove(key))).reduce((a, b) => a + b, 0);
      // The profile last: while it is there (marked), a run cut short can be repeated with the same link.
      if (profile) erased += await remove(personKey(personId));
      return erased;
    },
  };
}


/** Planned, or claimed by a dispatcher whose lease ran out: nobody is sending it right now. */
function isCancellable(message: Message, now: Date): boolean {
  if (message.status === 'planned') return true;
  return message.status === 'claimed' && message.lease !== undefined && Date.parse(message.lease.until) <= now.getTime();
}

/** A profile item: the person's fields under their key (the id lives in the key only). */
function personItem(person: Person): Item {
  const { personId, ...fields } = person;
  return withoutUndefined({ ...fields, ...personKey(personId) });
}

function enrollmentItem(enrollment: Enrollment): Item {
  const { personId, enrollmentId, ...fields } = enrollment;
  return withoutUndefined({ ...fields, ...enrollmentKey(personId, enrollmentId) });
}

/** Only messages still to go out, and with a time to look at them, sit in the due index. */
function messageItem(message: Message): Item {
  const { personId, messageId, ...fields } = message;
  const due = message.dueAt !== undefined && !isFinal(message.status) ? dueKey(message, message.dueAt) : {};
  return withoutUndefined({ ...fields, ...messageKey(personId, messageId), ...due });
}

function toMessage(item: Item): Message {
  return { ...domainFields(item), personId: personIdFromPk(item[PK]), messageId: messageIdFromSk(item[SK]) } as Message;
}

function toEnrollment(item: Item): Enrollment {
  return { ...domainFields(item), personId: personIdFromPk(item[PK]), enrollmentId: enrollmentIdFromSk(item[SK]) } as Enrollment;
}


function bySendAt(a: Message, b: Message): number {
  return Date.parse(a.sendAt) - Date.parse(b.sendAt) || compareStrings(a.messageId, b.messageId);
}

