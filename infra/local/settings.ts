import { createHash } from 'node:crypto';
import path from 'node:path';
import * as z from 'zod';
import type { RunningStack } from './stack-file';
import { whatsappTemplateTable } from '../../shared/content';

/**
 * The local stack's ports and the environment its handlers run with. `npm start` and the
 * end-to-end tests read it from here; the CLI (when no TABLE_NAME is set) builds the same
 * environment from the ports the running stack wrote down (./stack-file.ts).
 */
/** The repository: a relative MATCHCOACH_DATA_DIR is taken from here, whatever the shell's directory. */
const REPO_ROOT = path.resolve(__dirname, '../..');

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const LocalPorts = z.object({
  PORT: port(3000),
  MATCHCOACH_DYNAMO_PORT: port(8000),
  MATCHCOACH_SES_PORT: port(8005),
  MATCHCOACH_SMS_PORT: port(8010),
  MATCHCOACH_DATA_DIR: z.string().default('.data'),
  /** Seconds between dispatcher ticks; 0 turns the ticker off (tests tick by hand). */
  MATCHCOACH_TICK_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
});

export const LOCAL_TWILIO = {
  accountSid: 'AC00000000000000000000000000000000',
  authToken: 'local-sandbox-auth-token',
  from: '+15005550006',
};

/** The data directory these variables name (absolute). */
export const localDataDir = (env: NodeJS.ProcessEnv = process.env) => path.resolve(REPO_ROOT, env.MATCHCOACH_DATA_DIR || '.data');
/** The local WhatsApp sender: the same sandbox number, as a WhatsApp address. */
export const LOCAL_WHATSAPP_FROM = `whatsapp:${LOCAL_TWILIO.from}`;

/**
 * Every template in shared/content/whatsapp-templates.json, "approved" locally: a Content SID
 * made from its name (stable across runs), registered in the sandbox and given to the handlers.
 */
export function localWhatsAppTemplates(): { sid: string; name: string; text: string }[] {
  return whatsappTemplateTable().templates.map((t) => ({ sid: `HX${createHash('sha256').update(t.name).digest('hex').slice(0, 32)}`, name: t.name, text: t.text }));
}

export function localSettings(env: NodeJS.ProcessEnv = process.env) {
  const parsed = LocalPorts.safeParse(env);
  if (!parsed.success) {
    throw new Error(`local settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const p = parsed.data;
  const dataDir = path.resolve(REPO_ROOT, p.MATCHCOACH_DATA_DIR);
  const api = `http://127.0.0.1:${p.PORT}`;
  return {
    ports: { api: p.PORT, dynamo: p.MATCHCOACH_DYNAMO_PORT, ses: p.MATCHCOACH_SES_PORT, sms: p.MATCHCOACH_SMS_PORT },
    dataDir,
    tickSeconds: p.MATCHCOACH_TICK_SECONDS,
    /** What the handlers' config schema (shared/config.ts) reads. */
    env: {
      TABLE_NAME: 'matchcoach-local',
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${p.MATCHCOACH_DYNAMO_PORT}`,
      SES_ENDPOINT: `http://127.0.0.1:${p.MATCHCOACH_SES_PORT}`,
      TWILIO_API_BASE: `http://127.0.0.1:${p.MATCHCOACH_SMS_PORT}`,
      EMAIL_FROM: 'Match Coach <coach@matchcoach.local>',
      POSTAL_ADDRESS: 'Match Coach, 100 Example Street, Boston, MA 02110, USA',
      PUBLIC_BASE_URL: api,
      TWILIO_FROM: LOCAL_TWILIO.from,
      TWILIO_ACCOUNT_SID: LOCAL_TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: LOCAL_TWILIO.authToken,
      // WhatsApp through the same sandbox, with every template approved (the sandbox knows them too).
      WHATSAPP_FROM: LOCAL_WHATSAPP_FROM,
      WHATSAPP_TEMPLATES: localWhatsAppTemplates().map((t) => `${t.name}=${t.sid}`).join(','),
      // Local only: signs people's links. AWS reads it from Secrets Manager (APP_SECRET_ARN).
      TOKEN_SECRET: 'local-only-token-secret-do-not-use-in-aws-0123456789',
      // Local only: POST /webhooks/ses takes unsigned SES events, so tests can inject bounces.
      LOCAL_SES_EVENTS: '1',
      // Everyone is 127.0.0.1 here: the per-client cap on sign-ups is roomier than in AWS.
      SIGNUP_LIMIT_PER_CLIENT_PER_HOUR: env.SIGNUP_LIMIT_PER_CLIENT_PER_HOUR ?? '200',
      ...(env.SIGNUP_RESPONSE_FLOOR_MS && { SIGNUP_RESPONSE_FLOOR_MS: env.SIGNUP_RESPONSE_FLOOR_MS }),
      // Local only: the counselor token issuer's key pair, made on first start.
      LOCAL_COUNSELOR_JWT_DIR: path.join(dataDir, 'counselor-jwt'),
      // Local DynamoDB Local writes need the SDK to have a region and credentials.
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // Node 20 works; the SDK's notice about Node 22 would only clutter the local output.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  };
}
export type LocalSettings = ReturnType<typeof localSettings>;

/** The settings of a stack that is running, from what it wrote down (the CLI's view of it). */
export function settingsOfRunningStack(stack: RunningStack, env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const settings = localSettings({
    POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL,
    PORT: String(stack.ports.api),
    MATCHCOACH_DYNAMO_PORT: String(stack.ports.dynamo),
    MATCHCOACH_SES_PORT: String(stack.ports.ses),
    MATCHCOACH_SMS_PORT: String(stack.ports.sms),
    MATCHCOACH_DATA_DIR: stack.dataDir,
    MATCHCOACH_TICK_SECONDS: '0',
  });
  return { ...settings, env: { ...settings.env, TABLE_NAME: stack.tableName } };
}
