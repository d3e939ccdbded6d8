import { createDispatcher } from '../shared/app/dispatch';
import { createLogger } from '../shared/adapters/logger';
import { createServices } from '../shared/adapters/services';
import { config } from '../shared/config';

/**
 * EventBridge Scheduler invokes this every minute. The schedule's payload carries nothing we
 * need: the tick reads what is due at the current time. A fault on any message fails the
 * invocation (after every other message was handled) so the error alarm sees it.
 */
const log = createLogger('dispatcher');
const ready = createServices(config(), { log }).then((services) => ({ services, dispatch: createDispatcher(services) }));

export const handler = async () => {
  const { dispatch } = await ready;
  const report = await dispatch();
  log.info('tick finished', { ...report });
  if (report.errors > 0) throw new Error(`dispatcher tick: ${report.errors} message(s) hit a fault and will be retried`);
  return report;
};
