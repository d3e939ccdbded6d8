import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Person } from '../../domain/model';
import { DomainError, PersonGone } from '../../domain/errors';
import type { PeopleStore } from '../../ports/people';
import { emailLookupKey, personIdFromPk, personKey, phoneLookupKey, seasonMemberKey, seasonPk } from './keys';
import { ERASING_ATTRIBUTE } from './person-guard';
import { PK, SK, ifDefined, namesFor, type DynamoContext } from './dynamo-context';
import { parseItem, type Item, type TransactItem } from './stored-item';
import { withoutUndefined } from '../without-undefined';

/** A person rarely changes twice at once; a few rounds settle any race on their lookups. */
const SAVE_PERSON_ROUNDS = 4;

/**
 * People: the profile (PERSON#<personId> / PROFILE), its phone and email lookups and season row.
 * Creating people and erasing them write into other aggregates too, so createDynamoStore keeps them.
 */
export function createPeopleRepository(shared: DynamoContext): Omit<PeopleStore, 'createPeople' | 'erasePerson' | 'beginErasure'> {
  const { doc, TableName, measured, getItem, queryAll, batchGet } = shared;

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

    const transactItems: TransactItem[] = [{ Put: { TableName, Item: personItem(person), ...profileGuard } }];
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
    return item && item[ERASING_ATTRIBUTE] === undefined ? toPerson(item) : undefined;
  }

  return {
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
        const person = toPerson(item);
        return [person.personId, person];
      }));
    },

    async listPersonIdsInSeason(season) {
      const items = await queryAll('listPersonIdsInSeason', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: namesFor(PK),
        ExpressionAttributeValues: { ':pk': seasonPk(season) },
      });
      return items.map((item) => personIdFromPk(item[SK]));
    },
  };
}

function toPerson(item: Item): Person {
  return parseItem(Person, 'person', item, { personId: personIdFromPk(item[PK]) });
}

/** A profile item: the person's fields under their key (the id lives in the key only). */
export function personItem(person: Person): Item {
  const { personId, ...fields } = person;
  return withoutUndefined({ ...fields, ...personKey(personId) });
}
