import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClientOf } from './dynamo/client';
import { createDynamoFormLimits } from './dynamo/dynamo-form-limits';
import type { FormLimits } from '../ports/form-limits';
import type { PublicFormLimits } from '../domain/public-forms';
import { sesSenderOf } from './ses/ses-from-config';
import type { DispatchSettings } from '../app/dispatch/deps';
import type { ApiConfig, DispatcherConfig } from '../config';
import type { Clock, EmailSender, Logger, SendResult, SmsSender, Store, WhatsAppSender } from '../ports';
import { createTwilioWhatsAppSender } from './twilio/twilio-whatsapp-sender';
import { whatsappTemplateTable } from '../content';
import type { WhatsAppTemplateTable } from '../domain/whatsapp-templates';
import { ConfigError } from '../config';
import { loggerOf } from '../ports';
import { createDynamoStore } from './dynamo/dynamo-store';
import { createDynamoRateBudget } from './dynamo/dynamo-rate-budget';
import type { RateBudget } from '../ports';
import { publicLink } from '../domain/links';
import { tokenSecret, twilioCredentials, type TwilioCredentials } from './secrets';
import { createSnsClient, snsNetwork, type SnsClient } from './sns';
import { createTwilioSmsSender } from './twilio/twilio-sms-sender';
// Counselors
import type { CounselorStore } from '../ports/counselor';
import { createDynamoCounselorStore } from './dynamo/counselor-store';
import type { NotificationLedger } from '../ports/notification-ledger';
import { createDynamoNotificationLedger } from './dynamo/notification-ledger';
import type { EngagementStore } from '../ports/engagement';
import { createDynamoEngagementStore } from './dynamo/engagement-store';

/**
 * The composition root: the real adapters, built from configuration. Handlers, the CLI and the
 * local stack all get their ports from here, so they run the same code paths. Counselor sign-in
 * (verifying tokens, Cognito's hosted sign-in) is added on top by ./counselor-services.ts, for the
 * counselors' function only: the public API's bundle stays without it.
 */
export interface Services {
  store: Store;
  email: EmailSender;
  sms: SmsSender;
  /** Where WhatsApp is set up (WHATSAPP_FROM): the sender, our number, the approved templates. */
  whatsapp?: WhatsAppSender;
  whatsappSetup?: WhatsAppSetup;
  clock: Clock;
  log: Logger;
  settings: DispatchSettings;
  /** The send budget every dispatcher shares (pacing to the providers' limits). */
  budget?: RateBudget;
  /** Pacing always runs on real time, whatever `clock` pretends (see DispatchDeps.paceClock). */
  paceClock?: Clock;
  /** Signs and checks people's links (see shared/domain/tokens.ts). */
  tokenSecret: string;
  publicBaseUrl: string;
  // ---- SMS conversation ----
  /** Checks X-Twilio-Signature on Twilio's webhooks: the account's auth token as it is now (rotated tokens are re-read). */
  twilioAuthToken: () => Promise<string>;
  /** Named in the HELP reply: the address part of EMAIL_FROM, where people can write to us. */
  helpAddress: string;
  // ---- Email subscription ----
  /** SES bounce and complaint events, delivered by SNS to POST /webhooks/ses. */
  sesEvents: SesEventSettings;
  // ---- Counselors ----
  /**
   * Organisations, counselors, cohorts, members and the audit log. The public side needs it too:
   * crisis alerts reach a person's counselors, and erasing a person removes their memberships.
   */
  counselors: CounselorStore;
  /** Crisis alerts and weekly digests to counselors go once: claimed here before each send. */
  notifications: NotificationLedger;
  /**
   * Engagement counts of people an organisation follows, kept as messages, replies and flags
   * happen (the dispatcher and the inbound webhook write them), and their cohorts' figures.
   */
  engagement: EngagementStore;
  /** Calling codes whose numbers may get texts (SMS_COUNTRY_CODES); absent means every country. */
  smsCountryCodes?: readonly string[];
  /** The anonymous sign-up form's caps (counters in the table) and the least time its answer takes. */
  publicForms?: { limits: FormLimits; caps: PublicFormLimits; responseFloorMs: number };
}

