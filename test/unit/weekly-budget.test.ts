import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { recordCheckinScore } from '../../shared/app/scheduling/replan';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { inBudget, priorityOf, weekIdOf } from '../../shared/domain/budget';
import type { Message } from '../../shared/domain/model';
import type { Store } from '../../shared/ports';

/**
 * The weekly budget on the real engine (memory twins, the shipped library): decided at planning
 * from the roster each routine lane carries, with no read of its own on the dispatcher's path,
 * and what a week already spent counted when a person is re-planned mid-week.
 */

const library = shippedLibrary();
const ZONE = 'Africa/Lagos';

/** A store that counts the calls the code under test makes. */
function counting(store: Store) {
  const calls: string[] = [];
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return value.apply(target, args);
      };
    },
  });
  return { store: wrapped, calls };
}

function world(startIso: string) {
  let now = new Date(startIso);
  const inner = createMemoryStore();
  const { store, calls } = counting(inner);
  const deps = {
    store, clock: { now: () => now }, library,
    email: createMemoryEmailSender(), sms: createMemorySmsSender(),
    settings: { leaseSeconds: 120, concurrency: 1, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test St' },
  };
  return {
    deps, store, calls, at: (iso: string) => { now = new Date(iso); },
    dispatch: createDispatcher(deps),
    join: () => enroll(deps, { email: 'tunde@example.com', phone: '+2348031112222', firstName: 'Tunde', timeZone: ZONE, season: 2027, visaTrack: 'j1', done: ['step1', 'step2ck', 'oet'] }),
    /** Ticks at every due time until `untilIso`. */
    walk: async (untilIso: string) => {
      for (let i = 0; i < 500; i++) {
        const [due] = await inner.listDueMessages(new Date(untilIso), 1);
        if (!due) break;
        now = new Date(Math.max(Date.parse(due.dueAt) + 30_000, now.getTime()));
        await createDispatcher(deps)();
      }
    },
  };
}

const routineTexts = (messages: Message[], status: Message['status']) =>
  messages.filter((m) => {
    const sequence = library.sequences.get(m.sequenceId)!;
    const step = sequence.steps.find((s) => s.id === m.stepId)!;
    return m.status === status && m.channel === 'sms' && inBudget(priorityOf(sequence, step));
  });

describe('the weekly budget at planning time', () => {
  it('routine lanes carry the roster; deadline and Match Week lanes do not', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const { planned } = await w.join();
    for (const m of planned) {
      const sequence = library.sequences.get(m.sequenceId)!;
      const routine = sequence.steps.some((s) => inBudget(priorityOf(sequence, s)));
      expect([m.sequenceId, m.coaching !== undefined]).toEqual([m.sequenceId, routine]);
    }
  });

  it('deciding adds no read to the dispatcher: a routine message is claimed, planned after and sent with the same calls as a deadline alert', async () => {
    const w = world('2026-12-07T10:00:00Z');
    await w.join();
    await w.walk('2026-12-09T17:00:00Z');
    // Wednesday 19:00 in Lagos: the reflection question (routine, with the roster) is the only thing due.
    w.at('2026-12-09T18:00:30Z');
    w.calls.length = 0;
    const report = await w.dispatch();
    expect(report.sent).toBe(1);
    const perMessage = w.calls.filter((c) => !['listDueInQueue', 'leaseDueQueue', 'dueQueues', 'getCalendarOverrides'].includes(c));
    // Claim, the lane's next message (and any drops before it, each one write), the outcome: no get, no list.
    expect(perMessage.filter((c) => c !== 'createMessage')).toEqual(['claimMessage', 'finishMessage']);
    expect(perMessage.filter((c) => c.startsWith('get') || c.startsWith('list'))).toEqual([]);
  });

  it('a re-plan mid-week counts what the week already spent: a hard stretch beginning on Friday leaves room for nothing more', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const { personId } = await w.join();
    await w.walk('2026-12-18T06:00:00Z'); // the second week, Monday to Thursday: the reflection and the practice question
    const week = '2026-12-14';
    const spent = routineTexts(await w.store.listMessages(personId), 'sent').filter((m) => weekIdOf(new Date(m.sendAt), ZONE) === week);
    expect(spent.length).toBe(2);
    w.at('2026-12-18T07:00:00Z');
    await recordCheckinScore(w.deps, personId, 2);
    expect((await recordCheckinScore(w.deps, personId, 1)).wellbeing).toBe('struggling');
    await w.walk('2026-12-21T00:00:00Z');
    const sentThisWeek = routineTexts(await w.store.listMessages(personId), 'sent').filter((m) => weekIdOf(new Date(m.sendAt), ZONE) === week);
    // Two a week while struggling, and two went already: the Sunday exchange is dropped, with its reason.
    expect(sentThisWeek.map((m) => m.messageId).sort()).toEqual(spent.map((m) => m.messageId).sort());
    const sunday = (await w.store.listMessages(personId)).find((m) => m.stepId === 'weekly-checkin' && weekIdOf(new Date(m.sendAt), ZONE) === week && m.channel === 'sms');
    expect(sunday).toMatchObject({ status: 'skipped', reason: 'budget:struggling' });
  });

  it('what did not fit is recorded with its reason, not queued: nothing dropped is ever sent', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const { personId } = await w.join();
    await w.walk('2027-01-11T00:00:00Z');
    const messages = await w.store.listMessages(personId);
    const dropped = messages.filter((m) => m.reason?.startsWith('budget:'));
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((m) => m.status === 'skipped' && m.dueAt === undefined)).toBe(true);
    const sentIds = new Set(w.deps.sms.sent.map((s) => s.messageId));
    expect(dropped.filter((m) => sentIds.has(m.messageId))).toEqual([]);
  });
});
