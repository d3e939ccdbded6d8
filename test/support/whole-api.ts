import { createApiHandler } from '../../functions/api';
import { createCounselorApiHandler } from '../../functions/counselor-api';
import type { CounselorServices } from '../../shared/adapters/counselor-services';
import type { Services } from '../../shared/adapters/services';
import type { Logger } from '../../shared/ports';
import { routeLikeApiGateway } from '../../infra/local/http-server';

/**
 * Both HTTP functions (the public api and counselorApi) behind one handler, routed by path as API
 * Gateway routes them (and as `npm start` serves them): for tests that cross from one to the other,
 * such as a counselor's invitation confirmed on the public page.
 */
export function createWholeApiHandler(services: Promise<Services & CounselorServices>, logger?: Logger) {
  return routeLikeApiGateway({ api: createApiHandler(services, logger), counselorApi: createCounselorApiHandler(services, logger) });
}
