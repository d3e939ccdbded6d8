import { isTalkRequest, talkNobodyReply, talkReply } from '../../shared/domain/talk-keyword';
import { parseInboundSms } from '../../shared/domain/keywords';
import { smsSegments } from '../../shared/domain/template';
import { crisisLineTable } from '../../shared/content';
import { crisisResourcesFor } from '../../shared/domain/crisis-lines';

/** TALK: what counts as asking for a person, and what we answer (GSM-7, measured). */

test.each(['TALK', 'talk', ' Talk! ', '*TALK*', 'talk please', 'TALK pls', 'Talk to someone', 'talk to my counselor', 'I want to talk', 'i need to talk', 'ＴＡＬＫ', 'talk 🙏'])('%j asks for a person', (body) => {
  expect(isTalkRequest(body)).toBe(true);
});

test.each(["let's talk about my ERAS", 'talking to my mentor tomorrow', 'TALKS', 'small talk', 'talk is cheap', 'STOP', 'I want to talk about stopping', ''])('%j is just a text', (body) => {
  expect(isTalkRequest(body)).toBe(false);
});

test('the coach’s own keywords never read TALK as one of theirs (no opt-out, no opt-in, no score)', () => {
  for (const body of ['TALK', 'talk please', 'I want to talk']) expect(['free-text', 'clarify']).toContain(parseInboundSms(body, { awaitingScore: true }).kind);
});

test('the replies are GSM-7: one segment when a program follows them, two at most with a helpline for every country we know', () => {
  expect(smsSegments(talkReply(['Lagos Alumni Mentoring Programme for International Graduates in Medicine']))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  expect(smsSegments(talkReply(['A', 'B']))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  expect(talkReply(['Émigré “Club” 🎓'])).toContain('migr Club');
  const table = crisisLineTable();
  for (const country of [...table.countries.map((c) => c.country), 'unknown']) {
    const help = crisisResourcesFor(table, country === 'unknown' ? {} : { zone: table.countries.find((c) => c.country === country)!.zones[0]! });
    const reply = talkNobodyReply(help.talk);
    expect({ country, ...smsSegments(reply) }).toMatchObject({ country, encoding: 'GSM-7' });
    expect(smsSegments(reply).segments).toBeLessThanOrEqual(2);
  }
});
