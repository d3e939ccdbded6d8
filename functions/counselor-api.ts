import { createLogger, withLambdaContext } from '../shared/adapters/logger';
import { createCounselorServices, type CounselorServices } from '../shared/adapters/counselor-services';
import { config, CounselorApiConfigSchema } from '../shared/config';
import type { Logger } from '../shared/ports';
import { createRoutedHandler, type ApiHandler } from './http-handler';
import type { Route } from './router';
// Counselors: the JSON API; dashboard routes sit next to it.
import { counselorRoutes } from './routes/counselor';
import { counselorDashboardRoutes } from './routes/counselor-dashboard';
import { counselorAnnouncementRoutes } from './routes/counselor-announcements';

/**
 * The counselors' side of the HTTP API, in a function of its own (the public API's bundle
 * stays small): the JSON API under /counselor/ (behind API Gateway's JWT authorizer), and the
 * dashboard (/dashboard, /dashboard/*) with its sign-in (/auth/*), which verify the cookie here.
 * Built like functions/api.ts; locally `npm start` serves both from one server.
 */
const log = createLogger('counselorApi');

export const counselorApiRoutes: readonly Route<CounselorServices>[] = [...counselorRoutes, ...counselorDashboardRoutes, ...counselorAnnouncementRoutes];

/** The same handler over any services: the real ones below, memory twins in tests. */
export function createCounselorApiHandler(services: Promise<CounselorServices>, logger: Logger = log): ApiHandler {
  return createRoutedHandler(counselorApiRoutes, services, logger);
}

let real: ApiHandler | undefined;
/** Lambda's entry point: services are built on the first request, once per container. */
export const handler = withLambdaContext(log, (event: Parameters<ApiHandler>[0]) => (real ??= createCounselorApiHandler(createCounselorServices(config(CounselorApiConfigSchema), { log })))(event));
