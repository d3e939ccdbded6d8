import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApiHandler } from '../../functions/api';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { STYLE, TIME_ZONE_SCRIPT } from '../../web/html';
import { TEST_TOKEN_SECRET, memoryServices, type MemoryServices } from '../support/memory-services';

/**
 * The pages through the API handler: the same answer for every address, the security headers
 * on every page, escaping of what people typed, and the HTTP shape RFC 8058 asks of the
 * one-click POST.
 */

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const request = (method: string, path: string, body?: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 =>
  ({
    rawPath: path,
    rawQueryString: '',
    headers: body === undefined ? headers : { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
    requestContext: { http: { method } },
  }) as unknown as APIGatewayProxyEventV2;

const signup = (fields: Record<string, string> = {}) =>
  new URLSearchParams({ email: 'asha@example.com', timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', ...fields }).toString();

function setup(): { s: MemoryServices; handler: Handler; snapshot(): string } {
  const s = memoryServices();
  s.at('2026-09-01T06:00:00.000Z');
  return { s, handler: createApiHandler(Promise.resolve(s), silentLogger), snapshot: () => JSON.stringify((s.store as MemoryStore).snapshot()) };
}

async function confirmedPerson(t: ReturnType<typeof setup>, fields: Record<string, string> = {}) {
  await t.handler(request('POST', '/subscribe', signup(fields)));
  const confirmPath = /https:\/\/coach\.example\.test(\/confirm\/[A-Za-z0-9_.-]+)/.exec(t.s.email.sent.at(-1)!.text)![1]!;
  expect((await t.handler(request('POST', confirmPath, 'confirm=yes'))).statusCode).toBe(200);
  return (await t.s.store.findPersonIdByEmail(new URLSearchParams(signup(fields)).get('email')!))!;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

test('the sign-up answer is the same whether the address is new, waiting or confirmed', async () => {
  const t = setup();
  const fresh = await t.handler(request('POST', '/subscribe', signup({ email: 'new@example.com' })));
  await confirmedPerson(t);
  const known = await t.handler(request('POST', '/subscribe', signup()));
  const waiting = await t.handler(request('POST', '/subscribe', signup({ email: 'new@example.com' })));
  expect(fresh).toEqual({ statusCode: 303, headers: { location: 'check-your-inbox', 'cache-control': 'no-store' }, body: '' });
  expect(known).toEqual(fresh);
  expect(waiting).toEqual(fresh);
});

test('every page: strict CSP (hashes match the inline style and script), no cookies, no referrer, lang and viewport', async () => {
  const t = setup();
  const personId = await confirmedPerson(t);
  const now = t.s.clock.now();
  const paths = [
    '/',
    '/check-your-inbox',
    `/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, now)}`,
    `/unsubscribe/${issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, now)}`,
    `/confirm/${issueToken(TEST_TOKEN_SECRET, 'confirm-email', personId, now)}`,
    '/preferences/not-a-token',
  ];
  for (const path of paths) {
    const res = await t.handler(request('GET', path));
    const headers = res.headers as Record<string, string>;
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = headers['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain(`style-src ${sha256(STYLE)}`);
    expect(csp).not.toContain('unsafe');
    if (String(res.body).includes('<script>')) expect(csp).toContain(`script-src ${sha256(TIME_ZONE_SCRIPT)}`);
    else expect(csp).not.toContain('script-src');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['set-cookie']).toBeUndefined();
    expect(String(res.body)).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(String(res.body)).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    // No external asset of any kind; the only links away are the calendar services' subscribe pages.
    expect(String(res.body)).not.toMatch(/src="(https?:)?\/\/(?!coach\.example\.test)/);
    expect(String(res.body)).not.toMatch(/<link /);
    for (const [, host] of String(res.body).matchAll(/href="(?:https?:)?\/\/([^/"]+)/g)) {
      expect(['coach.example.test', 'calendar.google.com', 'outlook.live.com', 'outlook.office.com']).toContain(host);
    }
  }
});

test('what people type is escaped wherever it shows', async () => {
  const t = setup();
  const evil = '<script>alert(1)</script>"\'&';
  const res = await t.handler(request('POST', '/subscribe', signup({ email: 'x', firstName: evil, specialty: evil })));
  expect(res.statusCode).toBe(400);
  expect(String(res.body)).not.toContain('<script>alert');
  expect(String(res.body)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
  const personId = await confirmedPerson(t, { firstName: evil, specialty: evil });
  const prefs = await t.handler(request('GET', `/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, t.s.clock.now())}`));
  expect(String(prefs.body)).not.toContain('<script>alert');
  expect(String(prefs.body)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
});

test('unsubscribe: GET changes nothing; one-click POST (urlencoded or multipart) answers 200, no redirect, again and again', async () => {
  const t = setup();
  const personId = await confirmedPerson(t);
  const path = `/unsubscribe/${issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, t.s.clock.now())}`;
  const before = t.snapshot();
  expect((await t.handler(request('GET', path))).statusCode).toBe(200);
  expect((await t.handler(request('HEAD', path))).statusCode).toBe(200);
  expect(t.snapshot()).toBe(before);

  const first = await t.handler(request('POST', path, 'List-Unsubscribe=One-Click'));
  expect(first.statusCode).toBe(200);
  expect(first.headers).not.toHaveProperty('location');
  expect((await t.s.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'revoked', source: 'one-click' });
  const boundary = '----mail-provider-7d';
  const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
  const again = await t.handler(request('POST', path, multipart, { 'content-type': `multipart/form-data; boundary=${boundary}` }));
  expect(again.statusCode).toBe(200);
  expect(String(again.body)).toContain('You were already unsubscribed');

  const wrongBody = await t.handler(request('POST', path, 'List-Unsubscribe=please'));
  expect(wrongBody.statusCode).toBe(400);
});

test('delete all my data asks once more before erasing', async () => {
  const t = setup();
  const personId = await confirmedPerson(t);
  const path = `/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, t.s.clock.now())}`;
  const before = t.snapshot();
  const ask = await t.handler(request('POST', path, 'action=delete'));
  expect(ask.statusCode).toBe(200);
  expect(String(ask.body)).toContain('Yes, delete everything');
  expect(t.snapshot()).toBe(before);
  const done = await t.handler(request('POST', path, 'action=delete-confirmed'));
  expect(String(done.body)).toContain('Your data is deleted');
  expect(await t.s.store.getPerson(personId)).toBeUndefined();
  expect((await t.handler(request('GET', path))).statusCode).toBe(404);
});

test('the calendar feed is text/calendar; a bad link is a clear 4xx', async () => {
  const t = setup();
  const personId = await confirmedPerson(t);
  const res = await t.handler(request('GET', `/calendar/${issueToken(TEST_TOKEN_SECRET, 'calendar', personId, t.s.clock.now())}.ics`));
  expect(res.statusCode).toBe(200);
  expect((res.headers as Record<string, string>)['content-type']).toBe('text/calendar; charset=utf-8');
  expect(String(res.body)).toMatch(/^BEGIN:VCALENDAR\r\n/);
  expect((await t.handler(request('GET', `/calendar/${issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, t.s.clock.now())}.ics`))).statusCode).toBe(400);
  t.s.at('2028-01-01T00:00:00.000Z');
  expect((await t.handler(request('GET', `/calendar/${issueToken(TEST_TOKEN_SECRET, 'calendar', personId, new Date('2026-09-01T06:00:00Z'))}.ics`))).statusCode).toBe(410);
});
