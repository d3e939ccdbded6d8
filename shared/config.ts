import * as z from 'zod';

/**
 * Every setting the handlers read, as one zod schema over process.env, parsed once at cold start.
 * A missing or malformed setting stops the function at start-up with a message naming it,
 * instead of failing later on a send. The CDK stack sets these through one helper
 * (ServiceFunction), and `npm start` sets them for the local stack.
 */
const optionalUrl = z.url().optional();
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const ConfigSchema = z
  .object({
    TABLE_NAME: z.string().min(3),
    /** Local only: DynamoDB Local, the SES twin and the SMS sandbox. Unset in AWS. */
    DYNAMODB_ENDPOINT: optionalUrl,
    SES_ENDPOINT: optionalUrl,
    TWILIO_API_BASE: optionalUrl,
    EMAIL_FROM: z.string().min(3),
    /** SES v2 configuration set: where bounces and complaints are published (unset locally). */
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
    POSTAL_ADDRESS: z.string().min(5),
    PUBLIC_BASE_URL: z.url(),
    /** Our sending number (E.164) or a Messaging Service SID (MG...). */
    TWILIO_FROM: z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-f]{32})$/, 'an E.164 number or a Messaging Service SID'),
    /** In AWS the Twilio credentials live in Secrets Manager; locally they come from the env. */
    TWILIO_SECRET_ARN: z.string().startsWith('arn:').optional(),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/).optional(),
    TWILIO_AUTH_TOKEN: z.string().min(8).optional(),
    /** Signs links (unsubscribe, preferences, calendar, confirmation): Secrets Manager in AWS. */
    APP_SECRET_ARN: z.string().startsWith('arn:').optional(),
    TOKEN_SECRET: z.string().min(32, 'TOKEN_SECRET must be at least 32 characters').optional(),
    DISPATCH_LEASE_SECONDS: positiveInt(120),
    DISPATCH_MAX_SECONDS: positiveInt(50),
    DISPATCH_CONCURRENCY: positiveInt(8),
    PROVIDER_TIMEOUT_MS: positiveInt(10_000),
    // ---- Pacing to the providers' limits (issue 7), shared by every dispatcher through the table ----
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
    // ---- Email subscription (issue 4): SES bounce and complaint events on POST /webhooks/ses ----
    /** The SNS topic SES publishes events to; only its SubscriptionConfirmation is confirmed. */
    SES_EVENTS_TOPIC_ARN: z.string().regex(/^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN').optional(),
    /** Local stack only: accept unsigned SES events (tests inject bounces). Never set in AWS. */
    LOCAL_SES_EVENTS: z.enum(['0', '1']).optional(),
    // ---- Counselors (issue 5) ----
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
    /** How long the API waits for the pool's key set (fetched once per container). */
    COUNSELOR_JWKS_TIMEOUT_MS: positiveInt(3_000),
    /**
     * AWS: the pool's hosted sign-in domain (`https://<prefix>.auth.<region>.amazoncognito.com`).
     * With it (and the pool and client) the dashboard offers "Sign in" through /auth/start and
     * /auth/callback; without it only the pasted token works.
     */
    COUNSELOR_SIGN_IN_BASE_URL: z.url({ protocol: /^https$/, error: 'an https URL, the hosted sign-in domain' }).optional(),
  })
  .refine((c) => c.TWILIO_SECRET_ARN || (c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN), {
    message: 'set TWILIO_SECRET_ARN (AWS) or both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (local)',
  })
  .refine((c) => (c.COUNSELOR_USER_POOL_ID === undefined) === (c.COUNSELOR_CLIENT_ID === undefined), {
    message: 'set both COUNSELOR_USER_POOL_ID and COUNSELOR_CLIENT_ID, or neither',
  })
  .refine((c) => c.APP_SECRET_ARN || c.TOKEN_SECRET, {
    message: 'set APP_SECRET_ARN (AWS) or TOKEN_SECRET (local, 32+ characters)',
  });
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}

let cached: Config | undefined;
/** The configuration of this process, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
