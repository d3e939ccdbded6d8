import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { Config } from '../config';

/**
 * Secrets: from Secrets Manager in AWS, from the environment locally. A malformed secret fails
 * loudly with the fields named, never the values.
 *
 * A secret read from Secrets Manager is kept for at most SECRETS_MAX_AGE_SECONDS (5 minutes by
 * default), then read again: a rotated Twilio token reaches warm containers within that time,
 * with no cold start (Twilio signs webhooks with the new token at once, so an old one kept
 * forever would refuse them). Each read costs one Secrets Manager call, so the age bounds the
 * cost too.
 */

const TwilioSecret = z.object({
  accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'accountSid must look like AC followed by 32 hex characters'),
  authToken: z.string().min(8),
});
export type TwilioCredentials = z.infer<typeof TwilioSecret>;
const AppSecret = z.object({ tokenSecret: z.string().min(32) });

const DEFAULT_SECRETS_MAX_AGE_SECONDS = 300;

export interface SecretCacheOptions {
  /** The secret's string (GetSecretValue's SecretString). */
  fetch: (arn: string) => Promise<string | undefined>;
  /** Milliseconds since the epoch; a fake in tests. */
  now: () => number;
}

export type ReadJsonSecret = <T>(arn: string, schema: z.ZodType<T>, shape: string, maxAgeMs: number) => Promise<T>;

/**
 * Reads JSON secrets, each kept until it is older than the age the caller gives. A failed read is
 * not kept: with nothing read yet the caller gets the failure, and the next read tries again;
 * once a value was read, a failed re-read (Secrets Manager unavailable, a malformed value put in
 * by mistake) keeps serving that value and the next read tries again, so a blip never stops
 * sending that worked a moment before. Concurrent reads share one call.
 */
export function createSecretCache(options: SecretCacheOptions): ReadJsonSecret {
  const entries = new Map<string, { value: Promise<unknown>; readAt: number }>();
  return <T>(arn: string, schema: z.ZodType<T>, shape: string, maxAgeMs: number): Promise<T> => {
    const now = options.now();
    const kept = entries.get(arn);
    if (kept && now - kept.readAt < maxAgeMs) return kept.value as Promise<T>;
    const fresh = (async () => {
      const text = await options.fetch(arn);
      let json: unknown;
      try {
        json = JSON.parse(text ?? '');
      } catch {
        throw new Error(`the secret is not JSON: expected ${shape}`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new Error(`the secret is malformed (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}): expected ${shape}`);
      return parsed.data;
    })();
    const entry = {
      readAt: now,
      value: fresh.catch((error: unknown) => {
        // Back to what was there (still past its age, so the next read tries again), or nothing.
        if (entries.get(arn) === entry) {
          if (kept) entries.set(arn, kept);
          else entries.delete(arn);
        }
        if (kept) return kept.value;
        throw error;
      }),
    };
    entries.set(arn, entry);
    return entry.value as Promise<T>;
  };
}

const fromSecretsManager = async (arn: string) => (await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;

/** This container's secrets. */
const readJsonSecret: ReadJsonSecret = createSecretCache({ fetch: fromSecretsManager, now: Date.now });

const maxAgeMs = (config: { SECRETS_MAX_AGE_SECONDS?: number }) => (config.SECRETS_MAX_AGE_SECONDS ?? DEFAULT_SECRETS_MAX_AGE_SECONDS) * 1000;

/** Twilio's credentials as they are now (at most SECRETS_MAX_AGE_SECONDS old): call it for each use, not once. */
export function twilioCredentials(
  config: Pick<Config, 'TWILIO_SECRET_ARN' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'> & { SECRETS_MAX_AGE_SECONDS?: number },
  read: ReadJsonSecret = readJsonSecret,
): Promise<TwilioCredentials> {
  if (!config.TWILIO_SECRET_ARN) return Promise.resolve({ accountSid: config.TWILIO_ACCOUNT_SID!, authToken: config.TWILIO_AUTH_TOKEN! });
  return read(config.TWILIO_SECRET_ARN, TwilioSecret, '{"accountSid": "AC...", "authToken": "..."}', maxAgeMs(config));
}

/**
 * The key that signs people's links. The composition roots read it once, at cold start: it is
 * generated at deploy and never rotated (a new key would void every link already sent).
 */
export async function tokenSecret(config: Pick<Config, 'APP_SECRET_ARN' | 'TOKEN_SECRET'> & { SECRETS_MAX_AGE_SECONDS?: number }, read: ReadJsonSecret = readJsonSecret): Promise<string> {
  if (!config.APP_SECRET_ARN) return config.TOKEN_SECRET!;
  return (await read(config.APP_SECRET_ARN, AppSecret, '{"tokenSecret": "<32+ characters>"}', maxAgeMs(config))).tokenSecret;
}
