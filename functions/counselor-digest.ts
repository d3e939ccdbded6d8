import { z } from 'zod';
import { createLogger } from '../shared/adapters/logger';
import { createServices, type Services } from '../shared/adapters/services';
import { sendWeeklyDigests } from '../shared/app/counselor-alerts';
import { alertDepsOf } from './counselor-alert-deps';
import { describeIssues } from '../shared/app/errors';
import { RecordId } from '../shared/domain/counselor';
import { config } from '../shared/config';

/**
 * The weekly digest, for a schedule (EventBridge Scheduler, once a week) or an operator: the
 * organisations to summarise come in the payload, `{ "orgIds": ["..."] }`, because the counselor
 * store has no list of every organisation yet (a Query on an ORGS partition would give one). Sent
 * once per counselor, cohort and week whatever the retries (shared/app/counselor-alerts.ts).
 */
const DigestEvent = z.object({ orgIds: z.array(RecordId).min(1).max(1000) });

const log = createLogger('counselor-digest');
let ready: Promise<Services> | undefined;

export const handler = async (event: unknown) => {
  const parsed = DigestEvent.safeParse(event);
  if (!parsed.success) throw new Error(`weekly digest: ${describeIssues(parsed.error.issues)}`);
  const services = await (ready ??= createServices(config(), { log }));
  const outcome = await sendWeeklyDigests(alertDepsOf(services, log), parsed.data.orgIds);
  log.info('weekly digest finished', { ...outcome });
  // A failed send or organisation fails the invocation, so the scheduler retries it (sent ones stay sent).
  if (outcome.failed > 0 || outcome.orgsFailed > 0) throw new Error(`weekly digest: ${outcome.failed} email(s) and ${outcome.orgsFailed} organisation(s) failed`);
  return outcome;
};
