import type { DispatcherServices } from '../shared/adapters/dispatcher-services';
import type { CounselorAlertDeps } from '../shared/app/counselors/counselor-alerts';
import type { Logger } from '../shared/ports';

/** What the counselor alerts need, from the composition root: one place for the handler, the API and the CLI. */
export const alertDepsOf = (services: Pick<DispatcherServices, 'store' | 'counselors' | 'engagement' | 'email' | 'notifications' | 'clock' | 'publicBaseUrl'>, log: Logger): CounselorAlertDeps => ({
  store: services.store,
  counselors: services.counselors,
  engagement: services.engagement,
  email: services.email,
  ledger: services.notifications,
  clock: services.clock,
  publicBaseUrl: services.publicBaseUrl,
  log,
});
