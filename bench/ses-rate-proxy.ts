import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * SES's maximum send rate, in front of the SES twin (which models no limits): SendEmail calls are
 * counted in a sliding one-second window, as the SMS sandbox counts texts; one over the limit gets
 * SES's own throttling answer (HTTP 429, TooManyRequestsException, "Maximum sending rate
 * exceeded."), which the real SDK turns into its real exception class. Everything else is
 * forwarded. It records when each accepted email arrived and to whom: the benchmark's view of
 * "delivered", kept here rather than read back from the twin (100,000 stored emails are hundreds
 * of megabytes of JSON). An email counts as delivered only once the twin has answered 2xx: if the
 * hop to the twin fails, the sender gets a 502 and nothing is counted, so a retry is not taken for
 * a duplicate.
 */
export interface SesRateProxy {
  endpoint: string;
  /** Accepted sends, in arrival order: epoch ms and recipient. */
  readonly accepted: Array<{ at: number; to: string }>;
  /** Sends refused for going over the rate. */
  rejected(): number;
  stop(): Promise<void>;
}

const SEND_EMAIL = /^\/v2\/email\/outbound-emails\/?$/;

export async function startSesRateProxy(options: { target: string; perSecond: number }): Promise<SesRateProxy> {
  const target = new URL(options.target);
  // A fresh connection per request to the twin: it closes idle keep-alive connections after a few
  // seconds, and a request written onto one it has just closed fails with ECONNRESET. On loopback a
  // connection costs well under a millisecond.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 128 });
  const accepted: Array<{ at: number; to: string }> = [];
  let rejected = 0;
  // Arrival times of accepted sends in the last second, oldest first (a ring would do; this stays small).
  let recent: number[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isSend = req.method === 'POST' && SEND_EMAIL.test((req.url ?? '').split('?')[0]!);
      const arrivedAt = Date.now();
      if (isSend) {
        recent = recent.filter((t) => t > arrivedAt - 1000);
        if (recent.length >= options.perSecond) {
          rejected++;
          res.writeHead(429, {
            'content-type': 'application/json',
            'x-amzn-requestid': randomUUID(),
            'x-amzn-errortype': 'TooManyRequestsException:http://internal.amazon.com/coral/com.amazonaws.sesv2/',
          });
          res.end(JSON.stringify({ message: 'Maximum sending rate exceeded.' }));
          return;
        }
        // The send counts against the rate when it arrives, as SES counts it, whatever happens next.
        recent.push(arrivedAt);
      }
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
        (up) => {
          const status = up.statusCode ?? 502;
          if (isSend && status >= 200 && status < 300) accepted.push({ at: arrivedAt, to: recipientOf(body) });
          res.writeHead(status, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (res.headersSent) return void res.socket?.destroy();
        res.writeHead(502, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
        res.end(JSON.stringify({ message: 'The SES twin could not be reached.' }));
      });
      upstream.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accepted,
    rejected: () => rejected,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

function recipientOf(body: Buffer): string {
  try {
    const to = (JSON.parse(body.toString('utf8')) as { Destination?: { ToAddresses?: unknown[] } }).Destination?.ToAddresses?.[0];
    return typeof to === 'string' ? to : '';
  } catch {
    return '';
  }
}
