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
import { noCounselorAccess } from '../../shared/app/counselors/counselor-auth';
import { createMemoryCounselorAccounts, type MemoryCounselorAccounts } from '../../shared/adapters/memory/memory-counselor-accounts';
import { createMemoryNotificationLedger } from '../../shared/adapters/memory/memory-notification-ledger';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchReport } from '../../shared/app/dispatch/deps';
import { createMemoryWhatsAppSender, type MemoryWhatsAppSender } from '../../shared/adapters/memory/memory-whatsapp-sender';
import { whatsappTemplateTable } from '../../shared/content';

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
const TEST_NOW = '2027-01-04T04:00:00.000Z';
/** Our WhatsApp sender in tests, and a Content SID per template as if Meta had approved them all. */
const TEST_WHATSAPP_NUMBER = '+15005550006';
export const testContentSid = (name: string) => `HX${Buffer.from(name).toString('hex').padEnd(32, '0').slice(0, 32)}`;
/** WhatsApp set up as WHATSAPP_FROM and WHATSAPP_TEMPLATES would set it, every template approved. */
export function testWhatsAppSetup() {
  const templates = whatsappTemplateTable();
  return { number: TEST_WHATSAPP_NUMBER, templates, approved: new Map(templates.templates.map((t) => [t.name, testContentSid(t.name)])) };
}
// Email subscription: the SNS topic SES events come from in tests.
export const TEST_SES_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:matchcoach-ses-events';

/** Both functions' services at once (as the local stack and the CLI hold them), on memory twins. */
export type AllServices = Services & CounselorServices;

export interface MemoryServices extends AllServices {
  email: MemoryEmailSender;
  sms: MemorySmsSender;
  whatsapp: MemoryWhatsAppSender;
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
  const templates = whatsappTemplateTable();
  const approved = new Map(templates.templates.map((t) => [t.name, testContentSid(t.name)]));
  const whatsapp = createMemoryWhatsAppSender({ clock });
  for (const t of templates.templates) whatsapp.registerTemplate(testContentSid(t.name), t.text);
  // One engagement twin, shared by the counselor twin (member counts, erasure) and the use cases.
  const engagement = overrides.engagement ?? createMemoryEngagementStore({ isLiving: store.isLiving });
  const services: AllServices = {
    store,
    email: createMemoryEmailSender(),
    sms: createMemorySmsSender(),
    // The WhatsApp twin is there for the dispatcher; the forms offer WhatsApp only to tests that
    // pass `whatsappSetup: testWhatsAppSetup()` (as a deployment with WHATSAPP_FROM would).
    whatsapp,
    clock,
    log: silentLogger,
    settings: {
      leaseSeconds: 120,
      concurrency: 4,
      maxDurationMs: 30_000,
      postalAddress,
      whatsapp: { templates, approved },
      links: {
        unsubscribeUrl: (personId) => `${base}/unsubscribe/${issueToken(secret, 'unsubscribe', personId, clock.now())}`,
        preferencesUrl: (personId) => `${base}/preferences/${issueToken(secret, 'preferences', personId, clock.now())}`,
        confirmUrl: (personId, membership) => `${base}/confirm/${issueToken(secret, 'confirm-email', personId, clock.now(), undefined, { membership })}`,
        joinUrl: (personId, membership) => `${base}/join/${issueToken(secret, 'join', personId, clock.now(), undefined, { membership })}`,
        smsStatusCallbackUrl: (personId, messageId) =>
          `${base}/webhooks/twilio/status?p=${encodeURIComponent(personId)}&m=${encodeURIComponent(messageId)}`,
      },
    },
    tokenSecret: secret,
    publicBaseUrl: base,
    postalAddress,
    twilioAuthToken: async () => TEST_TWILIO_AUTH_TOKEN,
    helpAddress: TEST_HELP_ADDRESS,
    // Email subscription: no certificate can be fetched, so only unsigned-by-design
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
    // Counselors: nobody gets in unless a test passes an authenticator.
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
