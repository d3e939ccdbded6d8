import { createLogger, withLambdaContext } from '../shared/adapters/logger';
import { createServices, type Services } from '../shared/adapters/services';
import { config, ApiConfigSchema } from '../shared/config';
import type { Logger } from '../shared/ports';
import { createRoutedHandler, type ApiHandler } from './http-handler';
import type { Route } from './router';
import { healthRoutes } from './routes/health';
import { twilioRoutes } from './routes/twilio';
import { subscriberRoutes } from './routes/subscriber';
import { planRoutes } from './routes/plan';

/**
 * The public side of the HTTP API behind API Gateway (its `$default` route): health, Twilio and
 * SES webhooks, sign-up, people's links and plan pages. The counselors' side (/counselor/*,
 * /dashboard/*, /auth/*) is functions/counselor-api.ts, a function of its own, so that none of its
 * code (csv-parse, the dashboard pages, cohort reports) is in this bundle (
 * test/unit/bundle-hygiene.test.ts checks). Locally `npm start` serves both (infra/local/start.ts).
 */
const log = createLogger('api');

export const publicRoutes: readonly Route[] = [...healthRoutes, ...twilioRoutes, ...subscriberRoutes, ...planRoutes];

/** The same handler over any services: the real ones below, memory twins in tests. */
export function createApiHandler(services: Promise<Services>, logger: Logger = log): ApiHandler {
  return createRoutedHandler(publicRoutes, services, logger);
}

let real: ApiHandler | undefined;
/**
 * Lambda's entry point: services are built from config on the first request, once per container
 * (not at import, so tests can import this module without an environment).
 */
export const handler = withLambdaContext(log, (event: Parameters<ApiHandler>[0]) => (real ??= createApiHandler(createServices(config(ApiConfigSchema), { log })))(event));
