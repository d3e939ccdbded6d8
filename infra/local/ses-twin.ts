import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import * as z from 'zod';
import { killWithParent } from './children';
import { waitForPort } from './net';

/*
 * What aws-ses-v2-local (2.10.x, read from its dist/ sources) does with a SendEmail call:
 * - Simple content: stores `Subject.Data`, `Body.Text.Data` and `Body.Html.Data` verbatim as
 *   `subject`, `body.text`, `body.html` (a part left out is absent from the JSON). No MIME is built
 *   and `Charset` is accepted but ignored, so what a test reads back is the exact string we sent.
 * - `Simple.Headers` are stored as `headers: [{ name, value }]` in the order sent, names as given
 *   (not lower-cased, not validated, not deduplicated); without Headers the key is absent.
 *   So RFC 8058's List-Unsubscribe / List-Unsubscribe-Post do survive and can be asserted.
 * - Raw content is parsed with mailparser into subject/body, but its headers are NOT stored.
 * - `EmailTags`, `ConfigurationSetName` and `ListManagementOptions` are accepted and dropped:
 *   tags cannot be checked through `/store`.
 * - Any `Authorization` header starting with `AWS` passes; signatures, verified identities, the
 *   sandbox and sending quotas are not modelled, and it never answers with an SES error class
 *   (schema failures are a bare 400), so faults have to be injected in front of it.
 * - With `SMTP_TRANSPORT` in its environment it also relays every email to that SMTP server;
 *   we strip that variable so a local run can never send real mail.
 * - `GET /store` (no auth) returns `{ templates, emails }`; `?since=<epoch seconds>` filters.
 */

const storedEmailSchema = z.object({
  messageId: z.string(),
  from: z.string(),
  replyTo: z.array(z.string()),
  destination: z.object({ to: z.array(z.string()), cc: z.array(z.string()), bcc: z.array(z.string()) }),
  subject: z.string(),
  body: z.object({ text: z.string().optional(), html: z.string().optional() }),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  /** Epoch seconds when the twin accepted it. */
  at: z.number(),
});
const storeSchema = z.object({ emails: z.array(storedEmailSchema) });

export type StoredEmail = z.infer<typeof storedEmailSchema>;

export interface RunningSesTwin {
  /** Point `SESv2Client` here (any region, any credentials). */
  endpoint: string;
  /** The twin's mailbox page, for people. */
  mailboxUrl: string;
  stop(): Promise<void>;
  /** Every email the twin has accepted since it started, oldest first. */
  emails(): Promise<StoredEmail[]>;
}

function twinBinPath(): string {
  const manifestPath = require.resolve('aws-ses-v2-local/package.json');
  const manifest = z
    .object({ bin: z.union([z.string(), z.record(z.string(), z.string())]) })
    .parse(require(manifestPath));
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin['aws-ses-v2-local'];
  if (!bin) throw new Error('aws-ses-v2-local declares no aws-ses-v2-local bin');
  return path.join(path.dirname(manifestPath), bin);
}

/**
 * Starts aws-ses-v2-local on 127.0.0.1 (its CLI takes `--host`; its own default is `::`, every
 * interface) and resolves once it accepts connections and answers its health check.
 */
export async function startSesTwin(options: { port: number }): Promise<RunningSesTwin> {
  const { SMTP_TRANSPORT: _neverRelay, ...env } = process.env;
  const child: ChildProcess = spawn(
    process.execPath,
    [twinBinPath(), '--host', '127.0.0.1', '--port', String(options.port)],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  killWithParent(child);
  // Keep only the tail of its output, to explain a failed start without unbounded buffering.
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString('utf8')).slice(-2_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const base = `http://127.0.0.1:${options.port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(force);
      }
    })();
    return stopping;
  };

  const ready = async () => {
    await waitForPort(options.port, 30_000);
    const health = await fetch(`${base}/health-check`, { signal: AbortSignal.timeout(5_000) });
    if (!health.ok) throw new Error(`aws-ses-v2-local health check answered ${health.status}`);
  };
  try {
    // An early exit (say the port was taken: it logs the error and exits 1) must fail the start
    // at once rather than wait out the timeout or talk to whoever holds the port.
    const earlyExit = exited.then(() => {
      throw new Error(`aws-ses-v2-local exited during start-up (code ${child.exitCode ?? child.signalCode})`);
    });
    earlyExit.catch(() => {});
    await Promise.race([ready(), earlyExit]);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('aws-ses-v2-local exited during start-up');
  } catch (error) {
    await stop();
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`${detail}\n--- aws-ses-v2-local output ---\n${output}`);
  }

  return {
    endpoint: base,
    mailboxUrl: `${base}/`,
    stop,
    async emails() {
      const response = await fetch(`${base}/store`);
      if (!response.ok) throw new Error(`aws-ses-v2-local /store answered ${response.status}`);
      return storeSchema.parse(await response.json()).emails;
    },
  };
}
