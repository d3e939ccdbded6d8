import type { Message } from '../../shared/domain/model';
import type { OutboxStore } from '../../shared/ports/outbox';
import { onFreshPort, type PortUnderTest } from './store-ports';
import { MESSAGE_FIELDS, MESSAGE_ID, LEASE_END, NOW, RETRY_AT, at, attempt, expectDomainShape, message } from './store-fixtures';

/**
 * What the outbox's twin and repository must do for the dispatchers: the due index and its
 * queues, queue leases, claims, finishing and retrying. The memory twin and the DynamoDB
 * repository both run it. Each test gets a fresh, empty store; all times are fixed instants.
 */
export function describeDueIndexContract(name: string, make: () => Promise<PortUnderTest<OutboxStore>>): void {
  describe(`OutboxStore due index contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: OutboxStore;

    onFreshPort(make, (fresh) => (store = fresh.port));

    describe('the due index', () => {
      test('lists only planned and expired-claim messages due by now, oldest first, never final ones', async () => {
        await store.createMessage(message({ messageId: 'planned-past', dueAt: at(-10) }));
        await store.createMessage(message({ messageId: 'planned-now', dueAt: at(0) }));
        await store.createMessage(message({ messageId: 'planned-future', dueAt: at(1) }));
        await store.createMessage(message({ messageId: 'planned-undated', dueAt: undefined }));
        await store.createMessage(
          message({ messageId: 'claimed-expired', status: 'claimed', dueAt: at(-5), lease: { token: 'dead', until: at(-5) } }),
        );
        await store.createMessage(
          message({ messageId: 'claimed-live', status: 'claimed', dueAt: at(5), lease: { token: 'alive', until: at(5) } }),
        );
        for (const status of ['sent', 'skipped', 'failed'] as const) {
          await store.createMessage(message({ messageId: `final-${status}`, status, dueAt: at(-60) }));
        }
        await store.createMessage(message({ personId: 'p-ravi', messageId: 'ravi-past', dueAt: at(-7) }));

        const due = await store.listDueMessages(NOW, 50);
        expect(due).toEqual([
          { personId: 'p-asha', messageId: 'planned-past', dueAt: at(-10) },
          { personId: 'p-ravi', messageId: 'ravi-past', dueAt: at(-7) },
          { personId: 'p-asha', messageId: 'claimed-expired', dueAt: at(-5) },
          { personId: 'p-asha', messageId: 'planned-now', dueAt: at(0) },
        ]);
        for (const ref of due) expect(Object.keys(ref).sort()).toEqual(['dueAt', 'messageId', 'personId']);
        expect(await store.listDueMessages(new Date(Date.parse(at(-11))), 50)).toEqual([]);
      });

      test('merges all shards oldest first and stops at the limit', async () => {
        // Enough ids to land in every shard; due times interleave so the merge order is tested.
        const ids = Array.from({ length: 24 }, (_, i) => `e-1.step-${i}.0.sms`);
        await Promise.all(ids.map((messageId, i) => store.createMessage(message({ messageId, dueAt: at(-100 + ((i * 7) % 24)) }))));
        const expected = ids
          .map((messageId, i) => ({ messageId, dueAt: at(-100 + ((i * 7) % 24)) }))
          .sort((a, b) => a.dueAt.localeCompare(b.dueAt));

        const all = await store.listDueMessages(NOW, 100);
        expect(all.map(({ messageId, dueAt }) => ({ messageId, dueAt }))).toEqual(expected);
        const firstFive = await store.listDueMessages(NOW, 5);
        expect(firstFive).toEqual(all.slice(0, 5));
        expect(await store.listDueMessages(NOW, 0)).toEqual([]);
      });

      test('equal due times stay distinct and ordered by message id', async () => {
        await store.createMessage(message({ messageId: 'b', dueAt: at(-1) }));
        await store.createMessage(message({ messageId: 'a', dueAt: at(-1) }));
        expect((await store.listDueMessages(NOW, 10)).map((r) => r.messageId)).toEqual(['a', 'b']);
      });
    });

    // ---- Due queues: a channel's backlog, urgent first, page by page -----------------------

    describe('due queues', () => {
      async function seedQueues() {
        // 30 per class and channel, enough to spread over every shard; due times interleave.
        const made: Message[] = [];
        for (const channel of ['sms', 'email'] as const) {
          for (const urgent of [true, false]) {
            for (let i = 0; i < 30; i++) {
              const m = message({
                messageId: `e-${i % 3}.step-${i}.0.${urgent ? 'u' : 'r'}.${channel}`,
                channel,
                ...(urgent ? { urgent: true } : {}),
                dueAt: at(-60 + ((i * 11) % 30)),
              });
              made.push(m);
            }
          }
        }
        await Promise.all(made.map((m) => store.createMessage(m)));
        return made;
      }
      const idsOf = (refs: Array<{ messageId: string }>) => refs.map((r) => r.messageId).sort();

      test("a channel's queues hold exactly its urgent and routine messages; each queue is oldest first", async () => {
        const made = await seedQueues();
        for (const channel of ['sms', 'email'] as const) {
          const queues = store.dueQueues(channel);
          expect(queues.urgent.length).toBeGreaterThan(0);
          expect(queues.routine.length).toBe(queues.urgent.length);
          expect(new Set([...queues.urgent, ...queues.routine]).size).toBe(queues.urgent.length * 2);
          for (const urgent of [true, false]) {
            const listed = [];
            for (const queue of urgent ? queues.urgent : queues.routine) {
              const page = await store.listDueInQueue(queue, NOW, 100);
              const keys = page.map((r) => `${r.dueAt}#${r.messageId}`);
              expect(keys).toEqual([...keys].sort());
              for (const ref of page) expect(Object.keys(ref).sort()).toEqual(['dueAt', 'messageId', 'personId']);
              listed.push(...page);
            }
            const expected = made.filter((m) => m.channel === channel && (m.urgent === true) === urgent);
            expect(idsOf(listed)).toEqual(idsOf(expected));
          }
        }
      });

      test('pages resume strictly after the last ref, stop at now, and never repeat', async () => {
        await seedQueues();
        const { routine } = store.dueQueues('sms');
        const cutoff = new Date(Date.parse(at(-45)));
        for (const queue of routine) {
          const whole = await store.listDueInQueue(queue, cutoff, 1000);
          const paged = [];
          let after;
          for (let i = 0; i < 100; i++) {
            const page = await store.listDueInQueue(queue, cutoff, 2, after);
            if (page.length === 0) break;
            paged.push(...page);
            after = page.at(-1);
          }
          expect(paged).toEqual(whole);
          for (const ref of whole) expect(Date.parse(ref.dueAt)).toBeLessThanOrEqual(cutoff.getTime());
        }
        expect(await store.listDueInQueue(routine[0]!, NOW, 0)).toEqual([]);
      });

      test('a queue lease is one holder\'s until it ends; the holder renews it; anyone takes it after', async () => {
        const [queue] = store.dueQueues('sms').routine;
        const soon = new Date(NOW.getTime() + 5_000);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-a', soon, NOW)).toBe(true);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-b', soon, NOW)).toBe(false);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-a', new Date(soon.getTime() + 5_000), soon)).toBe(true);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-b', new Date(soon.getTime() + 9_000), new Date(soon.getTime() + 4_999))).toBe(false);
        const later = new Date(soon.getTime() + 5_000);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-b', new Date(later.getTime() + 5_000), later)).toBe(true);
        // Other queues are separate.
        expect(await store.leaseDueQueue(store.dueQueues('sms').urgent[0]!, 'dispatcher-a', soon, NOW)).toBe(true);
        const racers = await Promise.all(['x', 'y', 'z'].map((h) => store.leaseDueQueue(store.dueQueues('email').routine[0]!, h, soon, NOW)));
        expect(racers.filter(Boolean)).toHaveLength(1);
      });

      test('a claimed message stays in its queue; finished and released ones leave or move', async () => {
        await store.createMessage(message({ messageId: 'm-a', urgent: true, dueAt: at(-3) }));
        await store.createMessage(message({ messageId: 'm-b', urgent: true, dueAt: at(-2) }));
        const queues = store.dueQueues('sms').urgent;
        const listAll = async (now: Date) => (await Promise.all(queues.map((q) => store.listDueInQueue(q, now, 10)))).flat();
        const [a, b] = [...(await listAll(NOW))].sort((x, y) => x.dueAt.localeCompare(y.dueAt));
        expect(await store.claimMessage(a!, { token: 'ta', until: LEASE_END, now: NOW })).toMatchObject({ urgent: true, status: 'claimed' });
        await store.claimMessage(b!, { token: 'tb', until: LEASE_END, now: NOW });
        expect(idsOf(await listAll(NOW))).toEqual(['m-a', 'm-b']);
        await store.finishMessage(a!, 'ta', { status: 'sent', attempt: attempt('sent') });
        await store.releaseForRetry(b!, 'tb', RETRY_AT, attempt('retry'));
        expect(await listAll(NOW)).toEqual([]);
        expect(await listAll(RETRY_AT)).toEqual([{ personId: 'p-asha', messageId: 'm-b', dueAt: RETRY_AT.toISOString() }]);
        // No other queue ever saw them.
        const others = [...store.dueQueues('sms').routine, ...store.dueQueues('email').urgent, ...store.dueQueues('email').routine];
        for (const q of others) expect(await store.listDueInQueue(q, RETRY_AT, 10)).toEqual([]);
      });
    });

    describe('claiming', () => {
      test('only the first of two claims with the same ref wins; the winner gets the claimed message', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        const won = await store.claimMessage(ref!, { token: 'd1', until: LEASE_END, now: NOW });
        expect(won).toEqual({
          // The due time stays: a claim writes no index entry (the lease keeps others off).
          ...message({ dueAt: at(-1) }),
          status: 'claimed',
          lease: { token: 'd1', until: LEASE_END.toISOString() },
          updatedAt: NOW.toISOString(),
        });
        expectDomainShape(won, MESSAGE_FIELDS);
        expect(await store.claimMessage(ref!, { token: 'd2', until: LEASE_END, now: NOW })).toBeUndefined();
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.lease?.token).toBe('d1');
      });

      test('of eight concurrent claims exactly one wins', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.claimMessage(ref!, { token: `d${i}`, until: LEASE_END, now: NOW })),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.lease?.token).toBe(winners[0]!.lease!.token);
      });

      test('a claimed message stays listed but cannot be claimed until its lease ends, then can be re-claimed', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        await store.claimMessage(ref!, { token: 'dead-dispatcher', until: LEASE_END, now: NOW });

        // Still in the index at its due time (the index is keys only: nobody reads the lease there) ...
        expect(await store.listDueMessages(NOW, 10)).toEqual([ref]);
        // ... but nobody can take it while the lease lasts, not even at its last millisecond.
        const beforeEnd = new Date(LEASE_END.getTime() - 1);
        expect(await store.claimMessage(ref!, { token: 'eager', until: new Date(LEASE_END.getTime() + 60_000), now: beforeEnd })).toBeUndefined();
        const [back] = await store.listDueMessages(LEASE_END, 10);
        expect(back).toEqual({ personId: 'p-asha', messageId: MESSAGE_ID, dueAt: at(-1) });

        const later = new Date(LEASE_END.getTime() + 60_000);
        const reclaimed = await store.claimMessage(back!, { token: 'second', until: new Date(later.getTime() + 300_000), now: later });
        expect(reclaimed?.lease?.token).toBe('second');
        // The first holder's lease is gone: it can no longer record an outcome.
        expect(await store.finishMessage(ref!, 'dead-dispatcher', { status: 'sent', attempt: attempt('sent') })).toBe(false);
      });

      test('a stale ref loses after the message moved on, and a ref that is not due yet cannot claim', async () => {
        await store.createMessage(message({ messageId: 'm-2', dueAt: at(-2) }));
        const [stale] = await store.listDueMessages(NOW, 10);
        await store.claimMessage(stale!, { token: 'd1', until: LEASE_END, now: NOW });
        // Released to another time: the ref read before no longer matches, a fresh one does.
        await store.releaseForRetry(stale!, 'd1', new Date(Date.parse(at(-3))), attempt('retry'));
        expect(await store.claimMessage(stale!, { token: 'd2', until: LEASE_END, now: NOW })).toBeUndefined();
        const [fresh] = await store.listDueMessages(NOW, 10);
        expect(fresh).toEqual({ personId: 'p-asha', messageId: 'm-2', dueAt: at(-3) });
        expect((await store.claimMessage(fresh!, { token: 'd3', until: LEASE_END, now: NOW }))?.lease?.token).toBe('d3');

        await store.createMessage(message({ messageId: 'm-future', dueAt: at(10) }));
        const early = { personId: 'p-asha', messageId: 'm-future', dueAt: at(10) };
        expect(await store.claimMessage(early, { token: 'd4', until: LEASE_END, now: NOW })).toBeUndefined();
        expect((await store.getMessage('p-asha', 'm-future'))?.status).toBe('planned');
      });

      test('final messages and unknown messages cannot be claimed', async () => {
        await store.createMessage(message({ status: 'sent', dueAt: at(-1) }));
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID, dueAt: at(-1) };
        expect(await store.claimMessage(ref, { token: 'd1', until: LEASE_END, now: NOW })).toBeUndefined();
        expect(await store.claimMessage({ ...ref, messageId: 'nope' }, { token: 'd1', until: LEASE_END, now: NOW })).toBeUndefined();
      });
    });

    describe('finishing and retrying', () => {
      test('only the lease holder can finish; the message leaves the due index for good', async () => {
        const ref = await createAndClaim('holder');
        const sent = attempt('sent');
        expect(await store.finishMessage(ref, 'intruder', { status: 'sent', attempt: sent })).toBe(false);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.status).toBe('claimed');

        expect(await store.finishMessage(ref, 'holder', { status: 'sent', attempt: sent, providerId: 'SM123' })).toBe(true);
        const finished = await store.getMessage('p-asha', MESSAGE_ID);
        expect(finished).toEqual({ ...message(), status: 'sent', dueAt: undefined, attempts: [sent], providerId: 'SM123', updatedAt: sent.at });
        expect(finished).not.toHaveProperty('lease');
        expect(finished).not.toHaveProperty('dueAt');
        expectDomainShape(finished, MESSAGE_FIELDS);
        expect(await store.listDueMessages(new Date('2030-01-01T00:00:00.000Z'), 10)).toEqual([]);
        // Twice is refused: the lease is gone and the status is final.
        expect(await store.finishMessage(ref, 'holder', { status: 'failed', attempt: attempt('failed') })).toBe(false);
      });

      test('finishing records a reason and appends to earlier attempts', async () => {
        const ref = await createAndClaim('holder');
        const retry = attempt('retry');
        await store.releaseForRetry(ref, 'holder', RETRY_AT, retry);
        const [again] = await store.listDueMessages(RETRY_AT, 10);
        await store.claimMessage(again!, { token: 'holder-2', until: new Date(RETRY_AT.getTime() + 300_000), now: RETRY_AT });
        const failed = { at: RETRY_AT.toISOString(), outcome: 'failed' as const, detail: 'invalid number' };
        expect(await store.finishMessage(ref, 'holder-2', { status: 'failed', attempt: failed, reason: 'invalid-number' })).toBe(true);
        const done = await store.getMessage('p-asha', MESSAGE_ID);
        expect(done?.attempts).toEqual([retry, failed]);
        expect(done?.reason).toBe('invalid-number');
        expect(done?.status).toBe('failed');
      });

      test('a message that was never claimed cannot be finished or released', async () => {
        await store.createMessage(message());
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID };
        expect(await store.finishMessage(ref, 'anyone', { status: 'sent', attempt: attempt('sent') })).toBe(false);
        expect(await store.releaseForRetry(ref, 'anyone', RETRY_AT, attempt('retry'))).toBe(false);
        expect(await store.getMessage('p-asha', MESSAGE_ID)).toEqual(message());
      });

      test('releaseForRetry makes the message planned and due at retryAt, only for the holder', async () => {
        const ref = await createAndClaim('holder');
        const retry = attempt('retry');
        expect(await store.releaseForRetry(ref, 'intruder', RETRY_AT, retry)).toBe(false);
        expect(await store.releaseForRetry(ref, 'holder', RETRY_AT, retry)).toBe(true);

        const released = await store.getMessage('p-asha', MESSAGE_ID);
        expect(released).toEqual({ ...message(), status: 'planned', dueAt: RETRY_AT.toISOString(), attempts: [retry], updatedAt: retry.at });
        expect(released).not.toHaveProperty('lease');
        expect(await store.listDueMessages(new Date(RETRY_AT.getTime() - 1), 10)).toEqual([]);
        expect(await store.listDueMessages(RETRY_AT, 10)).toEqual([
          { personId: 'p-asha', messageId: MESSAGE_ID, dueAt: RETRY_AT.toISOString() },
        ]);
        // The old token is spent.
        expect(await store.finishMessage(ref, 'holder', { status: 'sent', attempt: attempt('sent') })).toBe(false);
      });
    });

    async function createAndClaim(token: string) {
      await store.createMessage(message({ dueAt: at(-1) }));
      const [ref] = await store.listDueMessages(NOW, 10);
      expect(await store.claimMessage(ref!, { token, until: LEASE_END, now: NOW })).toBeDefined();
      return ref!;
    }
  });
}
