import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../shared/ports';
import { errorResponse, problemResponse } from './http';
import { matchRoute, type Route } from './router';

/**
 * What the two HTTP handlers (functions/api.ts, the public side; functions/counselor-api.ts, the
 * counselors' side) share: match the route and hand it the services. Each route calls one use
 * case; errors become responses in functions/http.ts. Not a handler itself: each function imports
 * only its own routes, so the public bundle carries none of the counselors' code.
 */
export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A handler for these routes over any services: the real ones, memory twins in tests. */
export function createRoutedHandler<S>(routes: readonly Route<S>[], services: Promise<S>, logger: Logger): ApiHandler {
  // A rejected promise is observed per request (a 500), never as an unhandled rejection.
  services.catch(() => undefined);
  return (event) => handle(routes, event, services, logger);
}

async function handle<S>(routes: readonly Route<S>[], event: APIGatewayProxyEventV2, ready: Promise<S>, log: Logger): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext?.http?.method ?? 'GET';
  const match = matchRoute(routes, method, event.rawPath);
  if ('status' in match) {
    return match.status === 405
      ? problemResponse(event, { status: 405, code: 'method_not_allowed', message: `use ${match.allowed!.join(' or ')}`, headers: { allow: match.allowed!.join(', ') } })
      : problemResponse(event, { status: 404, code: 'not_found', message: `no route for ${method} ${event.rawPath}` });
  }
  try {
    return await match.route.handler({ event, params: match.params, services: await ready, log });
  } catch (error) {
    // A BadRequest is a DomainError ('bad_request', 400) like any other.
    return errorResponse(error, log, event);
  }
}
