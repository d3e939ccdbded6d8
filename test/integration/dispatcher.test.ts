import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../infra/local/net';
import { startSesTwin, type RunningSesTwin } from '../../infra/local/ses-twin';
import { startSmsSandbox, type SandboxMessage, type SmsSandbox } from '../../infra/local/sms-sandbox';
import { createTwilioSmsSender } from '../../shared/adapters/twilio/twilio-sms-sender';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchReport } from '../../shared/app/dispatch/deps';
import { enroll } from '../../shared/app/scheduling/enroll';
import type { Message } from '../../shared/domain/model';
import { DispatchOnceEnv, dispatchDeps } from '../support/dispatch-once';
import { testDynamoEndpoint, testTable } from '../support/dynamo';

/**
 * The real dispatcher on the real local twins: DynamoDB Local through the Dynamo store, the SMS
 * sandbox through the Twilio adapter, aws-ses-v2-local through the SES adapter. The same
 * scenarios as test/unit/dispatch.test.ts, plus what only real processes and sockets can show:
 * dispatchers racing over one table, a dispatcher process killed mid-send, and a provider that
 * took a text but whose answer was lost. The clock is a fake; wall-clock speed is never asserted.
 */

const ZONE = 'Asia/Kolkata';
const ENROLLED_AT = '2027-01-04T04:00:00Z';
const WELCOME_DUE = '2027-01-04T13:31:00Z'; // 19:01 in Kolkata: every welcome is due
const LEASE_SECONDS = 120;
const REPO_ROOT = path.resolve(__dirname, '../..');
const TSX_CLI = path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const DISPATCH_ONCE = path.join(REPO_ROOT, 'test/support/dispatch-once.ts');

const twilioAccount = { sid: `AC${randomBytes(16).toString('hex')}`, token: randomBytes(16).toString('hex'), from: '+15005550006' };

let sandbox: SmsSandbox | undefined;
let twin: RunningSesTwin | undefined;

beforeAll(async () => {
  sandbox = await startSmsSandbox({ port: await freePort(), accountSid: twilioAccount.sid, authToken: twilioAccount.token, statusDelayMs: 5 });
  twin = await startSesTwin({ port: await freePort() });
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  await twin?.stop();
});

/** Undone after each test, last first: tables, clients, child processes. */
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  sandbox?.reset();
  while (cleanups.length > 0) await cleanups.pop()!();
});

const sms = () => sandbox!;
const ses = () => twin!;

/** One fresh table and the dispatcher's real ports over it, at a fake, movable instant. */
async function world(options: { providerTimeoutMs?: number; maxMs?: number } = {}) {
  const table = await testTable();
  cleanups.push(() => table.drop());
  let now = new Date(ENROLLED_AT);
  const clock = { now: () => now };
  const env = DispatchOnceEnv.parse({
    DISPATCH_TABLE_NAME: table.tableName,
    DISPATCH_DYNAMODB_ENDPOINT: testDynamoEndpoint(),
    DISPATCH_TWILIO_API_BASE: sms().url,
    DISPATCH_TWILIO_ACCOUNT_SID: twilioAccount.sid,
    DISPATCH_TWILIO_AUTH_TOKEN: twilioAccount.token,
    DISPATCH_TWILIO_FROM: twilioAccount.from,
    DISPATCH_SES_ENDPOINT: ses().endpoint,
    DISPATCH_NOW: WELCOME_DUE,
    DISPATCH_LEASE_SECONDS: String(LEASE_SECONDS),
    DISPATCH_CONCURRENCY: '8',
    DISPATCH_MAX_MS: String(options.maxMs ?? 30_000),
    DISPATCH_PROVIDER_TIMEOUT_MS: String(options.providerTimeoutMs ?? 5_000),
  });
  const { deps, close } = dispatchDeps(env, clock);
  cleanups.push(close);
  // Email addresses carry a per-world tag: the SES twin keeps every email of the file's run.
  const tag = randomBytes(4).toString('hex');
  return {
    env,
    deps,
    store: deps.store,
    now: () => now,
    at: (iso: string) => { now = new Date(iso); },
    advance: (ms: number) => { now = new Date(now.getTime() + ms); },
    dispatch: createDispatcher(deps),
    emailOf: (i: number) => `p${i}.${tag}@example.com`,
    phoneOf: (i: number) => `+91981234${String(i).padStart(4, '0')}`,
    enroll: (over: Record<string, unknown> = {}) =>
      enroll(deps, {
        email: `priya.${tag}@example.com`,
        phone: '+919812345678',
        firstName: 'Priya',
        timeZone: ZONE,
        sequenceId: 'getting-started',
        season: 2027,
        anchors: { step2_exam: '2027-01-20' },
        ...over,
      }),
  };
}
type World = Awaited<ReturnType<typeof world>>;

