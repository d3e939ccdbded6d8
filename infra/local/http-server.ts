import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { servedByCounselorApi } from '../handlers';

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * One handler for the whole HTTP API, routing as API Gateway does in AWS: the counselors' paths
 * (infra/handlers.ts COUNSELOR_API_ROUTE_PATHS) to counselorApi, everything else to api.
 */
export function routeLikeApiGateway(handlers: { api: ApiHandler; counselorApi: ApiHandler }): ApiHandler {
  return (event) => (servedByCounselorApi(event.rawPath) ? handlers.counselorApi : handlers.api)(event);
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Serves an API Gateway HTTP API (payload v2) handler on 127.0.0.1, translating each request the
 * way API Gateway does, so the local stack runs the very handler that AWS runs.
 */
export function serveApiHandler(handler: ApiHandler, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"payload_too_large"}');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', async () => {
      if (res.writableEnded) return;
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      }
      const isText = /^(text\/|application\/(json|x-www-form-urlencoded))/.test(headers['content-type'] ?? '');
      const event = {
        version: '2.0',
        routeKey: '$default',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
        requestContext: {
          http: { method: req.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' },
          domainName: url.host,
          requestId: `local-${Date.now()}`,
          stage: '$default',
          timeEpoch: Date.now(),
        },
        body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
        isBase64Encoded: body.length > 0 && !isText,
      } as unknown as APIGatewayProxyEventV2;
      try {
        const result = await handler(event);
        const responseBody = result.body ?? '';
        // API Gateway (payload 2.0) sends each of `cookies` as its own Set-Cookie header; so do we.
        const cookies = result.cookies?.length ? { 'set-cookie': result.cookies } : {};
        res.writeHead(result.statusCode ?? 200, { ...(result.headers as http.OutgoingHttpHeaders), ...cookies });
        res.end(result.isBase64Encoded ? Buffer.from(responseBody, 'base64') : responseBody);
      } catch {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        // The port actually bound, so that port 0 (any free port, in tests) gives a usable address.
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        stop: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
      }),
    );
  });
}
