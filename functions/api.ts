import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger } from '../shared/adapters/logger';
import { createServices, type Services } from '../shared/adapters/services';
import { config } from '../shared/config';
import { errorResponse, json } from './http';
import type { Logger } from '../shared/ports';
import { BadRequest } from './request';
import { matchRoute, type Route } from './router';
import { healthRoutes } from './routes/health';
import { twilioRoutes } from './routes/twilio';
import { subscriberRoutes } from './routes/subscriber';
import { planRoutes } from './routes/plan';
// Counselors (issue 5): the JSON API; dashboard routes sit next to it.
import { counselorRoutes } from './routes/counselor';
import { counselorDashboardRoutes } from './routes/counselor-dashboard';

/**
 * The HTTP API behind API Gateway (and `npm start` locally): matches the route and hands it the
 * services. Each route calls one use case; errors become responses in functions/http.ts.
 */
const log = createLogger('api');

const routes: Route[] = [...healthRoutes, ...twilioRoutes, ...subscriberRoutes, ...planRoutes, ...counselorRoutes, ...counselorDashboardRoutes];

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The same handler over any services: the real ones below, memory twins in tests. */
export function createApiHandler(services: Promise<Services>, logger: Logger = log): ApiHandler {
  // A rejected promise is observed per request (a 500), never as an unhandled rejection.
  services.catch(() => undefined);
  return (event) => handle(event, services, logger);
}

let real: ApiHandler | undefined;
/**
 * Lambda's entry point: services are built from config on the first request, once per container
 * (not at import, so tests can import this module without an environment).
 */
export const handler: ApiHandler = (event) => (real ??= createApiHandler(createServices(config(), { log })))(event);

async function handle(event: APIGatewayProxyEventV2, ready: Promise<Services>, log: Logger): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext?.http?.method ?? 'GET';
  const match = matchRoute(routes, method, event.rawPath);
  if ('status' in match) {
    return match.status === 405
      ? { ...json(405, { error: 'method_not_allowed', message: `use ${match.allowed!.join(' or ')}` }), headers: { allow: match.allowed!.join(', ') } }
      : json(404, { error: 'not_found', message: `no route for ${method} ${event.rawPath}` });
  }
  try {
    return await match.route.handler({ event, params: match.params, services: await ready, log });
  } catch (error) {
    if (error instanceof BadRequest) return json(400, { error: 'bad_request', message: error.message });
    return errorResponse(error, log);
  }
}
