import type { OutboxStore } from '../../shared/ports/outbox';
import { DELIVERY_STATUSES } from '../../shared/domain/model';
import type { Store } from '../../shared/ports';
import { onFreshPort, type PortUnderTest } from './store-ports';
import { MESSAGE_FIELDS, MESSAGE_ID, LEASE_END, NOW, at, attempt, enrollment, expectDomainShape, message } from './store-fixtures';

/**
 * What the outbox's twin and repository must do with messages: creating, reading, cancelling,
 * planning again, delivery receipts. The dispatchers' side (the due index, claims, outcomes) is
 * due-index-contract.ts. The memory twin and the DynamoDB repository both run them.
 * Each test gets a fresh, empty store; all times are fixed instants.
 */
export function describeOutboxContract(name: string, make: () => Promise<PortUnderTest<OutboxStore>>): void {
  describe(`OutboxStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: OutboxStore;
    /** The whole store on the same data, for setup only. */
    let setup: Store;

    onFreshPort(make, (fresh) => {
      store = fresh.port;
      setup = fresh.store;
    });

    describe('messages', () => {
      test('createMessage is idempotent: the second create is refused and changes nothing', async () => {
        const first = message();
        expect(await store.createMessage(first)).toBe(true);
        expect(await store.createMessage({ ...first, to: '+15550000000', sendAt: at(99) })).toBe(false);
        expect(await store.getMessage('p-asha', first.messageId)).toEqual(first);
        expectDomainShape(await store.getMessage('p-asha', first.messageId), MESSAGE_FIELDS);
        expect(await store.getMessage('p-asha', 'nope')).toBeUndefined();
      });

      test('callers cannot change stored messages through the objects they passed or got', async () => {
        const created = message();
        await store.createMessage(created);
        created.attempts.push(attempt('sent'));
        created.status = 'sent';
        const read = (await store.getMessage('p-asha', created.messageId))!;
        read.attempts.push(attempt('sent'));
        expect(await store.getMessage('p-asha', created.messageId)).toEqual(message());
      });

      test("listMessages returns the person's messages only, oldest sendAt first", async () => {
        await store.createMessage(message({ messageId: 'm-late', sendAt: at(30) }));
        await store.createMessage(message({ messageId: 'm-early', sendAt: at(-30) }));
        await store.createMessage(message({ messageId: 'm-mid', sendAt: at(0), status: 'sent', dueAt: undefined }));
        await store.createMessage(message({ personId: 'p-ravi', messageId: 'm-other' }));
        await setup.saveEnrollment(enrollment());
        const listed = await store.listMessages('p-asha');
        expect(listed.map((m) => m.messageId)).toEqual(['m-early', 'm-mid', 'm-late']);
        for (const m of listed) expectDomainShape(m, MESSAGE_FIELDS);
        expect(await store.listMessages('p-nobody')).toEqual([]);
      });
    });

    describe('cancelPendingMessages', () => {
      test('skips planned and expired-claim messages on the channel only, never final or live ones', async () => {
        await store.createMessage(message({ messageId: 'sms-planned', channel: 'sms', dueAt: at(10) }));
        await store.createMessage(message({ messageId: 'sms-undated', channel: 'sms', dueAt: undefined }));
        await store.createMessage(
          message({ messageId: 'sms-expired', channel: 'sms', status: 'claimed', dueAt: at(-5), lease: { token: 't', until: at(-5) } }),
        );
        await store.createMessage(
          message({ messageId: 'sms-live', channel: 'sms', status: 'claimed', dueAt: at(5), lease: { token: 't', until: at(5) } }),
        );
        await store.createMessage(message({ messageId: 'sms-sent', channel: 'sms', status: 'sent', dueAt: undefined }));
        await store.createMessage(message({ messageId: 'email-planned', channel: 'email', to: 'asha@example.com', dueAt: at(10) }));
        await store.createMessage(message({ personId: 'p-ravi', messageId: 'ravi-sms', channel: 'sms', dueAt: at(10) }));

        expect(await store.cancelPendingMessages('p-asha', 'opted_out', NOW, 'sms')).toBe(3);

        const byId = new Map((await store.listMessages('p-asha')).map((m) => [m.messageId, m]));
        for (const id of ['sms-planned', 'sms-undated', 'sms-expired']) {
          const skipped = byId.get(id)!;
          expect(skipped.status).toBe('skipped');
          expect(skipped.reason).toBe('opted_out');
          expect(skipped.updatedAt).toBe(NOW.toISOString());
          expect(skipped).not.toHaveProperty('dueAt');
          expect(skipped).not.toHaveProperty('lease');
        }
        expect(byId.get('sms-live')).toEqual(
          message({ messageId: 'sms-live', channel: 'sms', status: 'claimed', dueAt: at(5), lease: { token: 't', until: at(5) } }),
        );
        expect(byId.get('sms-sent')).toEqual(message({ messageId: 'sms-sent', channel: 'sms', status: 'sent', dueAt: undefined }));
        expect(byId.get('email-planned')?.status).toBe('planned');
        expect((await store.getMessage('p-ravi', 'ravi-sms'))?.status).toBe('planned');

        const dueIds = (await store.listDueMessages(new Date(Date.parse(at(60))), 50)).map((r) => r.messageId);
        expect(dueIds.sort()).toEqual(['email-planned', 'ravi-sms', 'sms-live']);

        // Without a channel every pending message goes; a second run finds nothing left.
        expect(await store.cancelPendingMessages('p-asha', 'unsubscribed', NOW)).toBe(1);
        expect((await store.getMessage('p-asha', 'email-planned'))?.reason).toBe('unsubscribed');
        expect(await store.cancelPendingMessages('p-asha', 'unsubscribed', NOW)).toBe(0);
        expect((await store.getMessage('p-asha', 'sms-sent'))?.status).toBe('sent');
      });
    });

    describe('re-planning', () => {
      it('a message withdrawn by re-planning may be planned again; other final ones stand', async () => {
        await store.createMessage(message({ dueAt: at(5) }));
        expect(await store.cancelPendingMessages('p-asha', 'replanned', NOW)).toBe(1);
        expect(await store.createMessage(message({ dueAt: at(30), sendAt: at(30) }))).toBe(true);
        expect((await store.getMessage('p-asha', MESSAGE_ID))).toMatchObject({ status: 'planned', dueAt: at(30) });
        expect(await store.cancelPendingMessages('p-asha', 'opted_out', NOW)).toBe(1);
        expect(await store.createMessage(message({ dueAt: at(40) }))).toBe(false);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.reason).toBe('opted_out');
      });

      it('a message the weekly budget dropped may be planned again when a later plan finds room for it', async () => {
        const dropped = message({ dueAt: undefined, status: 'skipped', reason: 'budget:weekly-limit' });
        expect(await store.createMessage(dropped)).toBe(true);
        expect(await store.listDueMessages(new Date(at(60)), 10)).toEqual([]);
        expect(await store.createMessage(message({ dueAt: at(30), sendAt: at(30) }))).toBe(true);
        expect(await store.getMessage('p-asha', MESSAGE_ID)).toMatchObject({ status: 'planned', dueAt: at(30) });
        expect((await store.listDueMessages(new Date(at(60)), 10)).map((r) => r.messageId)).toEqual([MESSAGE_ID]);
        // A reason that merely contains the word is not the budget's.
        await store.createMessage(message({ messageId: 'other', dueAt: undefined, status: 'skipped', reason: 'not-budget:x' }));
        expect(await store.createMessage(message({ messageId: 'other', dueAt: at(30) }))).toBe(false);
      });

      it('re-planning may keep a counselor\'s invitations waiting; other reasons withdraw them', async () => {
        await store.createMessage(message({ dueAt: at(5) }));
        await store.createMessage(message({ messageId: 'invite.p-asha.sms', enrollmentId: 'invitation', sequenceId: 'invitation', stepId: 'invite', invitation: { orgName: 'Advising' }, dueAt: at(5) }));
        expect(await store.cancelPendingMessages('p-asha', 'replanned', NOW, undefined, { keepInvitations: true })).toBe(1);
        expect(await store.getMessage('p-asha', 'invite.p-asha.sms')).toMatchObject({ status: 'planned', invitation: { orgName: 'Advising' } });
        expect((await store.listDueMessages(new Date(at(10)), 10)).map((r) => r.messageId)).toEqual(['invite.p-asha.sms']);
        expect(await store.cancelPendingMessages('p-asha', 'removed-from-cohort', NOW)).toBe(1);
        expect(await store.getMessage('p-asha', 'invite.p-asha.sms')).toMatchObject({ status: 'skipped', reason: 'removed-from-cohort' });
      });
    });

    describe('delivery receipts', () => {
      test('a later state replaces an earlier one; an earlier or equal one changes nothing', async () => {
        const sent = message({ status: 'sent', dueAt: undefined, providerId: 'SM' + 'e'.repeat(32) });
        await store.createMessage(sent);
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID };
        expect(await store.recordDelivery(ref, { status: 'sent', at: at(1) })).toEqual(sent);
        expect(await store.recordDelivery(ref, { status: 'queued', at: at(2) })).toBe(false);
        expect(await store.recordDelivery(ref, { status: 'sent', at: at(3) })).toBe(false);
        // Each recorded state hands back the message as it was: what the state moved from.
        expect(await store.recordDelivery(ref, { status: 'undelivered', at: at(4), errorCode: 30003 })).toEqual({ ...sent, delivery: { status: 'sent', at: at(1) } });
        expect(await store.getMessage('p-asha', MESSAGE_ID)).toEqual({ ...sent, delivery: { status: 'undelivered', at: at(4), errorCode: 30003 } });
        expectDomainShape(await store.getMessage('p-asha', MESSAGE_ID), MESSAGE_FIELDS);
        expect(await store.recordDelivery(ref, { status: 'delivered', at: at(5) })).toMatchObject({ delivery: { status: 'undelivered', errorCode: 30003 } });
        expect(await store.recordDelivery(ref, { status: 'failed', at: at(6), errorCode: 30008 })).toBe(false);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.delivery).toEqual({ status: 'delivered', at: at(5) });
      });

      test('a receipt for an unknown message creates nothing; a receipt never touches the plan', async () => {
        expect(await store.recordDelivery({ personId: 'p-asha', messageId: 'nope' }, { status: 'delivered', at: at(1) })).toBe(false);
        expect(await store.getMessage('p-asha', 'nope')).toBeUndefined();
        expect(await store.listMessages('p-asha')).toEqual([]);

        await store.createMessage(message({ dueAt: at(-1) }));
        expect(await store.recordDelivery({ personId: 'p-asha', messageId: MESSAGE_ID }, { status: 'sent', at: at(1) })).toMatchObject({ messageId: MESSAGE_ID });
        const [due] = await store.listDueMessages(NOW, 10);
        expect(due).toEqual({ personId: 'p-asha', messageId: MESSAGE_ID, dueAt: at(-1) });
        expect(await store.claimMessage(due!, { token: 't', until: LEASE_END, now: NOW })).toMatchObject({ status: 'claimed', delivery: { status: 'sent' } });
        expect(await store.finishMessage(due!, 't', { status: 'sent', attempt: attempt('sent'), providerId: 'SM1' })).toBe(true);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.delivery).toEqual({ status: 'sent', at: at(1) });
      });

      test('receipts racing each other converge to the latest state', async () => {
        await store.createMessage(message({ status: 'sent', dueAt: undefined }));
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID };
        const reports = [...DELIVERY_STATUSES].reverse().map((status, i) => ({ status, at: at(i) }));
        const results = await Promise.all(reports.map((d) => store.recordDelivery(ref, d)));
        expect(results.some(Boolean)).toBe(true);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.delivery?.status).toBe('read');
      });
    });
  });
}