export interface WhatsAppSetup {
  /** Our WhatsApp number (E.164), named in replies; absent when the sender is a Messaging Service. */
  number?: string;
  templates: WhatsAppTemplateTable;
  /** Content SIDs of the templates Meta approved, by template name. */
  approved: ReadonlyMap<string, string>;
}

/**
 * WhatsApp's part of the configuration, checked at cold start: an approved template must be one
 * the repository submitted (a typo would otherwise silently skip every message that needs it).
 */
export function whatsappSetupOf(config: Pick<SendingConfig, 'WHATSAPP_FROM' | 'WHATSAPP_TEMPLATES'>): WhatsAppSetup | undefined {
  if (!config.WHATSAPP_FROM) return undefined;
  const templates = whatsappTemplateTable();
  const unknown = [...config.WHATSAPP_TEMPLATES.keys()].filter((name) => !templates.templates.some((t) => t.name === name));
  if (unknown.length > 0) throw new ConfigError(`invalid configuration: WHATSAPP_TEMPLATES names templates that do not exist: ${unknown.join(', ')}`);
  return {
    ...(config.WHATSAPP_FROM.startsWith('whatsapp:') && { number: config.WHATSAPP_FROM.slice('whatsapp:'.length) }),
    templates,
    approved: config.WHATSAPP_TEMPLATES,
  };
}

interface SesEventSettings {
  sns: SnsClient;
  /** The topic SES publishes to (SES_EVENTS_TOPIC_ARN): the only one subscribed to and read. */
  topicArn?: string;
  /** Local stack only (LOCAL_SES_EVENTS=1 with the SES twin): unsigned events are accepted. */
  acceptUnsigned: boolean;
}

/**
 * A sender that sends with Twilio's credentials as they are now: built again only when they change
 * (a rotated token, read again once the kept secret is older than SECRETS_MAX_AGE_SECONDS).
 */
export function withCurrentCredentials<M>(
  credentials: () => Promise<TwilioCredentials>,
  build: (credentials: TwilioCredentials) => { send(message: M): Promise<SendResult> },
): { send(message: M): Promise<SendResult> } {
  let built: { key: string; sender: { send(message: M): Promise<SendResult> } } | undefined;
  return {
    async send(message) {
      const current = await credentials();
      const key = `${current.accountSid}:${current.authToken}`;
      if (built?.key !== key) built = { key, sender: build(current) };
      return built.sender.send(message);
    },
  };
}

/** "Match Coach <coach@example.org>" -> "coach@example.org". */
export const addressOf = (from: string) => /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ?? from.trim();

export interface ServicesOptions {
  clock?: Clock;
  log?: Logger;
  onCapacity?: (op: string, read: number, write: number) => void;
}

/** What createServices reads: the dispatcher's settings, and the SES events' where the public API has them. */
export type SendingConfig = DispatcherConfig &
  Partial<
    Pick<
      ApiConfig,
      'SES_EVENTS_TOPIC_ARN' | 'LOCAL_SES_EVENTS' | 'SIGNUP_LIMIT_PER_CLIENT_PER_HOUR' | 'SIGNUP_LIMIT_PER_NUMBER_PREFIX_PER_HOUR' | 'SIGNUP_LIMIT_PER_HOUR' | 'SIGNUP_RESPONSE_FLOOR_MS'
    >
  >;

/**
 * The composition root of the two functions that send (the public API, the dispatcher), the CLI
 * and the local stack: everything. The counselors' function and the weekly digest have their own
 * (./counselor-services.ts, ./digest-services.ts), holding less.
 */
