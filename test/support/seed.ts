import type { Person } from '../../shared/domain/model';
import type { Store } from '../../shared/ports';

/**
 * Puts a person into a store as a test's starting point: created if new (as a sign-up or import
 * creates people), changed if already there. The store itself only ever changes people through
 * savePerson; creating goes through createPeople, which refuses an email or phone someone holds.
 */
export async function seedPerson(store: Store, person: Person): Promise<void> {
  if (await store.getPerson(person.personId)) return store.savePerson(person);
  const { notCreated } = await store.createPeople([{ person, enrollments: [] }]);
  if (notCreated.length > 0) throw new Error(`test setup: ${person.personId} could not be created (its email or phone is taken)`);
}

/** Someone with no contacts, there only so that records can be written for them. */
export async function ensurePerson(store: Store, personId: string, timeZone = 'Asia/Kolkata'): Promise<void> {
  if (await store.getPerson(personId)) return;
  await seedPerson(store, {
    personId,
    timeZone,
    consent: {},
    createdAt: '2026-11-01T00:00:00.000Z',
    profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'undecided', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
  });
}

/** A message queued as a test's starting point, for someone who is there (created bare if need be). */
export async function queueMessage(store: Store, message: import('../../shared/domain/model').Message): Promise<boolean> {
  await ensurePerson(store, message.personId, message.zone);
  return store.createMessage(message);
}

/**
 * Takes a member whose records a test wrote straight into the store into their cohort's figures,
 * as their yes does (shared/app/engagement/engagement-counts.ts linkMember: counts rebuilt from
 * their records).
 */
export async function linkSeededMember(
  services: { store: Store; engagement: import('../../shared/ports/engagement').EngagementStore; clock: { now(): Date } },
  member: { orgId: string; cohortId: string; personId: string },
): Promise<void> {
  const { linkMember } = await import('../../shared/app/engagement/engagement-counts');
  const { shippedLibrary } = await import('../../shared/app/scheduling/library');
  await linkMember({ store: services.store, engagement: services.engagement, clock: services.clock, library: shippedLibrary() }, member);
}