/** Texts the dispatcher sent through the sandbox (not inbound texts nor TwiML replies). */
const textsTo = (phone?: string): SandboxMessage[] => sms().messages(phone ? { to: phone } : {}).filter((m) => m.direction === 'outbound-api');
const emailsTo = async (address: string) => (await ses().emails()).filter((e) => e.destination.to.includes(address));

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function sum(reports: DispatchReport[], field: 'claimed' | 'sent' | 'skipped' | 'failed' | 'retried' | 'errors'): number {
  return reports.reduce((total, r) => total + r[field], 0);
}

async function welcomeOf(w: World, personId: string, channel: Message['channel']): Promise<Message> {
  const found = (await w.store.listMessages(personId)).find((m) => m.stepId === 'welcome' && m.channel === channel);
  if (!found) throw new Error(`no ${channel} welcome for ${personId}`);
  return found;
}

/** Ticks minute by minute (skipping empty stretches) until `untilIso`; bounded. As in the unit tests. */
async function walk(w: World, untilIso: string): Promise<void> {
  const until = Date.parse(untilIso);
  for (let i = 0; i < 1_000 && w.now().getTime() <= until; i++) {
    await w.dispatch();
    const due = (await w.store.listDueMessages(new Date(until), 1))[0];
    if (!due) break;
    const next = Math.max(Date.parse(due.dueAt), w.now().getTime() + 60_000);
    w.at(new Date(Math.ceil(next / 60_000) * 60_000).toISOString());
  }
}

async function enrollMany(w: World, people: number): Promise<string[]> {
  const ids: string[] = [];
  // A few at a time: enrolling is ~8 sequential DynamoDB calls per person.
  for (let start = 0; start < people; start += 10) {
    const batch = Array.from({ length: Math.min(10, people - start) }, (_, k) => start + k);
    const results = await Promise.all(batch.map((i) => w.enroll({ email: w.emailOf(i), phone: w.phoneOf(i) })));
    ids.push(...results.map((r) => r.personId));
  }
  return ids;
}

describe('dispatchers racing over one DynamoDB Local table', () => {
  const PEOPLE = 60;

  async function raceDispatchers(dispatchers: number): Promise<void> {
    const w = await world({ maxMs: 120_000 });
    const personIds = await enrollMany(w, PEOPLE);
    w.at(WELCOME_DUE);

    const reports = await Promise.all(Array.from({ length: dispatchers }, () => createDispatcher(w.deps)()));

    expect(sum(reports, 'errors')).toBe(0);
    expect(sum(reports, 'claimed')).toBe(2 * PEOPLE); // every message claimed once, whoever won
    expect(sum(reports, 'sent')).toBe(2 * PEOPLE);
    expect(sum(reports, 'retried') + sum(reports, 'failed') + sum(reports, 'skipped')).toBe(0);

    // The providers saw exactly one welcome per person and channel.
    const texts = textsTo();
    expect(texts).toHaveLength(PEOPLE);
    const textsPerPhone = countBy(texts, (t) => t.to);
    expect(textsPerPhone.size).toBe(PEOPLE);
    expect([...textsPerPhone.values()].every((n) => n === 1)).toBe(true);

    const ours = new Set(Array.from({ length: PEOPLE }, (_, i) => w.emailOf(i)));
    const emails = (await ses().emails()).filter((e) => e.destination.to.some((to) => ours.has(to)));
    expect(emails).toHaveLength(PEOPLE);
    const emailsPerAddress = countBy(emails, (e) => e.destination.to.join(','));
    expect(emailsPerAddress.size).toBe(PEOPLE);
    expect([...emailsPerAddress.values()].every((n) => n === 1)).toBe(true);

    // The store agrees: each welcome sent once, with the provider's id, and each lane's next
    // message planned exactly once even though several dispatchers planned ahead at the same time.
    const sidByPhone = new Map(texts.map((t) => [t.to, t.sid]));
    for (const [i, personId] of personIds.entries()) {
      const messages = await w.store.listMessages(personId);
      const welcomes = messages.filter((m) => m.stepId === 'welcome');
      expect(welcomes.map((m) => m.status)).toEqual(['sent', 'sent']);
      for (const m of welcomes) expect(m.attempts.map((a) => a.outcome)).toEqual(['sent']);
      expect(welcomes.find((m) => m.channel === 'sms')!.providerId).toBe(sidByPhone.get(w.phoneOf(i)));
      const next = messages.filter((m) => m.stepId !== 'welcome');
      expect(next.map((m) => `${m.channel}:${m.status}`).sort()).toEqual(['email:planned', 'sms:planned']);
    }
    expect(await w.store.listDueMessages(w.now(), 10)).toEqual([]);
  }

  it('two dispatchers at once deliver each of 120 welcomes exactly once', () => raceDispatchers(2), 60_000);
  it('four dispatchers at once deliver each of 120 welcomes exactly once', () => raceDispatchers(4), 60_000);
});