export async function createServices(config: SendingConfig, options: ServicesOptions = {}): Promise<Services> {
  const dynamo = dynamoClientOf(config);
  // Read now so a missing or malformed secret stops the cold start, as before; re-read as it ages.
  const [, secret] = await Promise.all([twilioCredentials(config), tokenSecret(config)]);
  const twilio = () => twilioCredentials(config);
  const base = config.PUBLIC_BASE_URL.replace(/\/$/, '');
  const clock = options.clock ?? { now: () => new Date() };
  const signer = { publicBaseUrl: base, tokenSecret: secret, clock };
  const whatsappSetup = whatsappSetupOf(config);
  return {
    store: createDynamoStore({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
    paceClock: { now: () => new Date() },
    budget: createDynamoRateBudget({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
    email: sesSenderOf(config),
    sms: withCurrentCredentials(twilio, ({ accountSid, authToken }) =>
      createTwilioSmsSender({ accountSid, authToken, from: config.TWILIO_FROM, apiBase: config.TWILIO_API_BASE, timeoutMs: config.PROVIDER_TIMEOUT_MS }),
    ),
    ...(whatsappSetup && {
      whatsapp: withCurrentCredentials(twilio, ({ accountSid, authToken }) =>
        createTwilioWhatsAppSender({ accountSid, authToken, from: config.WHATSAPP_FROM!, apiBase: config.TWILIO_API_BASE, timeoutMs: config.PROVIDER_TIMEOUT_MS }),
      ),
      whatsappSetup,
    }),
    clock,
    log: loggerOf(options),
    settings: {
      leaseSeconds: config.DISPATCH_LEASE_SECONDS,
      concurrency: config.DISPATCH_CONCURRENCY,
      maxDurationMs: config.DISPATCH_MAX_SECONDS * 1000,
      postalAddress: config.POSTAL_ADDRESS,
      textSpacingMinutes: config.TEXT_SPACING_MINUTES,
      smsCountryCodes: config.SMS_COUNTRY_CODES,
      ...(whatsappSetup && { whatsapp: { templates: whatsappSetup.templates, approved: whatsappSetup.approved } }),
      pacing: {
        sms: { perSecond: config.SMS_RATE_PER_SECOND, jitterMs: config.PACING_JITTER_MS },
        whatsapp: { perSecond: config.WHATSAPP_RATE_PER_SECOND, jitterMs: config.PACING_JITTER_MS },
        email: { perSecond: config.EMAIL_RATE_PER_SECOND, jitterMs: config.PACING_JITTER_MS, dailyQuota: config.EMAIL_DAILY_QUOTA },
      },
      links: {
        unsubscribeUrl: (personId) => publicLink(signer, 'unsubscribe', personId),
        preferencesUrl: (personId) => publicLink(signer, 'preferences', personId),
        confirmUrl: (personId, membership) => publicLink(signer, 'confirm', personId, { membership }),
        joinUrl: (personId, membership) => publicLink(signer, 'join', personId, { membership }),
        // Twilio signs the whole URL, query included, so these ids cannot be forged in a callback.
        smsStatusCallbackUrl: (personId, messageId) =>
          `${base}/webhooks/twilio/status?p=${encodeURIComponent(personId)}&m=${encodeURIComponent(messageId)}`,
      },
    },
    tokenSecret: secret,
    publicBaseUrl: base,
    twilioAuthToken: async () => (await twilio()).authToken,
    helpAddress: addressOf(config.EMAIL_FROM),
    sesEvents: {
      sns: createSnsClient(snsNetwork),
      ...(config.SES_EVENTS_TOPIC_ARN && { topicArn: config.SES_EVENTS_TOPIC_ARN }),
      // Only beside the SES twin: a stray LOCAL_SES_EVENTS in AWS must not open the door.
      acceptUnsigned: config.LOCAL_SES_EVENTS === '1' && config.SES_ENDPOINT !== undefined,
    },
    counselors: createDynamoCounselorStore({ client: dynamo, tableName: config.TABLE_NAME }),
    notifications: createDynamoNotificationLedger({ client: dynamo, tableName: config.TABLE_NAME }),
    engagement: createDynamoEngagementStore({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
    smsCountryCodes: config.SMS_COUNTRY_CODES,
    // The public API's sign-up form (the dispatcher is not told these settings, and needs none).
    ...(config.SIGNUP_LIMIT_PER_HOUR !== undefined && {
      publicForms: {
        limits: createDynamoFormLimits({ doc: DynamoDBDocumentClient.from(dynamo), tableName: config.TABLE_NAME }),
        caps: {
          perClientPerHour: config.SIGNUP_LIMIT_PER_CLIENT_PER_HOUR ?? 20,
          perNumberPrefixPerHour: config.SIGNUP_LIMIT_PER_NUMBER_PREFIX_PER_HOUR ?? 10,
          overallPerHour: config.SIGNUP_LIMIT_PER_HOUR,
        },
        responseFloorMs: config.SIGNUP_RESPONSE_FLOOR_MS ?? 0,
      },
    }),
  };
}
