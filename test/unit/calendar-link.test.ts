import ICAL from 'ical.js';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApiHandler } from '../../functions/api';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { calendarSubscribeLinks } from '../../web/calendar-links';
import { TEST_TOKEN_SECRET, memoryServices } from '../support/memory-services';

/**
 * The calendar feed a person subscribes to from the preference centre: webcal:// and
 * add-to-Google/Apple/Outlook links, a reminder on every event, words for the person (no notes
 * about our sources), and "reset my calendar link", after which the old link answers 410 and
 * only the new one works. Through the API handler, on memory twins.
 */

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
const request = (method: string, path: string, body?: string): APIGatewayProxyEventV2 =>
  ({
    rawPath: path,
    rawQueryString: '',
    headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
    requestContext: { http: { method } },
  }) as unknown as APIGatewayProxyEventV2;

async function world() {
  const s = memoryServices();
  s.at('2026-09-01T06:00:00.000Z');
  const handler: Handler = createApiHandler(Promise.resolve(s), silentLogger);
  const form = new URLSearchParams({ email: 'asha@example.com', timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', step2_exam: '2026-10-20' });
  await handler(request('POST', '/subscribe', form.toString()));
  const confirmPath = /https:\/\/coach\.example\.test(\/confirm\/[A-Za-z0-9_.-]+)/.exec(s.email.sent.at(-1)!.text)![1]!;
  await handler(request('POST', confirmPath, 'confirm=yes'));
  const personId = (await s.store.findPersonIdByEmail('asha@example.com'))!;
  const preferencesPath = `/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, s.clock.now())}`;
  return { s, handler, personId, preferencesPath, snapshot: () => JSON.stringify((s.store as MemoryStore).snapshot()) };
}

const feedPathOn = (html: string) => {
  const match = /<code>https:\/\/coach\.example\.test(\/calendar\/[A-Za-z0-9_.-]+\.ics)<\/code>/.exec(html);
  if (!match) throw new Error('no calendar address on the page');
  return match[1]!;
};
const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

test('the preference centre offers webcal:// and add-to-Google, Apple and Outlook, all for the same feed', async () => {
  const w = await world();
  const page = String((await w.handler(request('GET', w.preferencesPath))).body);
  const feed = `https://coach.example.test${feedPathOn(page)}`;
  const links = calendarSubscribeLinks(feed, 'Match Coach: Match 2027 deadlines');
  expect(links.webcal).toBe(feed.replace('https://', 'webcal://'));
  const hrefs = [...page.matchAll(/<a href="([^"]+)"[^>]*>(Add to [^<]+)<\/a>/g)].map(([, href, label]) => [label, unescape(href!)]);
  expect(hrefs).toEqual([
    ['Add to Google Calendar', `https://calendar.google.com/calendar/render?cid=${encodeURIComponent(links.webcal)}`],
    ['Add to Apple Calendar', links.webcal],
    ['Add to Outlook.com', `https://outlook.live.com/calendar/0/addfromweb?url=${encodeURIComponent(feed)}&name=${encodeURIComponent('Match Coach: Match 2027 deadlines')}`],
    ['Add to Outlook (work or school)', `https://outlook.office.com/calendar/0/addfromweb?url=${encodeURIComponent(feed)}&name=${encodeURIComponent('Match Coach: Match 2027 deadlines')}`],
  ]);
  // The links leave no referrer behind that could carry the preference token.
  expect(page).toMatch(/<a href="https:\/\/calendar\.google\.com[^"]+" rel="noreferrer">/);
});

test('every event has a reminder before it, and no description carries our notes about sources', async () => {
  const w = await world();
  const page = String((await w.handler(request('GET', w.preferencesPath))).body);
  const ics = String((await w.handler(request('GET', feedPathOn(page)))).body);
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const events = calendar.getAllSubcomponents('vevent');
  expect(events.length).toBeGreaterThan(15);
  for (const event of events) {
    const alarms = event.getAllSubcomponents('valarm');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.getFirstPropertyValue('action')).toBe('DISPLAY');
    expect(alarms[0]!.getFirstPropertyValue('description')).toBe(event.getFirstPropertyValue('summary'));
    const trigger = alarms[0]!.getFirstPropertyValue('trigger') as ICAL.Duration;
    expect(trigger.isNegative).toBe(true);
    // A timed deadline a day ahead; an all-day date at 09:00 the day before.
    const allDay = (event.getFirstPropertyValue('dtstart') as ICAL.Time).isDate;
    expect(trigger.toSeconds()).toBe(allDay ? -15 * 3600 : -86_400);
    expect(String(event.getFirstPropertyValue('description'))).not.toMatch(/Source|secondary|sources agree|certainty/i);
  }
  expect(events.find((e) => e.getFirstPropertyValue('summary') === 'USMLE Step 2 CK exam')).toBeDefined();
});

test('reset my calendar link: the old link stops working (410), the new one works, and only the person can reset', async () => {
  const w = await world();
  const before = String((await w.handler(request('GET', w.preferencesPath))).body);
  const oldFeed = feedPathOn(before);
  // A link issued before any version existed (in an email or a calendar app already) works until a reset.
  const unversioned = `/calendar/${issueToken(TEST_TOKEN_SECRET, 'calendar', w.personId, w.s.clock.now())}.ics`;
  expect((await w.handler(request('GET', oldFeed))).statusCode).toBe(200);
  expect((await w.handler(request('GET', unversioned))).statusCode).toBe(200);

  // Someone holding only the calendar link (or a forged preference link) cannot reset anything.
  const snapshot = w.snapshot();
  const calendarToken = oldFeed.slice('/calendar/'.length, -'.ics'.length);
  expect((await w.handler(request('POST', `/preferences/${calendarToken}`, 'action=reset-calendar'))).statusCode).toBe(400);
  expect((await w.handler(request('POST', `${w.preferencesPath.slice(0, -2)}xx`, 'action=reset-calendar'))).statusCode).toBe(400);
  expect(w.snapshot()).toBe(snapshot);

  const reset = await w.handler(request('POST', w.preferencesPath, 'action=reset-calendar'));
  expect(reset.statusCode).toBe(200);
  const page = String(reset.body);
  expect(page).toContain('Your calendar link is new.');
  const newFeed = feedPathOn(page);
  expect(newFeed).not.toBe(oldFeed);

  const old = await w.handler(request('GET', oldFeed));
  expect(old.statusCode).toBe(410);
  expect(String(old.body)).not.toContain('BEGIN:VCALENDAR');
  expect((await w.handler(request('GET', unversioned))).statusCode).toBe(410);
  const fresh = await w.handler(request('GET', newFeed));
  expect(fresh.statusCode).toBe(200);
  expect(String(fresh.body)).toContain('BEGIN:VCALENDAR');
  // Every later visit to the preference centre shows a link of the new version: it works.
  const later = feedPathOn(String((await w.handler(request('GET', w.preferencesPath))).body));
  expect((await w.handler(request('GET', later))).statusCode).toBe(200);

  // A second reset retires the second link as well.
  const again = feedPathOn(String((await w.handler(request('POST', w.preferencesPath, 'action=reset-calendar'))).body));
  expect((await w.handler(request('GET', newFeed))).statusCode).toBe(410);
  expect((await w.handler(request('GET', again))).statusCode).toBe(200);
});

test('the confirmation page sends people to the calendar section, where the buttons are', async () => {
  const s = memoryServices();
  s.at('2026-09-01T06:00:00.000Z');
  const handler: Handler = createApiHandler(Promise.resolve(s), silentLogger);
  await handler(request('POST', '/subscribe', new URLSearchParams({ email: 'ravi@example.com', timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' }).toString()));
  const confirmPath = /https:\/\/coach\.example\.test(\/confirm\/[A-Za-z0-9_.-]+)/.exec(s.email.sent.at(-1)!.text)![1]!;
  const page = String((await handler(request('POST', confirmPath, 'confirm=yes'))).body);
  expect(page).toMatch(/<a href="https:\/\/coach\.example\.test\/preferences\/[A-Za-z0-9_.-]+#calendar">Add my deadlines to my calendar<\/a>/);
});
