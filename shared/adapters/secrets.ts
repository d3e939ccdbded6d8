import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { Config } from '../config';

const TwilioSecret = z.object({
  accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'accountSid must look like AC followed by 32 hex characters'),
  authToken: z.string().min(8),
});
export type TwilioCredentials = z.infer<typeof TwilioSecret>;

let cached: Promise<TwilioCredentials> | undefined;

/**
 * Twilio credentials: from Secrets Manager in AWS (read once per container), from the
 * environment locally. A malformed secret fails loudly with the field named, never the value.
 */
export function twilioCredentials(config: Config): Promise<TwilioCredentials> {
  if (!config.TWILIO_SECRET_ARN) {
    return Promise.resolve({ accountSid: config.TWILIO_ACCOUNT_SID!, authToken: config.TWILIO_AUTH_TOKEN! });
  }
  cached ??= (async () => {
    const client = new SecretsManagerClient({});
    const out = await client.send(new GetSecretValueCommand({ SecretId: config.TWILIO_SECRET_ARN }));
    let json: unknown;
    try {
      json = JSON.parse(out.SecretString ?? '');
    } catch {
      throw new Error('the Twilio secret is not JSON: expected {"accountSid": "...", "authToken": "..."}');
    }
    const parsed = TwilioSecret.safeParse(json);
    if (!parsed.success) throw new Error(`the Twilio secret is malformed: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    return parsed.data;
  })().catch((error) => {
    cached = undefined; // let the next invocation try again
    throw error;
  });
  return cached;
}

const AppSecret = z.object({ tokenSecret: z.string().min(32) });
let cachedApp: Promise<string> | undefined;

/** The key that signs people's links: Secrets Manager in AWS (read once), the env locally. */
export function tokenSecret(config: Config): Promise<string> {
  if (!config.APP_SECRET_ARN) return Promise.resolve(config.TOKEN_SECRET!);
  cachedApp ??= (async () => {
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: config.APP_SECRET_ARN }));
    let json: unknown;
    try {
      json = JSON.parse(out.SecretString ?? '');
    } catch {
      throw new Error('the app secret is not JSON: expected {"tokenSecret": "..."}');
    }
    const parsed = AppSecret.safeParse(json);
    if (!parsed.success) throw new Error('the app secret is malformed: tokenSecret must be a string of 32+ characters');
    return parsed.data.tokenSecret;
  })().catch((error) => {
    cachedApp = undefined;
    throw error;
  });
  return cachedApp;
}
