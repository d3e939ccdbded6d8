import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { Config } from '../config';

/**
 * Secrets: from Secrets Manager in AWS (read once per container), from the environment locally.
 * A malformed secret fails loudly with the fields named, never the values.
 */

const TwilioSecret = z.object({
  accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'accountSid must look like AC followed by 32 hex characters'),
  authToken: z.string().min(8),
});
export type TwilioCredentials = z.infer<typeof TwilioSecret>;
const AppSecret = z.object({ tokenSecret: z.string().min(32) });

const cache = new Map<string, Promise<unknown>>();

/** Reads a JSON secret once; a failure is not cached, so the next invocation tries again. */
function readJsonSecret<T>(arn: string, schema: z.ZodType<T>, shape: string): Promise<T> {
  let pending = cache.get(arn) as Promise<T> | undefined;
  if (!pending) {
    pending = (async () => {
      const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
      let json: unknown;
      try {
        json = JSON.parse(out.SecretString ?? '');
      } catch {
        throw new Error(`the secret is not JSON: expected ${shape}`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new Error(`the secret is malformed (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}): expected ${shape}`);
      return parsed.data;
    })();
    pending.catch(() => cache.delete(arn));
    cache.set(arn, pending);
  }
  return pending;
}

export function twilioCredentials(config: Pick<Config, 'TWILIO_SECRET_ARN' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>): Promise<TwilioCredentials> {
  if (!config.TWILIO_SECRET_ARN) return Promise.resolve({ accountSid: config.TWILIO_ACCOUNT_SID!, authToken: config.TWILIO_AUTH_TOKEN! });
  return readJsonSecret(config.TWILIO_SECRET_ARN, TwilioSecret, '{"accountSid": "AC...", "authToken": "..."}');
}

/** The key that signs people's links. */
export async function tokenSecret(config: Pick<Config, 'APP_SECRET_ARN' | 'TOKEN_SECRET'>): Promise<string> {
  if (!config.APP_SECRET_ARN) return config.TOKEN_SECRET!;
  return (await readJsonSecret(config.APP_SECRET_ARN, AppSecret, '{"tokenSecret": "<32+ characters>"}')).tokenSecret;
}
