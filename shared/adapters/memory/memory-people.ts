import type { Person } from '../../domain/model';
import { DomainError } from '../../domain/errors';
import type { PeopleStore } from '../../ports/people';
import { copy, copyOrUndefined, type MemoryContext } from './memory-context';

/**
 * The twin of people-repository.ts: profiles, their phone and email lookups, the season a
 * profile names. Creating people and erasing them reach into other aggregates too, so
 * createMemoryStore keeps them.
 */
export function createMemoryPeople(context: MemoryContext): Omit<PeopleStore, 'createPeople' | 'erasePerson' | 'beginErasure'> {
  const { people, personIdByPhone, personIdByEmail, isLiving, mustLive } = context;
  return {
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
  };
}
