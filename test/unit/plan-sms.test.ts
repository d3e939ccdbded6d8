import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import twilio from 'twilio';
import { createApiHandler } from '../../functions/api';
import { twimlReplies } from '../../infra/local/sms-sandbox';
import { enroll } from '../../shared/app/scheduling/enroll';
import { editPlan } from '../../shared/app/my-plan/plan';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { askDirectlyReply } from '../../shared/domain/safety-replies';
import * as say from '../../shared/domain/sms-replies';
import { smsSegments } from '../../shared/domain/template';
import { silentLogger } from '../../shared/ports';
import { memoryServices, TEST_PUBLIC_BASE_URL, TEST_TWILIO_AUTH_TOKEN } from '../support/memory-services';

/**
 * The plan by SMS: GOAL, GOALS, NEXT, DONE <n> and an unknown command, each a text
 * signed the way Twilio signs it, through the API handler, over memory twins.
 */

const PHONE = '+919812345678';
const SMS_PATH = '/webhooks/twilio/sms';
const hex32 = (n: number) => n.toString(16).padStart(32, '0');

async function world() {
  const services = memoryServices();
  const handler = createApiHandler(Promise.resolve(services), silentLogger);
  // Monday 4 Jan 2027, 09:30 in Kolkata.
  services.at('2027-01-04T04:00:00.000Z');
  const { personId } = await enroll(services, { email: 'priya@example.com', phone: PHONE, firstName: 'Priya', timeZone: 'Asia/Kolkata', sequenceId: 'getting-started', season: 2027 });
  let sid = 0;
  const post = async (body: string, messageSid = `SM${hex32(++sid)}`) => {
    const params = { MessageSid: messageSid, AccountSid: `AC${hex32(7)}`, From: PHONE, To: '+15005550006', Body: body, NumMedia: '0' };
    const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_AUTH_TOKEN, `${TEST_PUBLIC_BASE_URL}${SMS_PATH}`, params);
    const res = await handler({
      version: '2.0', routeKey: '$default', rawPath: SMS_PATH, rawQueryString: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      requestContext: { http: { method: 'POST', path: SMS_PATH } },
      body: new URLSearchParams(params).toString(), isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2);
    expect(res.statusCode).toBe(200);
    return { replies: twimlReplies(res.body!), messageSid };
  };
  const text = async (body: string) => (await post(body)).replies;
  return { services, personId, post, text };
}

describe('the plan by SMS, through the signed webhook', () => {
  it('GOAL adds this week\'s goals, GOALS lists them, DONE <n> ticks one off', async () => {
    const w = await world();
    expect(await w.text('GOALS')).toEqual([say.goalsReply([])]);
    expect(await w.text('GOAL 40 UWorld questions a day')).toEqual([say.goalAddedReply(1)]);
    expect(await w.text('goal: email Dr Rao about the letter')).toEqual([say.goalAddedReply(2)]);
    expect(await w.text('DONE 2')).toEqual([say.doneGoalReply(2)]);
    expect(await w.text('DONE 4')).toEqual([say.noSuchGoalReply(2)]);
    const list = await w.text('my goals');
    expect(list).toEqual(['This week: 1) 40 UWorld questions a day 2) email Dr Rao about the letter (done)']);
    const plan = (await w.services.store.getPlan(w.personId))!;
    expect(plan.week).toEqual({
      weekOf: '2027-01-04',
      goals: [{ text: '40 UWorld questions a day' }, { text: 'email Dr Rao about the letter', doneAt: '2027-01-04T04:00:00.000Z' }],
    });
    // Every answer is also kept for the weekly summary.
    expect((await w.services.store.listJournalEntries(w.personId)).map((e) => e.response?.kind ?? e.kind)).toEqual(['goal', 'goal', 'done-goal', 'done-goal']);
  });

  it('a week holds five goals; a sixth is refused kindly and kept in the journal', async () => {
    const w = await world();
    for (let n = 1; n <= 5; n++) expect(await w.text(`GOAL goal number ${n}`)).toEqual([say.goalAddedReply(n)]);
    expect(await w.text('GOAL one more')).toEqual([say.weekFullReply(5)]);
    expect((await w.services.store.getPlan(w.personId))!.week!.goals).toHaveLength(5);
    expect((await w.services.store.listJournalEntries(w.personId)).filter((e) => e.kind === 'goal')).toHaveLength(6);
  });

  it('a new week starts a fresh list; last week stays for the summary', async () => {
    const w = await world();
    await w.text('GOAL 40 questions a day');
    w.services.at('2027-01-11T04:00:00.000Z'); // the next Monday
    expect(await w.text('GOALS')).toEqual([say.goalsReply([])]);
    expect(await w.text('GOAL mock interview')).toEqual([say.goalAddedReply(1)]);
    const plan = (await w.services.store.getPlan(w.personId))!;
    expect(plan.week).toEqual({ weekOf: '2027-01-11', goals: [{ text: 'mock interview' }] });
    expect(plan.lastWeek).toEqual({ weekOf: '2027-01-04', goals: [{ text: '40 questions a day' }] });
  });

  it('a replayed GOAL (same MessageSid) adds nothing', async () => {
    const w = await world();
    const first = await w.post('GOAL 40 questions a day');
    expect(first.replies).toEqual([say.goalAddedReply(1)]);
    expect((await w.post('GOAL 40 questions a day', first.messageSid)).replies).toEqual([]);
    expect((await w.services.store.getPlan(w.personId))!.week!.goals).toHaveLength(1);
  });

  it('NEXT answers with the next three deadlines, official and own, in their local time, in one segment', async () => {
    const w = await world();
    await editPlan(w.services, w.personId, { op: 'add-deadline', title: 'Letter from Dr Rao', kind: 'documents', date: '2027-01-20' });
    await editPlan(w.services, w.personId, { op: 'add-deadline', title: 'DS-2019 appointment', kind: 'visa', date: '2027-02-15', time: '10:30' });
    const [reply] = await w.text('NEXT');
    // Official deadlines are 23:59 Eastern: 10:29 the next morning in Kolkata.
    expect(reply).toBe('Next: Wed 20 Jan Letter from Dr Rao; Sat 30 Jan, 10:29 Standard NRMP registration deadline; Mon 1 Feb, 10:29 ECFMG Pathway application deadline');
    expect(smsSegments(reply!)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('an unknown command gets a one-line help; ordinary words stay a journal entry', async () => {
    const w = await world();
    expect(await w.text('GOALZ')).toEqual([say.unknownCommandReply]);
    expect(await w.text('Good day today')).toEqual([say.journalReply]);
  });
});

describe('an unknown command that signals distress', () => {
  const help = helpFor({ phone: PHONE, zone: 'Asia/Kolkata' });

  it('gets the warm distress reply alone, not a list of commands', async () => {
    const w = await world();
    expect(await w.text('EXHAUSTED')).toEqual([say.distressReply(help)]);
  });

  it('hopelessness gets the direct question alone', async () => {
    const w = await world();
    expect(await w.text('HOPELESS')).toEqual([askDirectlyReply(help)]);
  });
});
