import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { WeeklyDigestConfig } from '../../config';
import type { EmailSender } from '../../ports';
import { createSesEmailSender } from './ses-email-sender';

/** Local twins accept any credentials; real AWS uses the function's role. */
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** SES v2: the SES twin when an endpoint is set. */
export function sesSenderOf(config: Pick<WeeklyDigestConfig, 'SES_ENDPOINT' | 'EMAIL_FROM' | 'SES_CONFIGURATION_SET' | 'PROVIDER_TIMEOUT_MS'>): EmailSender {
  const ses = new SESv2Client({
    ...(config.SES_ENDPOINT ? { endpoint: config.SES_ENDPOINT, region: 'us-east-1', credentials: localCredentials } : {}),
    // The dispatcher owns retries (with backoff, recorded per attempt); the SDK must not retry a
    // daily-quota answer on its own, and a hung request must fail rather than wait out the Lambda.
    maxAttempts: 1,
    requestHandler: { requestTimeout: config.PROVIDER_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  return createSesEmailSender({ client: ses, from: config.EMAIL_FROM, ...(config.SES_CONFIGURATION_SET ? { configurationSetName: config.SES_CONFIGURATION_SET } : {}) });
}

