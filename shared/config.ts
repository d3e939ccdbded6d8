import * as z from 'zod';
import { SmsCountryCodes } from './domain/public-forms';
import { ApprovedTemplates } from './domain/whatsapp-templates';

/**
 * Every setting the handlers read, as zod schemas over process.env, parsed once at cold start. A
 * missing or malformed setting stops the function at start-up with a message naming it, instead
 * of failing later on a send. Settings come in slices (the table, links, email, texts, ...); each
 * function has its own schema made of the slices it uses, so it is told (and, in AWS, granted)
 * nothing more. The CDK stack sets them through one helper (ServiceFunction), and `npm start`
 * sets them all for the local stack.
 */
const optionalUrl = z.url().optional();
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

// ---- Slices: each a group of settings that one capability needs ------------------------------------

/** The table (every function). */
const TableSettings = {
  TABLE_NAME: z.string().min(3),
  /** Local only: DynamoDB Local. Unset in AWS. */
  DYNAMODB_ENDPOINT: optionalUrl,
};

/** Where people's links point, and the key that signs them. */
const LinkSettings = {
  PUBLIC_BASE_URL: z.url(),
  /** Signs links (unsubscribe, preferences, calendar, confirmation): Secrets Manager in AWS. */
  APP_SECRET_ARN: z.string().startsWith('arn:').optional(),
  TOKEN_SECRET: z.string().min(32, 'TOKEN_SECRET must be at least 32 characters').optional(),
  /**
   * How long a secret read from Secrets Manager is kept before it is read again (here because
   * every function that reads a secret has these settings): a rotated Twilio token is in use
   * within this time, with no cold start.
   */
  SECRETS_MAX_AGE_SECONDS: positiveInt(300),
};

/** Printed in every email (CAN-SPAM), and in the invitations counselors queue. */
const PostalSettings = {
  POSTAL_ADDRESS: z.string().min(5),
};

/** Sending email through SES. */
const EmailSettings = {
  EMAIL_FROM: z.string().min(3),
  /** Local only: the SES twin. */
  SES_ENDPOINT: optionalUrl,
  /** SES v2 configuration set: where bounces and complaints are published (unset locally). */
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  ...PostalSettings,
};

/** Sending texts, and checking Twilio's webhook signatures, with the account's credentials. */
const SmsSettings = {
  /** Local only: the SMS sandbox. */
  TWILIO_API_BASE: optionalUrl,
  /** Our sending number (E.164) or a Messaging Service SID (MG...). */
  TWILIO_FROM: z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-f]{32})$/, 'an E.164 number or a Messaging Service SID'),
  /** In AWS the Twilio credentials live in Secrets Manager; locally they come from the env. */
  TWILIO_SECRET_ARN: z.string().startsWith('arn:').optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(8).optional(),
};

/**
 * WhatsApp through Twilio: the same account, credentials and webhooks as texts. Without
 * WHATSAPP_FROM this deployment has no WhatsApp: the forms do not offer it and the dispatcher
 * skips any WhatsApp message with a reason.
 */
const WhatsAppSettings = {
  /** Our WhatsApp sender (`whatsapp:+E164`), or a Messaging Service SID (MG...) that holds one. */
  WHATSAPP_FROM: z
    .string()
    .regex(/^(whatsapp:\+[1-9]\d{6,14}|MG[0-9a-f]{32})$/, 'whatsapp: and an E.164 number, or a Messaging Service SID')
    .optional(),
  /**
   * The templates Meta approved: `name=HX...` pairs, comma separated, the names those of
   * shared/content/whatsapp-templates.json. A template not listed is never sent; a message that
   * needs it outside the 24-hour window is skipped (`whatsapp_template_not_approved`).
   */
  WHATSAPP_TEMPLATES: z.string().default('').pipe(ApprovedTemplates),
  /** Messages per second the WhatsApp sender takes: Twilio starts a sender at 10 (50 on request). */
  WHATSAPP_RATE_PER_SECOND: positiveInt(10),
};

/**
 * Calling codes of the countries whose numbers may get texts: the United States and Canada, the
 * United Kingdom, India, Pakistan, Nigeria, Egypt, the Philippines, Bangladesh, Brazil, Mexico.
 */
const DEFAULT_SMS_COUNTRY_CODES = '1,44,91,92,234,20,63,880,55,52';

/** Where texts may go (forms, invitations and the dispatcher all keep to it). */
const SmsCountrySettings = {
  /** Comma-separated calling codes (`1,44,91`), or `*` for every country. */
  SMS_COUNTRY_CODES: z.string().default(DEFAULT_SMS_COUNTRY_CODES).pipe(SmsCountryCodes),
};

