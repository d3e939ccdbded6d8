import { createMemoryEmailSender, type MemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender, type MemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createSnsClient } from '../../shared/adapters/sns';
import type { CounselorServices } from '../../shared/adapters/counselor-services';
import type { Services } from '../../shared/adapters/services';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { createMemoryEngagementStore } from '../../shared/adapters/memory/memory-engagement-store';
import { noCounselorAccess } from '../../shared/app/counselor-auth';
import { createMemoryCounselorAccounts, type MemoryCounselorAccounts } from '../../shared/adapters/memory/memory-counselor-accounts';
import { createMemoryNotificationLedger } from '../../shared/adapters/memory/memory-notification-ledger';
import { createDispatcher, type DispatchReport } from '../../shared/app/dispatch';

/**
 * The composition roots of shared/adapters/services.ts and counselor-services.ts, on memory twins
 * (counselor sign-in included, closed until a test opens it): what the API handlers
 * (functions/api.ts createApiHandler) and use-case tests run against without any server. The
 * clock stands still until a test moves it.
 */

export const TEST_PUBLIC_BASE_URL = 'https://coach.example.test';
export const TEST_TOKEN_SECRET = 'test-only-token-secret-0123456789-abcdefghij';
export const TEST_TWILIO_AUTH_TOKEN = 'test-only-twilio-auth-token';
export const TEST_HELP_ADDRESS = 'help@coach.example.test';
export const TEST_NOW = '2027-01-04T04:00:00.000Z';
// Email subscription (issue 4): the SNS topic SES events come from in tests.
export const TEST_SES_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:matchcoach-ses-events';

/** Both functions' services at once (as the local stack and the CLI hold them), on memory twins. */
export type AllServices = Services & CounselorServices;

export interface MemoryServices extends AllServices {
  email: MemoryEmailSender;
  sms: MemorySmsSender;
  counselorAccounts: MemoryCounselorAccounts;
  /** Moves the fixed clock. */
  at(instant: string | Date): void;
  /** One dispatcher tick at the clock's time: what is due goes out (invitations too). */
  dispatch(): Promise<DispatchReport>;
}

export function memoryServices(overrides: Partial<AllServices> = {}): MemoryServices {
  let now = new Date(TEST_NOW);
  const clock = { now: () => now };
  const base = (overrides.publicBaseUrl ?? TEST_PUBLIC_BASE_URL).replace(/\/$/, '');
  const secret = overrides.tokenSecret ?? TEST_TOKEN_SECRET;
  const postalAddress = 'Match Coach, 1 Test Street, Boston, MA 02110, USA';
  const store = createMemoryStore();
  // One engagement twin, shared by the counselor twin (member counts, erasure) and the use cases.
  const engagement = overrides.engagement ?? createMemoryEngagementStore({ isLiving: store.isLiving });
  const services: AllServices = {
    store,
    email: createMemoryEmailSender(),
    sms: createMemorySmsSender(),
    clock,
    log: silentLogger,
    settings: {
      leaseSeconds: 120,
      concurrency: 4,
      maxDurationMs: 30_000,
      postalAddress,
      links: {
        unsubscribeUrl: (personId) => `${base}/unsubscribe/${issueToken(secret, 'unsubscribe', personId, clock.now())}`,
        preferencesUrl: (personId) => `${base}/preferences/${issueToken(secret, 'preferences', personId, clock.now())}`,
        confirmUrl: (personId, membership) => `${base}/confirm/${issueToken(secret, 'confirm-email', personId, clock.now(), undefined, membership)}`,
        joinUrl: (personId, membership) => `${base}/join/${issueToken(secret, 'join', personId, clock.now(), undefined, membership)}`,
        smsStatusCallbackUrl: (personId, messageId) =>
          `${base}/webhooks/twilio/status?p=${encodeURIComponent(personId)}&m=${encodeURIComponent(messageId)}`,
      },
    },
    tokenSecret: secret,
    publicBaseUrl: base,
    postalAddress,
    twilioAuthToken: TEST_TWILIO_AUTH_TOKEN,
    helpAddress: TEST_HELP_ADDRESS,
    // Email subscription (issue 4): no certificate can be fetched, so only unsigned-by-design
    // tests (acceptUnsigned) or tests that inject their own SnsClient see an event through.
    sesEvents: {
      sns: createSnsClient({
        fetchCertificate: async () => {
          throw new Error('tests never fetch certificates from the network');
        },
        visit: async () => {},
      }),
      topicArn: TEST_SES_TOPIC_ARN,
      acceptUnsigned: false,
    },
    // Counselors (issue 5): nobody gets in unless a test passes an authenticator.
    counselors: createMemoryCounselorStore({ isLiving: store.isLiving, engagement }),
    engagement,
    counselorAuth: noCounselorAccess,
    counselorAccounts: createMemoryCounselorAccounts(),
    notifications: createMemoryNotificationLedger(),
    ...overrides,
  };
  return {
    ...(services as MemoryServices),
    at(instant) {
      now = new Date(instant);
    },
    dispatch: () => createDispatcher(services)(),
  };
}