// ---- A dispatcher process killed mid-send ------------------------------------------------------

interface RunningChild {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stdout lines so far (JSON events), and stderr's tail for failure messages. */
  lines: string[];
  stderr(): string;
  /** SIGKILL to the child's whole process group: tsx's CLI runs the script in a grandchild. */
  kill(): void;
}

function startDispatchOnce(env: DispatchOnceEnv): RunningChild {
  const vars = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  const child = spawn(process.execPath, [TSX_CLI, DISPATCH_ONCE], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...vars, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so one kill reaches tsx and the node process running the script.
    detached: true,
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4_000); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => { done = true; });
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // already gone
    }
  };
  cleanups.push(async () => {
    kill(); // the group, even if the tsx parent is gone and a grandchild is not
    if (!done) await exited;
  });
  return { child, exited, lines, stderr: () => stderr, kill };
}

/** Polls until `check` holds; fails early if the child died, and after `timeoutMs` in any case. */
async function until(what: string, run: RunningChild, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      throw new Error(`dispatch-once exited (${run.child.exitCode ?? run.child.signalCode}) before ${what}:\n${run.stderr()}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; stderr:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A TCP relay in front of the sandbox that counts the whole HTTP requests it has passed on, so
 * the test knows the killed dispatcher's request really reached the provider (a "sending" line
 * from the child only says the adapter was called: the kill could land before the bytes leave).
 */
async function startRelay(target: string): Promise<{ url: string; forwarded(): number; stop(): Promise<void> }> {
  const targetPort = Number(new URL(target).port);
  let forwarded = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined); // either side may be killed mid-request: that is the test
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk, () => {
        // Count the requests complete in what has been written (Content-Length framing).
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          const headerEnd = pending.indexOf('\r\n\r\n');
          if (headerEnd < 0) return;
          const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(pending.subarray(0, headerEnd).toString('latin1'))?.[1] ?? 0);
          if (pending.length < headerEnd + 4 + length) return;
          pending = pending.subarray(headerEnd + 4 + length);
          forwarded += 1;
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded: () => forwarded,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * True when the sandbox answers a create at once, i.e. no injected fault is waiting. The probe
 * texts an opted-out number, so the sandbox answers 21610 and stores nothing.
 */
async function noFaultPending(): Promise<boolean> {
  const probe = '+15550000000';
  sms().optOut(probe);
  const sender = createTwilioSmsSender({ accountSid: twilioAccount.sid, authToken: twilioAccount.token, from: twilioAccount.from, apiBase: sms().url, timeoutMs: 2_000 });
  const result = await sender.send({ to: probe, body: 'probe', messageId: 'probe' });
  sms().optIn(probe);
  return result.status === 'failed' && !result.retryable && result.code === 'opted_out';
}

describe('a dispatcher process killed after claiming', () => {
  it('leaves a lease that holds the message until it ends; the next tick sends it exactly once', async () => {
    const w = await world();
    const phone = '+919812340001';
    const { personId } = await w.enroll({ email: undefined, phone });
    w.at(WELCOME_DUE);
    const [ref] = await w.store.listDueMessages(w.now(), 10);
    expect(ref).toBeDefined();
    const { messageId } = ref!;

    // The provider takes the request and never answers ('hang' stores nothing, unlike
    // 'accept-then-hang'), and the child's own timeout is far beyond the test's life.
    sms().injectFaults({ mode: 'hang', count: 1 });
    const relay = await startRelay(sms().url);
    cleanups.push(() => relay.stop());
    const run = startDispatchOnce({ ...w.env, DISPATCH_TWILIO_API_BASE: relay.url, DISPATCH_NOW: WELCOME_DUE, DISPATCH_PROVIDER_TIMEOUT_MS: 600_000 });
    await until('the claim', run, async () => (await w.store.getMessage(personId, messageId))?.status === 'claimed');
    await until('the send to reach the sandbox', run, () => relay.forwarded() >= 1, 10_000);
    // The sandbox runs in this process: let it read the request it was just handed.
    await new Promise((r) => setTimeout(r, 100));
    run.kill();
    expect((await run.exited).signal).toBe('SIGKILL');
    expect(run.lines.filter((line) => line.includes('"sending"'))).toHaveLength(1);
    expect(run.lines.some((line) => line.includes('"report"'))).toBe(false);
    // The killed request took the 'hang' fault: the provider is healthy for whoever comes next.
    expect(await noFaultPending()).toBe(true);

    // Dead mid-send: nothing delivered, nothing recorded, the lease still held.
    expect(textsTo(phone)).toEqual([]);
    const orphan = (await w.store.getMessage(personId, messageId))!;
    expect(orphan.status).toBe('claimed');
    expect(orphan.attempts).toEqual([]);
    expect(orphan.lease?.until).toBe(new Date(Date.parse(WELCOME_DUE) + LEASE_SECONDS * 1000).toISOString());

    // Same instant, in process: the message is still in the due index (a claim leaves its key),
    // but the dead process still holds its lease (and, for a few seconds, the queue's): nothing is claimed.
    const held = await w.dispatch();
    expect(held).toMatchObject({ claimed: 0, sent: 0, errors: 0 });
    expect(textsTo(phone)).toEqual([]);

    // The lease has ended: this tick claims it afresh and sends it.
    w.advance((LEASE_SECONDS + 1) * 1000);
    expect(await w.dispatch()).toMatchObject({ claimed: 1, sent: 1, errors: 0 });
    w.advance(10 * 60_000);
    expect((await w.dispatch()).sent).toBe(0);

    const texts = textsTo(phone);
    expect(texts).toHaveLength(1);
    const welcome = (await w.store.getMessage(personId, messageId))!;
    expect(welcome.status).toBe('sent');
    expect(welcome.providerId).toBe(texts[0]!.sid);
    // What it cost is recorded with it: one GSM-7 segment.
    expect(welcome.attempts).toEqual([
      { at: new Date(Date.parse(WELCOME_DUE) + (LEASE_SECONDS + 1) * 1000).toISOString(), outcome: 'sent', code: 'sent', detail: 'sent', segments: 1, encoding: 'GSM-7' },
    ]);
    expect(welcome.lease).toBeUndefined();
    // The killed process had planned the lane's next text before sending; it exists once.
    const next = (await w.store.listMessages(personId)).filter((m) => m.messageId !== messageId);
    expect(next.map((m) => `${m.stepId}:${m.status}`)).toEqual(['paced-breathing:planned']);
  }, 60_000);

  it('dispatch-once refuses a bad environment with one line and a non-zero exit', async () => {
    const run = startDispatchOnce({ DISPATCH_TABLE_NAME: 'x' } as unknown as DispatchOnceEnv);
    const { code } = await run.exited;
    expect(code).toBe(2);
    const message = run.stderr().trim();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^dispatch-once: invalid environment: .*DISPATCH_TABLE_NAME/);
  }, 30_000);
});

// ---- Provider faults through the real adapters -----------------------------------------------------

describe('provider faults', () => {
  it('Twilio 429 twice: retried on the dispatcher’s backoff (30 s, then 60 s), delivered once', async () => {
    const w = await world();
    const phone = '+919812340002';
    const { personId } = await w.enroll({ email: undefined, phone });
    sms().injectFaults({ mode: '429', count: 2 });
    w.at(WELCOME_DUE);

    expect(await w.dispatch()).toMatchObject({ retried: 1, sent: 0 });
    // The sandbox's Retry-After is 1 s; the first backoff (30 s) is longer, so it wins.
    expect(await welcomeOf(w, personId, 'sms')).toMatchObject({ status: 'planned', dueAt: new Date(Date.parse(WELCOME_DUE) + 30_000).toISOString() });
    w.advance(29_000);
    expect((await w.dispatch()).claimed).toBe(0); // not due yet
    w.advance(2_000);
    expect(await w.dispatch()).toMatchObject({ retried: 1, sent: 0 });
    w.advance(30_000);
    expect((await w.dispatch()).claimed).toBe(0); // the second backoff is 60 s
    w.advance(31_000);
    expect(await w.dispatch()).toMatchObject({ sent: 1, errors: 0 });

    const welcome = await welcomeOf(w, personId, 'sms');
    expect(welcome.status).toBe('sent');
    expect(welcome.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'sent']);
    expect(welcome.attempts.slice(0, 2).map((a) => a.detail)).toEqual(['twilio error 20429 (HTTP 429)', 'twilio error 20429 (HTTP 429)']);
    const texts = textsTo(phone);
    expect(texts).toHaveLength(1);
    expect(welcome.providerId).toBe(texts[0]!.sid);
  }, 60_000);

  it('Twilio 21610: the text fails for good, SMS consent is revoked, later texts are skipped, email goes on', async () => {
    const w = await world();
    const phone = '+919812340003';
    const address = w.emailOf(0);
    const { personId } = await w.enroll({ phone, email: address });
    sms().optOut(phone);
    w.at(WELCOME_DUE);

    const report = await w.dispatch();
    expect(report).toMatchObject({ sent: 1, failed: 1, retried: 0, errors: 0 }); // the email still goes

    const person = await w.store.getPerson(personId);
    expect(person?.consent.sms).toMatchObject({ state: 'revoked', source: 'carrier-opt-out' });
    const texts = (await w.store.listMessages(personId)).filter((m) => m.channel === 'sms');
    expect(texts.filter((m) => m.stepId === 'welcome').map((m) => [m.status, m.reason])).toEqual([
      ['failed', 'twilio error 21610 (HTTP 400): recipient has opted out'],
    ]);
    expect(texts.find((m) => m.stepId === 'welcome')!.attempts.map((a) => a.outcome)).toEqual(['failed']);
    const later = texts.filter((m) => m.stepId !== 'welcome');
    expect(later.length).toBeGreaterThan(0);
    expect(later.map((m) => [m.status, m.reason])).toEqual(later.map(() => ['skipped', 'opted_out']));

    await walk(w, '2027-01-10T12:00:00Z');
    expect(textsTo(phone)).toEqual([]);
    const emailLane = (await w.store.listMessages(personId)).filter((m) => m.channel === 'email' && Date.parse(m.sendAt) <= Date.parse('2027-01-10T12:00:00Z'));
    expect(emailLane.map((m) => m.stepId)).toEqual(['welcome', 'exam-in-two-weeks', 'one-mentor-ask']);
    expect(emailLane.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    expect((await emailsTo(address)).map((e) => e.subject)).toEqual([
      'Welcome to Match Coach',
      expect.stringMatching(/^Step 2 CK /),
      'One specific ask, to one mentor',
    ]);
  }, 60_000);

  it('KNOWN RESIDUAL DUPLICATE WINDOW: the provider accepted the text but its answer was lost; the retry delivers it a second time', async () => {
    // This asserts today's behaviour, not a goal. A send that times out after Twilio took it is
    // indistinguishable (to the adapter) from one that never arrived, so the dispatcher retries
    // and the phone gets the text twice. Exactly-once in effect would need the provider to dedupe
    // (Twilio has no idempotency key on Messages create) or a lookup before retrying.
    const w = await world({ providerTimeoutMs: 1_000 });
    const phone = '+919812340004';
    const { personId } = await w.enroll({ email: undefined, phone });
    sms().injectFaults({ mode: 'accept-then-hang', count: 1 });
    w.at(WELCOME_DUE);

    expect(await w.dispatch()).toMatchObject({ retried: 1, sent: 0, errors: 0 });
    expect(textsTo(phone)).toHaveLength(1); // the provider has it already
    w.advance(31_000);
    expect(await w.dispatch()).toMatchObject({ sent: 1, errors: 0 });

    const texts = textsTo(phone);
    expect(texts).toHaveLength(2); // the duplicate: same body, two provider sids
    expect(texts[0]!.body).toBe(texts[1]!.body);
    expect(texts[0]!.sid).not.toBe(texts[1]!.sid);
    const welcome = await welcomeOf(w, personId, 'sms');
    expect(welcome.status).toBe('sent');
    expect(welcome.attempts.map((a) => [a.outcome, a.detail])).toEqual([
      ['retry', 'twilio: no answer within 1000 ms'],
      ['sent', 'sent'],
    ]);
    // The store records only the second sid: the first delivery is invisible to it.
    expect(welcome.providerId).toBe(texts[1]!.sid);
  }, 60_000);
});
