import type { ConversationStore } from '../../shared/ports/conversation';
import { onFreshPort, type PortUnderTest } from './store-ports';
import { JOURNAL_FIELDS, LEASE_END, NOW, SAFETY_FIELDS, at, expectDomainShape, journal, safety } from './store-fixtures';

/**
 * What the conversation's twin and repository must do: inbound text dedupe, the journal, safety
 * events and alerts. The memory twin and the DynamoDB repository both run it.
 * Each test gets a fresh, empty store; all times are fixed instants.
 */
export function describeConversationContract(name: string, make: () => Promise<PortUnderTest<ConversationStore>>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: ConversationStore;

    onFreshPort(make, (fresh) => (store = fresh.port));

    describe('inbound SMS dedupe', () => {
      test('a MessageSid is claimed once; a released claim can be taken again', async () => {
        const sid = 'SM' + 'a'.repeat(32);
        expect(await store.claimInboundSms(sid, NOW)).toBe(true);
        expect(await store.claimInboundSms(sid, LEASE_END)).toBe(false);
        expect(await store.claimInboundSms('SM' + 'b'.repeat(32), NOW)).toBe(true);
        await store.releaseInboundSms(sid);
        expect(await store.claimInboundSms(sid, NOW)).toBe(true);
        expect(await store.claimInboundSms(sid, NOW)).toBe(false);
        // Releasing what was never claimed is harmless.
        await store.releaseInboundSms('SM' + 'c'.repeat(32));
      });

      test('concurrent claims of one MessageSid: exactly one wins', async () => {
        const sid = 'SM' + 'd'.repeat(32);
        const wins = await Promise.all(Array.from({ length: 8 }, () => store.claimInboundSms(sid, NOW)));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('journal', () => {
      test('entries read back oldest first, per person, filtered by the text they answered', async () => {
        const note = journal({ entryId: 'SM03', at: at(3), kind: 'note', text: 'Long day, but I did 40 questions.' });
        const first = journal({ entryId: 'SM01', at: at(1), inReplyTo: 'm-checkin', response: { kind: 'score', score: 2 }, text: 'tired' });
        const second = journal({ entryId: 'SM02', at: at(2), inReplyTo: 'm-checkin', response: { kind: 'done' } });
        const other = journal({ entryId: 'SM04', at: at(2), inReplyTo: 'm-nudge', response: { kind: 'skip' } });
        for (const entry of [note, second, other, first]) await store.saveJournalEntry(entry);
        await store.saveJournalEntry(journal({ personId: 'p-ravi', entryId: 'SM09', inReplyTo: 'm-checkin' }));

        expect(await store.listJournalEntries('p-asha')).toEqual([first, second, other, note]);
        expect(await store.listJournalEntries('p-asha', { inReplyTo: 'm-checkin' })).toEqual([first, second]);
        expect(await store.listJournalEntries('p-asha', { inReplyTo: 'm-check' })).toEqual([]);
        expect(await store.listJournalEntries('p-nobody')).toEqual([]);
        for (const entry of await store.listJournalEntries('p-asha')) expectDomainShape(entry, JOURNAL_FIELDS);
      });

      test('saving the same entry again replaces it, and callers cannot change what is stored', async () => {
        const entry = journal({ inReplyTo: 'm-1', response: { kind: 'score', score: 4 } });
        await store.saveJournalEntry(entry);
        await store.saveJournalEntry({ ...entry, text: 'second try' });
        entry.text = 'changed by the caller';
        const [read] = await store.listJournalEntries('p-asha');
        expect(read).toEqual({ ...journal({ inReplyTo: 'm-1', response: { kind: 'score', score: 4 } }), text: 'second try' });
        read!.response!.score = 1;
        expect((await store.listJournalEntries('p-asha'))[0]?.response?.score).toBe(4);
      });
    });

    describe('safety events and alerts', () => {
      test("flags land in the person's record and in their month's alerts; lifting a hold only in the record", async () => {
        const risk = safety({ eventId: 'SM01', at: '2027-03-31T23:59:00.000Z', kind: 'risk', rule: 'risk:kill-self' });
        const distress = safety({ eventId: 'SM02', at: '2027-04-01T00:01:00.000Z', kind: 'distress', rule: 'distress:heavy-feeling' });
        const lifted = safety({ eventId: 'op-1', at: '2027-04-02T10:00:00.000Z', kind: 'hold-lifted', by: 'operator:sam' });
        const ravi = safety({ personId: 'p-ravi', eventId: 'SM03', at: '2027-04-03T10:00:00.000Z', kind: 'risk', rule: 'risk:want-die' });
        for (const event of [lifted, distress, ravi, risk]) await store.saveSafetyEvent(event);

        expect(await store.listSafetyEvents('p-asha')).toEqual([risk, distress, lifted]);
        for (const event of await store.listSafetyEvents('p-asha')) expectDomainShape(event, SAFETY_FIELDS);
        expect(await store.listSafetyEvents('p-nobody')).toEqual([]);
        expect(await store.listSafetyAlerts('2027-03')).toEqual([
          { personId: 'p-asha', eventId: 'SM01', at: risk.at, level: 'risk', rule: 'risk:kill-self' },
        ]);
        // Newest first: what an operator wants to see at the top.
        expect(await store.listSafetyAlerts('2027-04')).toEqual([
          { personId: 'p-ravi', eventId: 'SM03', at: ravi.at, level: 'risk', rule: 'risk:want-die' },
          { personId: 'p-asha', eventId: 'SM02', at: distress.at, level: 'distress', rule: 'distress:heavy-feeling' },
        ]);
        expect(await store.listSafetyAlerts('2027-05')).toEqual([]);
      });

      test('saving the same flag again keeps one record and one alert', async () => {
        const risk = safety({ eventId: 'SM01', kind: 'risk', rule: 'risk:kill-self' });
        await store.saveSafetyEvent(risk);
        await store.saveSafetyEvent(risk);
        expect(await store.listSafetyEvents('p-asha')).toEqual([risk]);
        expect(await store.listSafetyAlerts(risk.at.slice(0, 7))).toHaveLength(1);
      });
    });
  });
}
