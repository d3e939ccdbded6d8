import { createDispatcher } from '../shared/app/dispatch/dispatcher';
import { createLogger, withLambdaContext } from '../shared/adapters/logger';
import { createDispatcherServices } from '../shared/adapters/dispatcher-services';
import { config, DispatcherConfigSchema } from '../shared/config';
import { sweepCrisisAlerts } from '../shared/app/counselors/counselor-alerts';
import { alertDepsOf } from './counselor-alert-deps';
import { errorLogFields } from '../shared/domain/errors';

/**
 * EventBridge Scheduler invokes this every minute. The schedule's payload carries nothing we
 * need: the tick reads what is due at the current time. A fault on any message fails the
 * invocation (after every other message was handled) so the error alarm sees it.
 */
const log = createLogger('dispatcher');
const ready = createDispatcherServices(config(DispatcherConfigSchema), { log }).then((services) => ({ services, dispatch: createDispatcher(services) }));

export const handler = withLambdaContext(log, async (_schedulePayload: unknown) => {
  const { dispatch, services } = await ready;
  const report = await dispatch();
  log.info('tick finished', { ...report });
  // Counselors: a crisis alert that could not go when the text came (a fault, a refusal)
  // goes now; the ledger makes this a no-op for the ones already sent.
  const alerts = await sweepCrisisAlerts(alertDepsOf(services, log)).catch((error: unknown) => {
    log.error('crisis alert sweep failed', { alarm: 'CrisisAlertSweepFailed', ...errorLogFields(error) });
    return undefined;
  });
  if (alerts && (alerts.sent > 0 || alerts.failed > 0)) log.info('crisis alerts swept', { ...alerts });
  if (report.errors > 0) throw new Error(`dispatcher tick: ${report.errors} message(s) hit a fault and will be retried`);
  return report;
});
