import { applyEvent, cohortRef, contribution, emptyStats, quietIndexUpperBound, sumCounters, type EngagementEvent, type EngagementStats } from '../../shared/domain/engagement';
import { PersonGone } from '../../shared/domain/errors';
import type { Store } from '../../shared/ports';
import type { EngagementStore } from '../../shared/ports/engagement';
import { ensurePerson, seedPerson } from './seed';

/**
 * What every engagement store must do: the memory twin and the DynamoDB adapter both run it.
 * Each test gets a fresh store; the person store is there for the guard (people who live).
 */
export function describeEngagementStoreContract(name: string, make: () => Promise<{ store: Store; engagement: EngagementStore; teardown(): Promise<void> }>): void {
  describe(`EngagementStore contract: ${name}`, () => {
    let store: Store;
    let engagement: EngagementStore;
    let teardown: () => Promise<void>;
    const AT = '2027-01-20T12:00:00.000Z';
    const K1 = cohortRef('org-a', 'k1');
    const K2 = cohortRef('org-a', 'k2');
    const KB = cohortRef('org-b', 'k9');

    beforeEach(async () => {
      ({ store, engagement, teardown } = await make());
      for (const id of ['p1', 'p2', 'p3']) await ensurePerson(store, id);
    });
    afterEach(async () => {
      await teardown();
    });

    /** Applies events, linking the cohorts given. */
    const apply = (personId: string, events: EngagementEvent[], cohorts?: string[]) =>
      engagement.changeStats(personId, (current) => {
        let next = current ?? emptyStats(personId, AT);
        for (const event of events) next = applyEvent(next, event);
        return { ...next, ...(cohorts && { cohorts }) };
      });
    const sent = (at: string, checkin = false): EngagementEvent => ({ kind: 'sent', at, channel: 'sms', checkin });
    const figures = (totals: Record<string, number>) => Object.fromEntries(Object.entries(totals).filter(([k, v]) => !k.startsWith('members.') && v !== 0));
    /** What the links of a cohort add up to: the totals must always equal this. */
    async function sumOfLinks(orgId: string, cohortId: string, ids: string[]) {
      const links = await engagement.getLinks(orgId, cohortId, ids);
      return figures(sumCounters([...links.values()].map((l) => l.snapshot)));
    }

    test('counts are kept only for someone who is there', async () => {
      await expect(apply('nobody', [sent(AT)])).rejects.toBeInstanceOf(PersonGone);
      expect((await engagement.getStats(['nobody'])).size).toBe(0);
      const stored = await apply('p1', [sent(AT)]);
      expect(stored).toMatchObject({ personId: 'p1', sent: 1, version: 1 });
      expect((await engagement.getStats(['p1', 'p2'])).get('p1')).toEqual(stored);
    });

    test("a linked cohort holds the member's contribution; its totals move by each difference", async () => {
      await apply('p1', [sent('2027-01-18T10:00:00.000Z', true)], [K1]);
      await apply('p2', [sent('2027-01-18T10:00:00.000Z')], [K1, KB]);
      await apply('p1', [{ kind: 'reply', at: '2027-01-18T11:00:00.000Z', answered: { checkinSentAt: '2027-01-18T10:00:00.000Z' }, score: 4 }]);
      const totals = figures(await engagement.cohortTotals('org-a', 'k1'));
      expect(totals).toMatchObject({ linked: 2, sent: 2, checkinsSent: 1, checkinsAnswered: 1, 'w.2027-01-18.scores': 1, 'w.2027-01-18.scoreSum': 4 });
      expect(totals).toEqual(await sumOfLinks('org-a', 'k1', ['p1', 'p2']));
      expect(figures(await engagement.cohortTotals('org-b', 'k9'))).toMatchObject({ linked: 1, sent: 1 });
      const stats = (await engagement.getStats(['p1'])).get('p1')!;
      expect((await engagement.getLinks('org-a', 'k1', ['p1'])).get('p1')!.snapshot).toEqual(contribution(stats, undefined));
    });

    test('changes at the same moment all land, and the totals stay the sum of the links', async () => {
      await apply('p1', [], [K1, K2]);
      await apply('p2', [], [K1]);
      await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => apply('p1', [sent(`2027-01-19T10:0${i}:00.000Z`)])),
        ...Array.from({ length: 6 }, (_, i) => apply('p2', [sent(`2027-01-19T11:0${i}:00.000Z`)])),
      ]);
      const stats = await engagement.getStats(['p1', 'p2']);
      expect(stats.get('p1')!.sent).toBe(6);
      expect(stats.get('p2')!.sent).toBe(6);
      expect(figures(await engagement.cohortTotals('org-a', 'k1'))).toMatchObject({ sent: 12, linked: 2 });
      expect(figures(await engagement.cohortTotals('org-a', 'k2'))).toMatchObject({ sent: 6, linked: 1 });
      expect(figures(await engagement.cohortTotals('org-a', 'k1'))).toEqual(await sumOfLinks('org-a', 'k1', ['p1', 'p2']));
    }, 60_000);

    test('unlinking takes back everything the member added, with their index entries', async () => {
      await apply('p1', [sent('2027-01-01T10:00:00.000Z'), { kind: 'flag', at: AT, reason: 'crisis' }, { kind: 'name', at: AT, firstName: 'Kwame' }, { kind: 'consent', at: AT, email: 'none', sms: 'confirmed' }], [K1]);
      expect((await engagement.listIndex('org-a', 'k1', 'flag', { limit: 10 })).entries.map((e) => e.personId)).toEqual(['p1']);
      expect((await engagement.listIndex('org-a', 'k1', 'name', { limit: 10, name: ' kwame ' })).entries.map((e) => e.personId)).toEqual(['p1']);
      expect((await engagement.listIndex('org-a', 'k1', 'quiet', { limit: 10, upTo: quietIndexUpperBound(new Date(AT)) })).entries.map((e) => e.personId)).toEqual(['p1']);
      await engagement.changeStats('p1', (current) => ({ ...current!, cohorts: [] }));
      expect(figures(await engagement.cohortTotals('org-a', 'k1'))).toEqual({});
      expect((await engagement.getLinks('org-a', 'k1', ['p1'])).size).toBe(0);
      for (const index of ['flag', 'quiet', 'name'] as const) expect((await engagement.listIndex('org-a', 'k1', index, { limit: 10, name: 'kwame', upTo: quietIndexUpperBound(new Date(AT)) })).entries).toEqual([]);
    });

    test('marking contacted closes the open flags of that organisation only', async () => {
      await apply('p1', [{ kind: 'flag', at: '2027-01-19T09:00:00.000Z', reason: 'talk' }], [K1, K2, KB]);
      for (const [org, cohort] of [['org-a', 'k1'], ['org-a', 'k2'], ['org-b', 'k9']]) expect(figures(await engagement.cohortTotals(org!, cohort!))).toMatchObject({ flagged: 1, 'flag.talk': 1 });
      await engagement.changeStats('p1', (current) => current, { contacted: { orgId: 'org-a', at: AT } });
      expect(figures(await engagement.cohortTotals('org-a', 'k1')).flagged).toBeUndefined();
      expect(figures(await engagement.cohortTotals('org-a', 'k2')).flagged).toBeUndefined();
      expect((await engagement.listIndex('org-a', 'k1', 'flag', { limit: 10 })).entries).toEqual([]);
      expect(figures(await engagement.cohortTotals('org-b', 'k9'))).toMatchObject({ flagged: 1 });
      expect((await engagement.getLinks('org-a', 'k1', ['p1'])).get('p1')!.contactedAt).toBe(AT);
      // A flag raised after the contact opens again.
      await apply('p1', [{ kind: 'flag', at: '2027-01-21T09:00:00.000Z', reason: 'distress' }]);
      expect(figures(await engagement.cohortTotals('org-a', 'k1'))).toMatchObject({ flagged: 1, 'flag.distress': 1 });
    });

    test('index pages: flags newest first, quiet members oldest first up to a cutoff, names exact; paged without repeats', async () => {
      const flagAt = ['2027-01-10T00:00:00.000Z', '2027-01-12T00:00:00.000Z', '2027-01-11T00:00:00.000Z'];
      for (const [i, id] of ['p1', 'p2', 'p3'].entries()) {
        await apply(id, [{ kind: 'consent', at: AT, email: 'none', sms: 'confirmed' }, sent(`2027-01-0${i + 1}T00:00:00.000Z`), { kind: 'flag', at: flagAt[i]!, reason: 'distress' }, { kind: 'name', at: AT, firstName: i < 2 ? 'Kwame' : 'Ama' }], [K1]);
      }
      const first = await engagement.listIndex('org-a', 'k1', 'flag', { limit: 2 });
      expect(first.entries.map((e) => e.personId)).toEqual(['p2', 'p3']);
      const second = await engagement.listIndex('org-a', 'k1', 'flag', { limit: 2, after: first.next! });
      expect(second.entries.map((e) => e.personId)).toEqual(['p1']);
      const quiet = await engagement.listIndex('org-a', 'k1', 'quiet', { limit: 10, upTo: quietIndexUpperBound(new Date('2027-01-02T12:00:00.000Z')) });
      expect(quiet.entries.map((e) => e.personId)).toEqual(['p1', 'p2']);
      expect((await engagement.listIndex('org-a', 'k1', 'name', { limit: 10, name: 'KWAME' })).entries.map((e) => e.personId).sort()).toEqual(['p1', 'p2']);
      expect((await engagement.listIndex('org-a', 'k1', 'name', { limit: 10, name: 'Kwam' })).entries).toEqual([]);
    });

    test('erasure: forgetPerson takes back what they added even while they are being erased; their counts and notes go with them', async () => {
      await apply('p1', [sent(AT)], [K1]);
      await apply('p2', [sent(AT)], [K1]);
      await engagement.addContactNote({ personId: 'p1', orgId: 'org-a', noteId: 'n1', at: AT, counselorId: 'c1', via: 'phone', note: 'Called; she is OK' });
      await store.beginErasure('p1', new Date(AT));
      await expect(apply('p1', [sent(AT)])).rejects.toBeInstanceOf(PersonGone);
      await expect(engagement.addContactNote({ personId: 'p1', orgId: 'org-a', noteId: 'n2', at: AT, counselorId: 'c1', via: 'text' })).rejects.toBeInstanceOf(PersonGone);
      expect(await engagement.forgetPerson('p1')).toBe(1);
      expect(await engagement.forgetPerson('p1')).toBe(0);
      await store.erasePerson('p1', new Date(AT));
      expect(figures(await engagement.cohortTotals('org-a', 'k1'))).toEqual(await sumOfLinks('org-a', 'k1', ['p1', 'p2']));
      expect(figures(await engagement.cohortTotals('org-a', 'k1'))).toMatchObject({ linked: 1, sent: 1 });
      expect((await engagement.getStats(['p1'])).size).toBe(0);
      expect(await engagement.listContactNotes('p1', 'org-a')).toEqual([]);
    });

    test("contact notes: the organisation's own, newest first", async () => {
      await engagement.addContactNote({ personId: 'p1', orgId: 'org-a', noteId: 'n1', at: '2027-01-19T10:00:00.000Z', counselorId: 'c1', via: 'phone', note: 'First call' });
      await engagement.addContactNote({ personId: 'p1', orgId: 'org-a', noteId: 'n2', at: '2027-01-20T10:00:00.000Z', counselorId: 'c2', via: 'text' });
      await engagement.addContactNote({ personId: 'p1', orgId: 'org-b', noteId: 'n3', at: '2027-01-21T10:00:00.000Z', counselorId: 'c9', via: 'email', note: 'Theirs' });
      expect((await engagement.listContactNotes('p1', 'org-a')).map((n) => n.noteId)).toEqual(['n2', 'n1']);
      expect((await engagement.listContactNotes('p1', 'org-b')).map((n) => n.note)).toEqual(['Theirs']);
      expect(await engagement.listContactNotes('p2', 'org-a')).toEqual([]);
    });

    test('member counts added by the counselor store sum over shards', async () => {
      await engagement.addToCohortTotals('org-a', 'k1', 'p1', { 'members.pending': 1 });
      await engagement.addToCohortTotals('org-a', 'k1', 'p2', { 'members.pending': 1 });
      await engagement.addToCohortTotals('org-a', 'k1', 'p1', { 'members.pending': -1, 'members.accepted': 1 });
      expect(await engagement.cohortTotals('org-a', 'k1')).toMatchObject({ 'members.pending': 1, 'members.accepted': 1 });
    });

    test('a name they change moves their entry in the name index', async () => {
      await seedPerson(store, { personId: 'p1', firstName: 'Kwame', timeZone: 'UTC', consent: {}, createdAt: AT, profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' } });
      await apply('p1', [{ kind: 'name', at: AT, firstName: 'Kwame' }], [K1]);
      await apply('p1', [{ kind: 'name', at: AT, firstName: 'Kwame Jr' }]);
      expect((await engagement.listIndex('org-a', 'k1', 'name', { limit: 10, name: 'Kwame' })).entries).toEqual([]);
      expect((await engagement.listIndex('org-a', 'k1', 'name', { limit: 10, name: 'kwame jr' })).entries.map((e) => e.personId)).toEqual(['p1']);
    });
  });
}

;
