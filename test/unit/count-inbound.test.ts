import { createMemoryEngagementStore } from '../../shared/adapters/memory/memory-engagement-store';
import { countInboundText } from '../../shared/app/inbound/count-inbound';
import { emptyStats } from '../../shared/domain/engagement';
import type { JournalEntry, Message, Person } from '../../shared/domain/model';
import type { Sequence } from '../../shared/domain/sequence';
import { silentLogger } from '../../shared/ports';

/**
 * The one step that counts a text for a followed person's organisations: their consent when the
 * text changed it, the reply (and whether it first answered our check-in, and the score), the flag.
 */

const PERSON = 'p1';
const NOW = new Date('2026-03-02T10:00:00.000Z');
const CHECKIN_SENT = '2026-03-02T08:00:00.000Z';
const library = { sequences: new Map([['weekly', { id: 'weekly', steps: [{ id: 'how-are-you', kind: 'checkin' }, { id: 'tip', kind: 'message' }] } as unknown as Sequence]]) };
const checkin = { messageId: 'm1', sequenceId: 'weekly', stepId: 'how-are-you', sendAt: '2026-03-02T07:59:00.000Z', attempts: [{ at: CHECKIN_SENT, outcome: 'sent' }] } as unknown as Message;
const tip = { ...checkin, messageId: 'm2', stepId: 'tip' } as Message;
const scored: Pick<JournalEntry, 'response' | 'inReplyTo'> = { response: { kind: 'score', score: 2 }, inReplyTo: 'm1' };

async function setUp(answers: number) {
  const engagement = createMemoryEngagementStore();
  await engagement.changeStats(PERSON, () => emptyStats(PERSON, '2026-03-01T00:00:00.000Z'));
  const store = { listJournalEntries: async () => Array.from({ length: answers }, () => scored as JournalEntry) };
  const deps = { store, library, log: silentLogger, engagement, followed: true };
  const stats = async () => (await engagement.getStats([PERSON])).get(PERSON)!;
  return { deps, engagement, stats };
}

test('a score that first answers our check-in counts the reply, the answer and the score', async () => {
  const { deps, stats } = await setUp(1);
  await countInboundText(deps, PERSON, { entry: scored, latest: checkin }, NOW);
  const after = await stats();
  expect(after.replies).toBe(1);
  expect(after.checkinsAnswered).toBe(1);
  expect(after.lastScore).toEqual({ score: 2, at: NOW.toISOString() });
  expect(after.weeks['2026-03-02']).toMatchObject({ checkinsAnswered: 1, scores: 1, scoreSum: 2 });
});

test('a second answer to the same check-in, or an answer to a message that is not one, is a reply only', async () => {
  const second = await setUp(2);
  await countInboundText(second.deps, PERSON, { entry: scored, latest: checkin }, NOW);
  expect(await second.stats()).toMatchObject({ replies: 1, checkinsAnswered: 0 });

  const notCheckin = await setUp(1);
  await countInboundText(notCheckin.deps, PERSON, { entry: { ...scored, inReplyTo: 'm2' }, latest: tip }, NOW);
  expect(await notCheckin.stats()).toMatchObject({ replies: 1, checkinsAnswered: 0 });
});

test('the consent a text changed and the flag it raised are counted; nothing kept is no reply', async () => {
  const { deps, stats } = await setUp(0);
  const stopped = { personId: PERSON, profile: { followed: true }, consent: { sms: { state: 'revoked' } } } as unknown as Person;
  await countInboundText(deps, PERSON, { consent: stopped, flag: 'crisis' }, NOW);
  const after = await stats();
  expect(after.replies).toBe(0);
  expect(after.consent).toEqual({ email: 'none', sms: 'revoked' });
  expect(after.crisis.count).toBe(1);
});

test('someone no organisation follows is not counted', async () => {
  const { deps, engagement } = await setUp(1);
  const before = engagement.snapshot();
  await countInboundText({ ...deps, followed: false }, PERSON, { entry: scored, latest: checkin, flag: 'talk' }, NOW);
  expect(engagement.snapshot()).toEqual(before);
});