/**
 * The anonymous sign-up form's limits (shared/domain/public-forms.ts): posts per client address,
 * per phone-number prefix and overall, each per hour, counted in the table; and the least time an
 * answer takes, so that how long it takes tells nothing about who is already signed up.
 */
const PublicFormSettings = {
  SIGNUP_LIMIT_PER_CLIENT_PER_HOUR: positiveInt(20),
  SIGNUP_LIMIT_PER_NUMBER_PREFIX_PER_HOUR: positiveInt(10),
  SIGNUP_LIMIT_PER_HOUR: positiveInt(2_000),
  SIGNUP_RESPONSE_FLOOR_MS: z.coerce.number().int().min(0).max(10_000).default(1_200),
};

/** How long any call to another service (SES, Twilio, Cognito) may take. */
const ProviderSettings = {
  PROVIDER_TIMEOUT_MS: positiveInt(10_000),
};

/** The dispatcher's work, and the providers' limits every sender shares through the table. */
const DispatchSettings = {
  DISPATCH_LEASE_SECONDS: positiveInt(120),
  DISPATCH_MAX_SECONDS: positiveInt(50),
  DISPATCH_CONCURRENCY: positiveInt(8),
  /** Texts per second the sender takes: 1 for a long code (the default), 3 toll-free, 100 short code. */
  SMS_RATE_PER_SECOND: positiveInt(1),
  /** SES's maximum send rate for the account (14/s is SES's starting production quota). */
  EMAIL_RATE_PER_SECOND: positiveInt(14),
  /** SES's sending quota per 24 hours (50,000 to start); reaching it pauses email and alarms. */
  EMAIL_DAILY_QUOTA: positiveInt(50_000),
  /** Slack per pacing window for sends that land late (shared/domain/pacing.ts). */
  PACING_JITTER_MS: z.coerce.number().int().min(0).max(500).default(30),
  /**
   * Minutes between two routine texts to one person (two tracks can fall due in the same
   * minute): the second waits. Urgent texts never wait. 0 turns it off.
   */
  TEXT_SPACING_MINUTES: z.coerce.number().int().min(0).max(240).default(30),
};

/** SES bounce and complaint events on POST /webhooks/ses. */
const SesEventSettings = {
  /** The SNS topic SES publishes events to; only its SubscriptionConfirmation is confirmed. */
  SES_EVENTS_TOPIC_ARN: z.string().regex(/^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN').optional(),
  /** Local stack only: accept unsigned SES events (tests inject bounces). Never set in AWS. */
  LOCAL_SES_EVENTS: z.enum(['0', '1']).optional(),
};

/** Verifying counselors' tokens, Cognito's hosted sign-in, and shutting a removed counselor's accounts. */
const CounselorSignInSettings = {
  /**
   * Local stack only: where the local token issuer keeps its key pair (made on first start);
   * counselor tokens are then verified here. Unset in AWS, where API Gateway's JWT authorizer
   * verifies Cognito's tokens before the function runs.
   */
  LOCAL_COUNSELOR_JWT_DIR: z.string().min(1).optional(),
  /**
   * AWS: the counselors' user pool (`us-east-1_AbC123`) and app client. The API function verifies
   * Cognito access tokens itself where API Gateway's authorizer does not run (the dashboard's
   * cookie): issuer and key set come from the pool id, the client id must be the token's.
   */
  COUNSELOR_USER_POOL_ID: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]{1,55}$/, 'a Cognito user pool id such as us-east-1_AbC123').optional(),
  COUNSELOR_CLIENT_ID: z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'a Cognito app client id').optional(),
  /** How long the API waits for the pool's key set (fetched once per container, and again for a key it lacks). */
  COUNSELOR_JWKS_TIMEOUT_MS: positiveInt(3_000),
  /**
   * AWS: the pool's hosted sign-in domain (`https://<prefix>.auth.<region>.amazoncognito.com`).
   * With it (and the pool and client) the dashboard offers "Sign in" through /auth/start and
   * /auth/callback; without it only the pasted token works.
   */
  COUNSELOR_SIGN_IN_BASE_URL: z.url({ protocol: /^https$/, error: 'an https URL, the hosted sign-in domain' }).optional(),
};

