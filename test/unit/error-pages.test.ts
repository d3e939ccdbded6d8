import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApiHandler } from '../../functions/api';
import { wantsHtml } from '../../functions/http';
import { enroll } from '../../shared/app/scheduling/enroll';
import type { Store } from '../../shared/ports';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { memoryServices, TEST_TOKEN_SECRET } from '../support/memory-services';
import { createWholeApiHandler } from '../support/whole-api';

/**
 * Failures reach a browser as a page and everyone else as JSON, from the one mapper in
 * functions/http.ts: an unknown address, a wrong method, a form that cannot be read, a plan edit
 * that collided with another edit every time it was tried, and a fault of ours.
 */

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

const event = (method: string, rawPath: string, headers: Record<string, string> = {}, body = ''): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers,
    requestContext: { http: { method, path: rawPath } },
    body,
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

describe('which answer a caller asked for', () => {
  test.each([
    [BROWSER, true],
    ['text/html', true],
    ['application/json', false],
    ['*/*', false],
    [undefined, false],
    ['application/json, text/html;q=0.5', false],
    ['text/html;q=0.9, application/json;q=0.9', true],
    ['text/html;q=0', false],
    ['text/html;q=banana', false],
  ])('Accept %s: a page? %s', (accept, page) => {
    expect(wantsHtml({ headers: accept === undefined ? {} : { Accept: accept } })).toBe(page);
  });
});

describe('an unknown address', () => {
  test('a browser gets a 404 page that does not repeat the address; an API client gets JSON', async () => {
    const handler = createApiHandler(Promise.resolve(memoryServices()), silentLogger);
    const page = await handler(event('GET', '/no/such/<script>page', { accept: BROWSER }));
    expect(page.statusCode).toBe(404);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    expect(page.headers?.['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(page.body).toContain('There is no page here');
    expect(page.body).not.toContain('script');
    const api = await handler(event('GET', '/no/such/page', { accept: 'application/json' }));
    expect(api.statusCode).toBe(404);
    expect(JSON.parse(String(api.body))).toMatchObject({ error: 'not_found' });
  });

  test('on the counselors\' side too, and a wrong method is a page with Allow', async () => {
    const handler = createWholeApiHandler(Promise.resolve(memoryServices()), silentLogger);
    const unknown = await handler(event('GET', '/dashboard/nowhere/at/all/here', { accept: BROWSER }));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers?.['content-type']).toMatch(/^text\/html/);
    const method = await handler(event('DELETE', '/subscribe', { accept: BROWSER }));
    expect(method.statusCode).toBe(405);
    expect(method.headers?.['content-type']).toMatch(/^text\/html/);
    expect(method.headers?.allow).toBe('POST');
  });
});

describe('a plan edit that keeps colliding with another edit', () => {
  /**
   * A store where another edit of the same plan always lands between our read and our write:
   * each save first lets a rival save go through (on the real memory store), so ours fails its
   * version check every round, as it would under a stream of concurrent edits.
   */
  function alwaysOvertaken(store: Store): Store {
    return new Proxy(store, {
      get(target, name, receiver) {
        if (name !== 'savePlan') return Reflect.get(target, name, receiver);
        return async (plan: Parameters<Store['savePlan']>[0], expected: string | undefined) => {
          const current = await target.getPlan(plan.personId);
          if (current) await target.savePlan({ ...current, updatedAt: new Date(Date.parse(current.updatedAt) + 1000).toISOString() }, current.updatedAt);
          return target.savePlan(plan, expected);
        };
      },
    });
  }

  async function world() {
    const services = memoryServices();
    const { personId } = await enroll(services, { email: 'priya@example.com', timeZone: 'Asia/Kolkata', season: 2027 });
    const token = issueToken(TEST_TOKEN_SECRET, 'preferences', personId, services.clock.now());
    const goal = (text: string, accept: string) =>
      event('POST', `/plan/${token}`, { accept, 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ op: 'add-week-goal', text }).toString());
    // A first edit goes through as usual, so there is a plan for the rival edits to change.
    expect((await createApiHandler(Promise.resolve(services), silentLogger)(goal('Read one review article', BROWSER))).statusCode).toBe(303);
    const handler = createApiHandler(Promise.resolve({ ...services, store: alwaysOvertaken(services.store) }), silentLogger);
    const post = (accept: string) => handler(goal('Two question blocks a day', accept));
    return { services, personId, post };
  }

  test('a browser gets a 409 page saying nothing of theirs was saved, not raw JSON', async () => {
    const w = await world();
    const page = await w.post(BROWSER);
    expect(page.statusCode).toBe(409);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('That changed while we were saving it');
    expect(page.body).toContain('The plan kept changing while we saved it; try again.');
    expect(page.body).not.toContain('{"error"');
    // Only the rivals' versions were stored: this goal never was.
    expect(JSON.stringify(await w.services.store.getPlan(w.personId))).not.toContain('Two question blocks');
  });

  test('an API client gets the same as JSON', async () => {
    const w = await world();
    const answer = await w.post('application/json');
    expect(answer.statusCode).toBe(409);
    expect(JSON.parse(String(answer.body))).toEqual({ error: 'conflict', message: 'the plan kept changing while we saved it; try again' });
  });
});

test('a fault of ours: a 500 page that shows no internals, and JSON that shows none either', async () => {
  const services = memoryServices();
  const broken: Store = new Proxy(services.store, {
    get(target, name, receiver) {
      if (name === 'getPerson') return async () => { throw new Error('ProvisionedThroughputExceeded at table matchcoach-prod'); };
      return Reflect.get(target, name, receiver);
    },
  });
  const handler = createApiHandler(Promise.resolve({ ...services, store: broken }), silentLogger);
  const token = issueToken(TEST_TOKEN_SECRET, 'preferences', 'p-1', services.clock.now());
  const page = await handler(event('GET', `/plan/${token}`, { accept: BROWSER }));
  expect(page.statusCode).toBe(500);
  expect(page.headers?.['content-type']).toMatch(/^text\/html/);
  expect(page.body).toContain('Something went wrong on our side');
  expect(page.body).not.toMatch(/Provisioned|matchcoach-prod/);
  const api = await handler(event('GET', `/plan/${token}`, { accept: '*/*' }));
  expect(api.statusCode).toBe(500);
  expect(String(api.body)).not.toMatch(/Provisioned|matchcoach-prod/);
});
