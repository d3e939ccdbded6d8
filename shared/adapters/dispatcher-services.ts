import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClientOf } from './dynamo/client';
import { sesSenderOf } from './ses/ses-from-config';
import type { DispatchSettings } from '../app/dispatch/deps';
import type { DispatcherConfig } from '../config';
import type { Clock, EmailSender, Logger, SendResult, SmsSender, Store, WhatsAppSender, RateBudget } from '../ports';
import { createTwilioWhatsAppSender } from './twilio/twilio-whatsapp-sender';
import { loggerOf } from '../ports';
import { createDynamoStore } from './dynamo/dynamo-store';
import { createDynamoRateBudget } from './dynamo/dynamo-rate-budget';
import { publicLink } from '../domain/links';
import { tokenSecret, twilioCredentials, type TwilioCredentials } from './secrets';
import { createTwilioSmsSender } from './twilio/twilio-sms-sender';
import { whatsappSetupOf } from './whatsapp-setup';
import type { CounselorStore } from '../ports/counselor';
import { createDynamoCounselorStore } from './dynamo/counselor-store';
import type { NotificationLedger } from '../ports/notification-ledger';
import { createDynamoNotificationLedger } from './dynamo/notification-ledger';
import type { EngagementStore } from '../ports/engagement';
import { createDynamoEngagementStore } from './dynamo/engagement-store';

/**
 * What the dispatcher holds: the table's ports, the senders, the shared send budget and the
 * settings every send is made with. The public API holds all of this too (it sends the sign-up
 * confirmation and replies to texts), and more: ./services.ts builds on this.
 */
export interface DispatcherServices {
  store: Store;
  email: EmailSender;
  sms: SmsSender;
  /** Where WhatsApp is set up (WHATSAPP_FROM): the sender. */
  whatsapp?: WhatsAppSender;
  clock: Clock;
  log: Logger;
  settings: DispatchSettings;
  /** The send budget every dispatcher shares (pacing to the providers' limits). */
  budget?: RateBudget;
  /** Pacing always runs on real time, whatever `clock` pretends (see DispatchDeps.paceClock). */
  paceClock?: Clock;
  publicBaseUrl: string;
  /**
   * Organisations, counselors, cohorts, members and the audit log: crisis alerts reach a person's
   * counselors, an organisation's announcement goes only to its members.
   */
  counselors: CounselorStore;
  /** Crisis alerts and weekly digests to counselors go once: claimed here before each send. */
  notifications: NotificationLedger;
  /**
   * Engagement counts of people an organisation follows, kept as messages, replies and flags
   * happen (the dispatcher and the inbound webhook write them), and their cohorts' figures.
   */
  engagement: EngagementStore;
}

export interface ServicesOptions {
  clock?: Clock;
  log?: Logger;
  onCapacity?: (op: string, read: number, write: number) => void;
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

/**
 * The dispatcher's composition root (functions/dispatcher.ts). It is told the dispatcher's
 * configuration only (DispatcherConfigSchema), so it holds no SES-event or sign-up-form settings,
 * and nothing for them is built or bundled.
 */
export const createDispatcherServices = (config: DispatcherConfig, options: ServicesOptions = {}) => dispatcherServicesOn(dynamoClientOf(config), config, options);

/** The same, on a DynamoDB client the caller shares with what it builds on top (one connection pool). */
export async function dispatcherServicesOn(dynamo: DynamoDBClient, config: DispatcherConfig, options: ServicesOptions = {}): Promise<DispatcherServices> {
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
    publicBaseUrl: base,
    counselors: createDynamoCounselorStore({ client: dynamo, tableName: config.TABLE_NAME }),
    notifications: createDynamoNotificationLedger({ client: dynamo, tableName: config.TABLE_NAME }),
    engagement: createDynamoEngagementStore({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
  };
}