type Refinable = { TWILIO_SECRET_ARN?: string; TWILIO_ACCOUNT_SID?: string; TWILIO_AUTH_TOKEN?: string; APP_SECRET_ARN?: string; TOKEN_SECRET?: string; COUNSELOR_USER_POOL_ID?: string; COUNSELOR_CLIENT_ID?: string };
const twilioCredentialsGiven = [
  (c: Refinable) => Boolean(c.TWILIO_SECRET_ARN || (c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN)),
  { message: 'set TWILIO_SECRET_ARN (AWS) or both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (local)' },
] as const;
const poolAndClientTogether = [
  (c: Refinable) => (c.COUNSELOR_USER_POOL_ID === undefined) === (c.COUNSELOR_CLIENT_ID === undefined),
  { message: 'set both COUNSELOR_USER_POOL_ID and COUNSELOR_CLIENT_ID, or neither' },
] as const;
const linkKeyGiven = [
  (c: Refinable) => Boolean(c.APP_SECRET_ARN || c.TOKEN_SECRET),
  { message: 'set APP_SECRET_ARN (AWS) or TOKEN_SECRET (local, 32+ characters)' },
] as const;

// ---- One schema per function: what it is told is what it may use (infra grants exactly these) -------

/** The dispatcher: sends email and texts with people's links in them, paced, and sweeps crisis alerts. */
export const DispatcherConfigSchema = z
  .object({ ...TableSettings, ...LinkSettings, ...EmailSettings, ...SmsSettings, ...WhatsAppSettings, ...SmsCountrySettings, ...ProviderSettings, ...DispatchSettings })
  .refine(...twilioCredentialsGiven)
  .refine(...linkKeyGiven);

/** The public API: webhooks (Twilio signatures, SES events), sign-up (it sends the confirmation and the YES text), people's links. */
export const ApiConfigSchema = z
  .object({ ...TableSettings, ...LinkSettings, ...EmailSettings, ...SmsSettings, ...WhatsAppSettings, ...SmsCountrySettings, ...ProviderSettings, ...DispatchSettings, ...SesEventSettings, ...PublicFormSettings })
  .refine(...twilioCredentialsGiven)
  .refine(...linkKeyGiven);

/**
 * The counselors' API and dashboard: no email or text goes from it (invitations are queued for the
 * dispatcher), so it is told neither sender nor Twilio's credentials.
 */
export const CounselorApiConfigSchema = z
  // SMS_COUNTRY_CODES: an announcement's preview counts texts only to numbers the dispatcher will text.
  .object({ ...TableSettings, ...LinkSettings, ...PostalSettings, ...ProviderSettings, ...CounselorSignInSettings, ...SmsCountrySettings })
  .refine(...poolAndClientTogether)
  .refine(...linkKeyGiven);

/** The weekly digest: emails counselors (no texts, no people's links). */
export const WeeklyDigestConfigSchema = z.object({ ...TableSettings, PUBLIC_BASE_URL: LinkSettings.PUBLIC_BASE_URL, ...EmailSettings, ...ProviderSettings });

/** Cognito's token trigger: reads counselor records, nothing else. */
export const CounselorTokenConfigSchema = z.object({ ...TableSettings });

/** Everything, for the CLI and the local stack, which do what all functions do. */
export const ConfigSchema = z
  .object({
    ...TableSettings,
    ...LinkSettings,
    ...EmailSettings,
    ...SmsSettings,
    ...WhatsAppSettings,
    ...SmsCountrySettings,
    ...ProviderSettings,
    ...DispatchSettings,
    ...SesEventSettings,
    ...PublicFormSettings,
    ...CounselorSignInSettings,
  })
  .refine(...twilioCredentialsGiven)
  .refine(...poolAndClientTogether)
  .refine(...linkKeyGiven);
export type Config = z.infer<typeof ConfigSchema>;
export type DispatcherConfig = z.infer<typeof DispatcherConfigSchema>;
export type ApiConfig = z.infer<typeof ApiConfigSchema>;
export type CounselorApiConfig = z.infer<typeof CounselorApiConfigSchema>;
export type WeeklyDigestConfig = z.infer<typeof WeeklyDigestConfigSchema>;

/** Each function's schema, by the handler names of infra/handlers.ts (test/infra/stacks.test.ts checks the stack sets exactly these). */
export const FUNCTION_CONFIG = {
  dispatcher: DispatcherConfigSchema,
  api: ApiConfigSchema,
  counselorApi: CounselorApiConfigSchema,
  weeklyDigest: WeeklyDigestConfigSchema,
  counselorToken: CounselorTokenConfigSchema,
} as const;
export type FunctionName = keyof typeof FUNCTION_CONFIG;

export class ConfigError extends Error {}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseWith(ConfigSchema, env);
}

/** One function's settings, failing fast with every problem named. */
function parseWith<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}

const cached = new Map<unknown, unknown>();
/** The configuration of this process as `schema` reads it (the whole by default), parsed on first use. */
export function config(): Config;
export function config<S extends z.ZodType>(schema: S): z.infer<S>;
export function config(schema: z.ZodType = ConfigSchema): unknown {
  if (!cached.has(schema)) cached.set(schema, parseWith(schema));
  return cached.get(schema);
}
