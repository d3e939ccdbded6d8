import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../domain/concurrency';
import type { NewPerson, Store } from '../../ports';
import {
  SAFETY_PREFIX,
  alertKey,
  emailLookupKey,
  ifAbsent,
  personKey,
  personPk,
  phoneLookupKey,
  safetyEventIdFromSk,
  seasonMemberKey,
} from './keys';
// A person's own plan: its own adapter file, same table and partition.
import { createDynamoPlanStore } from './dynamo-plan-store';
// The WhatsApp window: its own adapter file, same table and partition.
import { createDynamoConversationWindows } from './dynamo-conversation-windows';
import { ERASING_ATTRIBUTE } from './person-guard';
import { createPeopleRepository, personItem } from './people-repository';
import { createEnrollmentRepository, enrollmentItem } from './enrollment-repository';
import { createOutboxRepository } from './outbox-repository';
import { createConversationRepository } from './conversation-repository';
import { createLinkRepository } from './link-repository';
import { createCalendarOverrideRepository } from './calendar-override-repository';
import {
  BULK_CONCURRENCY,
  CANCEL_CONCURRENCY,
  PK,
  SK,
  createDynamoContext,
  ifDefined,
  namesFor,
  type DynamoStoreOptions,
} from './dynamo-context';
import type { TransactItem } from './stored-item';

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
 *
 * Each port has its repository (people-, enrollment-, outbox-, conversation-, link- and
 * calendar-override-repository.ts, the plan and WhatsApp window stores), all built on one
 * dynamo-context.ts. What stays here spans aggregates: creating people writes their enrollments
 * in the same transaction, and erasure takes every item of the person whatever its aggregate.
 */

/** DynamoDB's limit: items in one TransactWriteItems. */
const TRANSACTION_ITEMS = 100;

export function createDynamoStore(options: DynamoStoreOptions): Store {
  const shared = createDynamoContext(options);
  const { doc, TableName, measured, queryAll, updateIf } = shared;

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
    const items: TransactItem[] = [
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
  async function createGroup(group: readonly { personId: string; items: TransactItem[] }[]): Promise<string[]> {
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

  const plans = createDynamoPlanStore(shared);
  const windows = createDynamoConversationWindows(shared);

  return {
    ...createPeopleRepository(shared),
    ...createEnrollmentRepository(shared),
    ...createOutboxRepository(shared),
    ...createConversationRepository(shared),
    ...createLinkRepository(shared),
    ...createCalendarOverrideRepository(shared),
    getPlan: plans.getPlan,
    savePlan: plans.savePlan,
    noteInbound: windows.noteInbound,
    noteWindowClosed: windows.noteWindowClosed,
    getWindow: windows.getWindow,

    async createPeople(people) {
      for (const { person, enrollments } of people) {
        const stray = enrollments.find((e) => e.personId !== person.personId);
        if (stray) throw new Error(`enrollment ${stray.enrollmentId} is not ${person.personId}'s`);
      }
      const notCreated: string[] = [];
      // One transaction may not touch an item twice, and two new people cannot hold one email or
      // phone anyway: a later person naming what an earlier one holds loses, as to anyone else.
      const held = new Set<string>();
      const groups: { personId: string; items: TransactItem[] }[][] = [];
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
