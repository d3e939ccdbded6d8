import http from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { createSesEmailSender } from '../../shared/adapters/ses/ses-email-sender';
import { createTwilioSmsSender } from '../../shared/adapters/twilio/twilio-sms-sender';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchDeps } from '../../shared/app/dispatch/deps';
import type { Clock, EmailSender, SmsSender } from '../../shared/ports';

/**
 * One dispatcher tick in a process of its own, on the real adapters and the local twins, at a
 * fixed instant. The dispatcher integration test starts it as a child and SIGKILLs it mid-send,
 * which no in-process fake can do: the claim is left behind with nobody to finish it.
 *
 *   node node_modules/tsx/dist/cli.mjs test/support/dispatch-once.ts
 *
 * Everything comes from the environment (DispatchOnceEnv). Stdout carries one JSON line per event
 * (`sending` before each provider call, `report` at the end): ids and counts only, never an
 * address, a number or a text. Exit 0 after a clean tick, 1 if the tick hit faults, 2 on bad env.
 *
 * The test builds its in-process dispatchers with `dispatchDeps` too, so the child and the test
 * run exactly the same composition.
 */

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const localUrl = z.url({ protocol: /^http$/, hostname: /^127\.0\.0\.1$/, error: 'must be an http://127.0.0.1 URL' });

export const DispatchOnceEnv = z.object({
  DISPATCH_TABLE_NAME: z.string().min(3),
  DISPATCH_DYNAMODB_ENDPOINT: localUrl,
  /** The SMS sandbox's base URL (the Twilio adapter's apiBase). */
  DISPATCH_TWILIO_API_BASE: localUrl,
  DISPATCH_TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/, 'must be AC followed by 32 hex digits'),
  DISPATCH_TWILIO_AUTH_TOKEN: z.string().min(8),
  DISPATCH_TWILIO_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number'),
  /** The SES twin's endpoint. */
  DISPATCH_SES_ENDPOINT: localUrl,
  /** The instant the tick runs at (the fake clock): an ISO 8601 instant with offset. */
  DISPATCH_NOW: z.iso.datetime({ offset: true }),
  DISPATCH_LEASE_SECONDS: positiveInt(120),
  DISPATCH_CONCURRENCY: positiveInt(8),
  DISPATCH_MAX_MS: positiveInt(30_000),
  DISPATCH_PROVIDER_TIMEOUT_MS: positiveInt(10_000),
});
export type DispatchOnceEnv = z.infer<typeof DispatchOnceEnv>;

const EMAIL_FROM = 'Match Coach <coach@example.test>';
const POSTAL_ADDRESS = 'Match Coach, 1 Test Street, Boston, MA';

/** The dispatcher's ports on the real adapters; `close` releases their sockets. */
export function dispatchDeps(env: DispatchOnceEnv, clock: Clock): { deps: DispatchDeps; close(): void } {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const dynamo = new DynamoDBClient({ endpoint: env.DISPATCH_DYNAMODB_ENDPOINT, region: 'us-east-1', credentials, requestHandler: { httpAgent } });
  // One request per send, bounded like the Twilio one: retries are the dispatcher's (lease, backoff).
  const ses = new SESv2Client({
    endpoint: env.DISPATCH_SES_ENDPOINT,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: { requestTimeout: env.DISPATCH_PROVIDER_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  const deps: DispatchDeps = {
    store: createDynamoStore({ client: dynamo, tableName: env.DISPATCH_TABLE_NAME }),
    email: createSesEmailSender({ client: ses, from: EMAIL_FROM }),
    sms: createTwilioSmsSender({
      accountSid: env.DISPATCH_TWILIO_ACCOUNT_SID,
      authToken: env.DISPATCH_TWILIO_AUTH_TOKEN,
      from: env.DISPATCH_TWILIO_FROM,
      apiBase: env.DISPATCH_TWILIO_API_BASE,
      timeoutMs: env.DISPATCH_PROVIDER_TIMEOUT_MS,
    }),
    clock,
    // No fixed library: each tick loads the shipped one (sequenceLibrary(), pools, calendar) plus
    // the calendar corrections stored in the table, as the deployed dispatcher does.
    settings: {
      leaseSeconds: env.DISPATCH_LEASE_SECONDS,
      concurrency: env.DISPATCH_CONCURRENCY,
      maxDurationMs: env.DISPATCH_MAX_MS,
      postalAddress: POSTAL_ADDRESS,
    },
  };
  return {
    deps,
    close() {
      dynamo.destroy();
      httpAgent.destroy();
      ses.destroy();
    },
  };
}

/** A line on stdout just before each provider call, so a test knows the send is under way. */
function announced<T extends EmailSender | SmsSender>(sender: T, channel: 'email' | 'sms'): T {
  return {
    send(message: Parameters<T['send']>[0]) {
      emit({ event: 'sending', channel, messageId: message.messageId });
      return sender.send(message as never);
    },
  } as T;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const parsed = DispatchOnceEnv.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`).join('; ');
    process.stderr.write(`dispatch-once: invalid environment: ${problems}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const now = new Date(env.DISPATCH_NOW);
  const { deps, close } = dispatchDeps(env, { now: () => now });
  const report = await createDispatcher({ ...deps, email: announced(deps.email, 'email'), sms: announced(deps.sms, 'sms') })();
  emit({ event: 'report', ...report });
  close();
  process.exit(report.errors > 0 ? 1 : 0);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`dispatch-once: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
