import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A fault the proxy plays instead of forwarding one request.
 *
 * `error` answers the way SES v2 does over restJson1. The SDK's deserializer
 * (@smithy/core `loadRestJsonErrorCode`) reads the error code from the `x-amzn-ErrorType` header
 * first, then a `code` field, then `__type` in the JSON body, dropping anything after `:` and
 * before `#`; the message comes from `message`/`Message`. A code SES v2 models becomes its own
 * exception class; any other code becomes the base `SESv2ServiceException` with the status code.
 * `via: 'body'` puts the code only in `__type` (namespaced), to exercise the second path.
 */
export type SesFault =
  | { kind: 'error'; status: number; code: string; message: string; via?: 'header' | 'body' }
  /** A body that is not JSON, as a load balancer in front of SES might send. */
  | { kind: 'garbage'; status: number }
  /** Drop the connection without answering. */
  | { kind: 'reset' }
  /** Never answer (the client's request timeout fires). */
  | { kind: 'hang' };

/** The faults SES v2 is known to answer SendEmail with. */
export const SES_FAULTS = {
  throttle: { kind: 'error', status: 429, code: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' },
  '500': { kind: 'error', status: 500, code: 'InternalFailure', message: 'Internal Failure' },
  quota: { kind: 'error', status: 400, code: 'LimitExceededException', message: 'Daily message quota exceeded.' },
  reject: {
    kind: 'error',
    status: 400,
    code: 'MessageRejected',
    // SES names the failing identity; `{to}` becomes the request's recipient, so tests can check
    // that the adapter never copies a provider message into its reasons.
    message: 'Email address is not verified. The following identities failed the check in region US-EAST-1: {to}',
    via: 'body',
  },
  paused: { kind: 'error', status: 400, code: 'SendingPausedException', message: 'Sending is paused for this account.' },
  mailFromNotVerified: {
    kind: 'error',
    status: 400,
    code: 'MailFromDomainNotVerifiedException',
    message: 'The MAIL FROM domain is not verified.',
  },
} as const satisfies Record<string, SesFault>;

interface ProxiedRequest {
  method: string;
  path: string;
  /** The JSON body, parsed (undefined when there was none or it was not JSON). */
  body: unknown;
  fault?: SesFault;
}

export interface SesFaultProxy {
  endpoint: string;
  /** The next `count` requests get `fault` instead of reaching the twin. */
  failNext(count: number, fault: SesFault): void;
  /** Every request seen, faulted or forwarded, oldest first. */
  readonly requests: ProxiedRequest[];
  stop(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(buffer: Buffer): unknown {
  if (buffer.length === 0) return undefined;
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    return undefined;
  }
}

function recipientOf(body: unknown): string {
  const to = (body as { Destination?: { ToAddresses?: unknown[] } } | undefined)?.Destination?.ToAddresses?.[0];
  return typeof to === 'string' ? to : '';
}

function answerWithFault(res: http.ServerResponse, fault: SesFault, requestBody: unknown): void {
  const requestId = randomUUID();
  switch (fault.kind) {
    case 'reset':
      res.socket?.destroy();
      return;
    case 'hang':
      return;
    case 'garbage':
      res.writeHead(fault.status, { 'content-type': 'text/html', 'x-amzn-requestid': requestId });
      res.end('<html><body>Bad Gateway</body></html>');
      return;
    case 'error': {
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-amzn-requestid': requestId };
      const body: Record<string, string> = { message: fault.message.replace('{to}', recipientOf(requestBody)) };
      if (fault.via === 'body') {
        body.__type = `com.amazonaws.sesv2#${fault.code}`;
      } else {
        headers['x-amzn-errortype'] = `${fault.code}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`;
      }
      res.writeHead(fault.status, headers);
      res.end(JSON.stringify(body));
    }
  }
}

/** An HTTP proxy on 127.0.0.1 in front of the SES twin that can answer like a failing SES. */
export async function startSesFaultProxy(options: { target: string }): Promise<SesFaultProxy> {
  const target = new URL(options.target);
  const queue: SesFault[] = [];
  const requests: ProxiedRequest[] = [];

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const fault = queue.shift();
      const parsed = parseJson(body);
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', body: parsed, ...(fault ? { fault } : {}) });
      if (fault) return answerWithFault(res, fault, parsed);

      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
          // A fresh connection per request: a kept-alive one the twin has just closed would reset.
          agent: false,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', () => res.socket?.destroy());
      upstream.end(body);
    })().catch(() => res.socket?.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, fault) {
      for (let i = 0; i < count; i++) queue.push(fault);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        // Hung requests hold their sockets open; close them so the server can stop.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
