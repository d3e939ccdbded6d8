import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Person } from '../../domain/model';
import { mapWithConcurrency } from '../../domain/concurrency';
import type { NewPerson, Store } from '../../ports';
import {
  SAFETY_PREFIX,
  alertKey,
  emailLookupKey,
  ifAbsent,
  personIdFromPk,
  personKey,
  personPk,
  phoneLookupKey,
  safetyEventIdFromSk,
  seasonMemberKey,
  seasonPk,
} from './keys';
// A person's own plan: its own adapter file, same table and partition.
import { createDynamoPlanStore } from './dynamo-plan-store';
// The WhatsApp window: its own adapter file, same table and partition.
import { createDynamoConversationWindows } from './dynamo-conversation-windows';
import { ERASING_ATTRIBUTE } from './person-guard';
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
  domainFields,
  ifDefined,
  namesFor,
  withoutUndefined,
  type DynamoStoreOptions,
  type Item,
} from './dynamo-context';
import { DomainError, PersonGone } from '../../domain/errors';

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

export function createDynamoStore(options: DynamoStoreOptions): Store {
  const shared = createDynamoContext(options);
  const { doc, TableName, measured, getItem, queryAll, updateIf, batchGet } = shared;


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

    async listPersonIdsInSeason(season) {
      const items = await queryAll('listPersonIdsInSeason', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: namesFor(PK),
        ExpressionAttributeValues: { ':pk': seasonPk(season) },
      });
      return items.map((item) => personIdFromPk(item[SK]));
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


/** A profile item: the person's fields under their key (the id lives in the key only). */
function personItem(person: Person): Item {
  const { personId, ...fields } = person;
  return withoutUndefined({ ...fields, ...personKey(personId) });
}
