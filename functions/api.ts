import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger } from '../shared/adapters/logger';
import { errorResponse, json } from './http';

/**
 * The HTTP API behind API Gateway (and `npm start` locally). Routes are matched here and each
 * calls one use case; the public pages and webhooks arrive with the subscriber issue.
 */
const log = createLogger('api');

type Route = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const routes: Record<string, Route> = {
  'GET /health': async () => json(200, { status: 'ok' }),
};

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const method = event.requestContext?.http?.method ?? 'GET';
  const route = routes[`${method} ${event.rawPath}`];
  if (!route) return json(404, { error: 'not_found', message: `no route for ${method} ${event.rawPath}` });
  try {
    return await route(event);
  } catch (error) {
    return errorResponse(error, log);
  }
};
