import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSesRateProxy, type SesRateProxy } from '../../bench/ses-rate-proxy';

/**
 * The benchmark's SES rate proxy (bench/ses-rate-proxy.ts) is what says "delivered" and
 * "duplicate" for email in the Match Day burst, so its ledger must be right: an email counts once
 * the service behind it answered 2xx, a hop that fails is a 502 that counts nothing (the sender's
 * retry is then not a duplicate), and a send over the rate is SES's own 429.
 */

const SEND_PATH = '/v2/email/outbound-emails';
const sendBody = (to: string) => JSON.stringify({ Destination: { ToAddresses: [to] }, Content: { Simple: {} } });

let upstream: http.Server;
let upstreamMode: 'ok' | 'reset' = 'ok';
let target: string;
const proxies: SesRateProxy[] = [];

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (upstreamMode === 'reset') return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ MessageId: 'm-1' }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
});

async function startProxy(perSecond: number): Promise<SesRateProxy> {
  const proxy = await startSesRateProxy({ target, perSecond });
  proxies.push(proxy);
  return proxy;
}

async function post(proxy: SesRateProxy, to: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${proxy.endpoint}${SEND_PATH}`, { method: 'POST', body: sendBody(to), headers: { 'content-type': 'application/json' } });
  return { status: response.status, body: await response.text() };
}

it('counts an email once the service behind it accepted it, and answers 502 and counts nothing when the hop fails', async () => {
  const proxy = await startProxy(1_000);
  upstreamMode = 'ok';
  expect((await post(proxy, 'a@example.com')).status).toBe(200);
  upstreamMode = 'reset';
  const failed = await post(proxy, 'b@example.com');
  expect(failed.status).toBe(502);
  expect(failed.body).toMatch(/could not be reached/);
  upstreamMode = 'ok';
  expect(proxy.accepted.map((e) => e.to)).toEqual(['a@example.com']);
  expect(proxy.rejected()).toBe(0);
});

it("refuses a send over the rate with SES's own 429 and counts it as a rejection, not a delivery", async () => {
  const proxy = await startProxy(2);
  upstreamMode = 'ok';
  // Three at once: the rate allows two in any second.
  const answers = await Promise.all(['a', 'b', 'c'].map((x) => post(proxy, `${x}@example.com`)));
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429]);
  expect(answers.find((a) => a.status === 429)!.body).toMatch(/Maximum sending rate exceeded/);
  expect(proxy.rejected()).toBe(1);
  expect(proxy.accepted).toHaveLength(2);
});
