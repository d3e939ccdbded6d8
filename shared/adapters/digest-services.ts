import type { WeeklyDigestConfig } from '../config';
import { loggerOf } from '../ports';
import { createDynamoCounselorStore } from './dynamo/counselor-store';
import { createDynamoStore } from './dynamo/dynamo-store';
import { createDynamoEngagementStore } from './dynamo/engagement-store';
import { createDynamoNotificationLedger } from './dynamo/notification-ledger';
import { dynamoClientOf } from './dynamo/client';
import { sesSenderOf } from './ses/ses-from-config';
import type { Services } from './services';
import type { ServicesOptions } from './dispatcher-services';

/**
 * The composition root of the weekly digest (functions/weekly-digest.ts): it reads reports and
 * emails counselors, so it holds the table, SES and the notification ledger, and no Twilio
 * credentials or link-signing key (its emails link to the dashboard, which needs neither).
 */
export type DigestServices = Pick<Services, 'store' | 'counselors' | 'engagement' | 'email' | 'notifications' | 'clock' | 'log' | 'publicBaseUrl'>;

export function createDigestServices(config: WeeklyDigestConfig, options: ServicesOptions = {}): DigestServices {
  const dynamo = dynamoClientOf(config);
  return {
    store: createDynamoStore({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
    counselors: createDynamoCounselorStore({ client: dynamo, tableName: config.TABLE_NAME }),
    notifications: createDynamoNotificationLedger({ client: dynamo, tableName: config.TABLE_NAME }),
    // Read only: cohort figures for the digest (its grants allow writes to NOTIFY# items alone).
    engagement: createDynamoEngagementStore({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
    email: sesSenderOf(config),
    clock: options.clock ?? { now: () => new Date() },
    log: loggerOf(options),
    publicBaseUrl: config.PUBLIC_BASE_URL.replace(/\/$/, ''),
  };
}
