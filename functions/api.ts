import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger } from '../shared/adapters/logger';
import { createServices } from '../shared/adapters/services';
import { config } from '../shared/config';
import { errorResponse, json } from './http';
import { BadRequest } from './request';
import { matchRoute, type Route } from './router';
import { healthRoutes } from './routes/health';

/**
 * The HTTP API behind API Gateway (and `npm start` locally): matches the route and hands it the
 * services. Each route calls one use case; errors become responses in functions/http.ts.
 */
const log = createLogger('api');
const ready = createServices(config(), { log });

const routes: Route[] = [...healthRoutes];

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
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
};
