import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../shared/adapters/dynamo/table';
import { javaProblem, startDynamoLocal } from './dynamo-local';
import { routeLikeApiGateway, serveApiHandler } from './http-server';
import { localSettings, localWhatsAppTemplates, LOCAL_TWILIO, type LocalSettings } from './settings';
import { startSesTwin } from './ses-twin';
import { startSmsSandbox } from './sms-sandbox';
import { localIssuer } from '../../shared/adapters/local-jwt';
import { seasonDateWarnings } from '../../shared/app/scheduling/season-warnings';
import { calendarData } from '../../shared/content';
import { findRunningStack, removeStackFile, stackFilePath, writeStackFile } from './stack-file';

/**
 * `npm start`: the whole service on this machine. DynamoDB Local (data under .data/), the SES
 * twin with its mailbox, the SMS sandbox with its phone page, the HTTP API, and a ticker that runs
 * the dispatcher every minute — the same handlers that run in AWS. Ctrl-C stops everything.
 */

export interface LocalStack {
  settings: LocalSettings;
  stop(): Promise<void>;
}

export async function startLocalStack(settings: LocalSettings, options: { inMemory?: boolean } = {}): Promise<LocalStack> {
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    Object.assign(process.env, settings.env);
    const dynamo = await startDynamoLocal({
      port: settings.ports.dynamo,
      dataDir: options.inMemory ? undefined : path.join(settings.dataDir, 'dynamodb'),
    });
    stoppers.push(dynamo.stop);
    await ensureTable(
      new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      settings.env.TABLE_NAME,
    );
    // The local counselor token issuer's key pair is made on first start, then kept.
    localIssuer(settings.env.LOCAL_COUNSELOR_JWT_DIR);
    const ses = await startSesTwin({ port: settings.ports.ses });
    stoppers.push(ses.stop);
    const sms = await startSmsSandbox({
      port: settings.ports.sms,
      accountSid: LOCAL_TWILIO.accountSid,
      authToken: LOCAL_TWILIO.authToken,
      inboundWebhookUrl: `${settings.env.PUBLIC_BASE_URL}/webhooks/twilio/sms`,
      inboundTo: LOCAL_TWILIO.from,
      whatsappTemplates: Object.fromEntries(localWhatsAppTemplates().map((t) => [t.sid, t.text])),
    });
    stoppers.push(sms.stop);

    // Imported only now: the handlers parse their configuration when first loaded.
    // One local address for both HTTP functions, routed by path as API Gateway routes them in AWS.
    const api = await serveApiHandler(
      routeLikeApiGateway({
        api: (await import('../../functions/api')).handler,
        counselorApi: (await import('../../functions/counselor-api')).handler,
      }),
      settings.ports.api,
    );
    stoppers.push(api.stop);

    if (settings.tickSeconds > 0) {
      const { handler: tick } = await import('../../functions/dispatcher');
      let running = false;
      const timer = setInterval(() => {
        if (running) return; // a slow tick is never overlapped by the next
        running = true;
        tick(undefined)
          .then((r) => {
            if (r.claimed) console.log(`[ticker] ${new Date().toISOString()} sent ${r.sent} (${r.segments.sms} text segment(s)), skipped ${r.skipped}, failed ${r.failed}, retry later ${r.retried}`);
          })
          .catch((e: Error) => console.error(`[ticker] ${e.message}`))
          .finally(() => { running = false; });
      }, settings.tickSeconds * 1000);
      stoppers.push(async () => clearInterval(timer));
    }
    return { settings, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main() {
  const problem = javaProblem();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const settings = localSettings();
  // Two stacks on one data directory would share DynamoDB's files and the CLI's pointer to them.
  const other = findRunningStack(settings.dataDir);
  if (other.status === 'running' && other.stack.pid !== process.pid) {
    console.error(
      `Another Match Coach stack (pid ${other.stack.pid}) is running with its data in ${settings.dataDir}: stop it first, or give this one its own MATCHCOACH_DATA_DIR.`,
    );
    process.exit(1);
  }
  let stack: LocalStack;
  try {
    stack = await startLocalStack(settings);
  } catch (error) {
    const message = (error as Error).message;
    console.error(/EADDRINUSE/.test(message) ? `A port is already in use (${message}). Is another "npm start" running?` : `Could not start: ${message}`);
    process.exit(1);
  }
  const { ports } = settings;
  writeStackFile(settings, process.pid, new Date());
  // However this process ends, the file must not send the CLI to ports nobody listens on.
  process.once('exit', () => removeStackFile(settings.dataDir, process.pid));
  const relativeFile = path.relative(process.cwd(), stackFilePath(settings.dataDir));
  const stackFile = relativeFile.startsWith('..') ? stackFilePath(settings.dataDir) : relativeFile;
  console.log(`
Match Coach is running locally.

  HTTP API          http://127.0.0.1:${ports.api}   (GET /health)
  Sign-up page      http://127.0.0.1:${ports.api}/   sign up as a person would; the email lands in the mailbox
  Mailbox (SES)     http://127.0.0.1:${ports.ses}   every email sent
  Phone (SMS, WA)   http://127.0.0.1:${ports.sms}/phone   every text and WhatsApp message, per number; reply from here
  DynamoDB Local    http://127.0.0.1:${ports.dynamo}   table ${settings.env.TABLE_NAME}, data in ${path.relative(process.cwd(), settings.dataDir) || '.'}/dynamodb
  Dispatcher        ${settings.tickSeconds > 0 ? `ticks every ${settings.tickSeconds} s` : 'ticker off (MATCHCOACH_TICK_SECONDS=0)'}

Try, in another terminal (the CLI finds this stack through ${stackFile}):
  npx matchcoach enroll --email you@example.com --phone +919812345678 --zone Asia/Kolkata --name Priya --sequence getting-started
  npx matchcoach tick                             # one dispatch now${settings.tickSeconds > 0 ? ' (the ticker runs one by itself too)' : ''}
  npx matchcoach messages --email you@example.com # what was sent, skipped or is planned
  curl -s http://127.0.0.1:${ports.api}/health
  export MATCHCOACH_TOKEN=$(npx matchcoach counselor add --org demo --org-name "Demo Advising" --email you@example.org --role admin)
  COHORT=$(npx matchcoach cohort create --name "Fall group" --season 2027 --sequence getting-started)
  npx matchcoach import docs/example-members.csv --cohort $COHORT   # counselors: README "Counselors"

Ctrl-C stops everything.
`);
  // Season dates nobody has announced yet are planned against an estimate: say so at start-up.
  for (const warning of seasonDateWarnings(calendarData(), new Date())) console.warn(`Warning: ${warning.message}`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Match Coach...');
    removeStackFile(settings.dataDir, process.pid);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (require.main === module) void main();
