import fc from 'fast-check';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchDeps } from '../../shared/app/dispatch/deps';
import { enroll } from '../../shared/app/scheduling/enroll';
import { poolLibrary, sequenceLibrary } from '../../shared/content';
import { renderSms } from '../../shared/domain/render';
import { SMS_NAME_MAX_CHARACTERS, gsm7Text, smsFirstName, smsSegments } from '../../shared/domain/template';
import { helplineSlot } from '../../shared/domain/safety-replies';
import { helpFor } from '../../shared/app/safety/crisis-resources';

/**
 * A person's name goes into texts as GSM-7 only and no longer than the texts are written for, so
 * whatever they type (an emoji, a curly apostrophe, a script GSM-7 lacks, a very long name) every
 * coaching text stays one GSM-7 segment; their email keeps the name as typed. Every text that
 * goes records what it cost, and the dispatcher counts segments per channel.
 */

test.each([
  ['José 😊', 'José'],
  ['O’Brien', "O'Brien"],
  ['Zoë', 'Zoe'],
  ['Nguyễn Thị', 'Nguyen Thi'],
  ['Ødegård', 'Ødegård'],
  ['Çağrı', 'Çagri'],
  ['李明', ''],
  ['Anne–Marie', 'Anne-Marie'],
  ['{Ravi}|[x]', 'Ravix'],
  ['  Priya\n\tSharma ', 'Priya Sharma'],
])('gsm7Text(%j) is %j', (typed, texted) => {
  expect(gsm7Text(typed)).toBe(texted);
});

test('a name GSM-7 cannot write at all is greeted as "there", a very long one by its first word', () => {
  expect(smsFirstName('李明')).toBeUndefined();
  expect(smsFirstName('Oluwaseun-Abimbola Adeyemi-Okafor')).toBe('Oluwaseun-Abimbola');
  expect(smsFirstName('Wolfeschlegelsteinhausenbergerdorff')).toBe('Wolfeschlegelstein');
});

/** The help a safety step names, as a text to someone in Lagos carries it (the longest lines are checked in safety-replies.test.ts). */
const HELPLINE = helplineSlot(helpFor({ zone: 'Africa/Lagos' }));

test('whatever the name, every coaching text is GSM-7 and the segments its step allows', () => {
  const steps = [...sequenceLibrary().values()].flatMap((sequence) =>
    sequence.steps.flatMap((step) => (step.sms && !/\{\{\s*(deadline|daysLeft|date|weekGoals|weekSummary|nextDeadlines?|essentials|commands|usClocks|specialty|signals|earlyMatch)/.test(step.sms.text) ? [{ text: step.sms.text, max: step.twoSegmentsBecause ? 2 : 1 }] : [])),
  );
  const pools = [...poolLibrary().values()].flatMap((pool) => pool.items.map((item) => ({ text: item.sms.text, max: 1 })));
  expect(steps.length + pools.length).toBeGreaterThan(50);
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (name) => {
      const safe = smsFirstName(name);
      expect(safe === undefined || (safe.length <= SMS_NAME_MAX_CHARACTERS && smsSegments(safe).encoding === 'GSM-7')).toBe(true);
      for (const { text, max } of [...steps, ...pools]) {
        const body = renderSms({ sms: { text } } as never, { firstName: name, zone: 'UTC', sendAt: new Date('2027-01-04T12:00:00Z'), helpline: HELPLINE });
        const cost = smsSegments(body);
        expect(cost.encoding).toBe('GSM-7');
        expect(cost.segments).toBeLessThanOrEqual(max);
      }
    }),
    { numRuns: 100 },
  );
});

test('José 😊 gets GSM-7 texts and the emoji in emails; each text records its cost, the tick counts segments per channel', async () => {
  const at = (iso: string) => ({ now: () => new Date(iso) });
  const sms = createMemorySmsSender();
  const email = createMemoryEmailSender();
  const store = createMemoryStore();
  const settings: DispatchDeps['settings'] = { leaseSeconds: 120, concurrency: 2, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test Street, Boston, MA' };
  const { personId } = await enroll(
    { store, clock: at('2027-01-04T04:00:00.000Z') },
    { email: 'jose@example.com', phone: '+34612345678', firstName: 'José 😊', timeZone: 'Europe/Madrid', sequenceId: 'getting-started', season: 2027 },
  );
  const report = await createDispatcher({ store, sms, email, settings, clock: at('2027-01-04T19:30:00.000Z') })();

  expect(sms.sent.length).toBeGreaterThan(0);
  expect(sms.sent[0]!.body).toMatch(/^Hi José, Match Coach here\./);
  for (const text of sms.sent) expect(smsSegments(text.body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  expect(email.sent.some((e) => e.text.startsWith('Hi José 😊,'))).toBe(true);

  const texts = (await store.listMessages(personId)).filter((m) => m.channel === 'sms' && m.status === 'sent');
  expect(texts.length).toBe(sms.sent.length);
  for (const text of texts) expect(text.attempts.at(-1)).toMatchObject({ outcome: 'sent', segments: 1, encoding: 'GSM-7' });
  expect(report.segments).toEqual({ sms: sms.sent.length, email: email.sent.length, whatsapp: 0 });
  expect(report.ucs2Texts).toBe(0);
});
