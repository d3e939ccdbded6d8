import { createLogger, withLambdaContext } from '../shared/adapters/logger';
import { createDigestServices, type DigestServices } from '../shared/adapters/digest-services';
import { sendEveryWeeklyDigest } from '../shared/app/counselors/counselor-alerts';
import { config, WeeklyDigestConfigSchema } from '../shared/config';
import type { Logger } from '../shared/ports';
import { alertDepsOf } from './counselor-alert-deps';

/**
 * EventBridge Scheduler invokes this once a week: each counselor who wants it gets the digest of
 * their organisation's cohorts. A digest that failed fails the invocation, so Lambda retries it
 * (the ones already sent are not sent again: the notification ledger) and, past the retries, the
 * event lands in the dead-letter queue, whose depth is alarmed.
 */
const log = createLogger('weeklyDigest');

/** The same run over any services: the real ones below, memory twins in tests. */
export function createWeeklyDigestHandler(services: Promise<DigestServices>, logger: Logger = log) {
  return async () => {
    const report = await sendEveryWeeklyDigest(alertDepsOf(await services, logger));
    logger.info('weekly digest finished', { ...report });
    if (report.failed > 0 || report.orgsFailed > 0) {
      throw new Error(`weekly digest: ${report.failed} digest(s) and ${report.orgsFailed} organisation(s) failed; a retry sends only those`);
    }
    return report;
  };
}

let real: ReturnType<typeof createWeeklyDigestHandler> | undefined;
/** Lambda's entry point: services are built from config on first use, once per container. */
export const handler = withLambdaContext(log, () => (real ??= createWeeklyDigestHandler(Promise.resolve(createDigestServices(config(WeeklyDigestConfigSchema), { log }))))());
