import { enroll } from '../../shared/app/scheduling/enroll';
import { editPlan } from '../../shared/app/my-plan/plan';
import { calendarFeed } from '../../shared/app/my-plan/calendar-feed';
import { issueToken } from '../../shared/domain/tokens';
import { memoryServices, TEST_TOKEN_SECRET } from '../support/memory-services';

/** The calendar feed carries the plan: own deadlines and every finish line, as the plan is now. */

const eventsOf = (ics: string) =>
  [...ics.matchAll(/BEGIN:VEVENT[\s\S]*?END:VEVENT/g)]
    .map((m) => m[0])
    .map((e) => `${/DTSTART[^:]*:(\S+)/.exec(e)![1]} ${/SUMMARY:(.*)/.exec(e)![1]!.trim()}`);

test('own deadlines and finish lines appear, move and go with the plan', async () => {
  const services = memoryServices();
  const { personId } = await enroll(services, { email: 'priya@example.com', timeZone: 'Asia/Kolkata', season: 2027, sequenceId: 'getting-started', anchors: { step2_exam: '2026-09-10' } });
  const token = issueToken(TEST_TOKEN_SECRET, 'calendar', personId, services.clock.now());
  const feed = async () => {
    const out = await calendarFeed(services, token);
    if (out.status !== 'ok') throw new Error(out.reason);
    return eventsOf(out.ics).filter((e) => !/^\d{8}T/.test(e) || /Consulate|finish line/.test(e));
  };
  await editPlan(services, personId, { op: 'add-deadline', title: 'Letter from Dr Rao', kind: 'documents', date: '2027-01-20' });
  await editPlan(services, personId, { op: 'add-deadline', title: 'Consulate', kind: 'visa', date: '2027-02-15', time: '10:30' });
  await editPlan(services, personId, { op: 'set-internal', target: 'season:rol_deadline', date: '2027-02-20' });
  await editPlan(services, personId, { op: 'set-internal', target: 'date:step2_exam', date: '2026-08-27' });
  expect((await feed()).sort()).toEqual([
    '20260827 Your finish line: USMLE Step 2 CK exam',
    '20260910 USMLE Step 2 CK exam',
    '20270113 Your finish line: Letter from Dr Rao',
    '20270120 Letter from Dr Rao',
    '20270201 Your finish line: Consulate',
    '20270215T050000Z Consulate',
    '20270220 Your finish line: Rank order list certification deadline',
  ]);
  await editPlan(services, personId, { op: 'update-deadline', id: 'd1', title: 'Letter from Dr Rao', kind: 'documents', date: '2027-01-27' });
  await editPlan(services, personId, { op: 'delete-deadline', id: 'd2' });
  expect((await feed()).filter((e) => /Rao|Consulate/.test(e)).sort()).toEqual(['20270120 Your finish line: Letter from Dr Rao', '20270127 Letter from Dr Rao']);
});
