import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/local/net';

/** `npm start`'s stack (infra/local/start.ts) in a child process of its own group, for e2e tests. */
export interface LocalStack {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGINT to the whole group (the stack stops its own children), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');
const READY = 'Match Coach is running locally';

/** Starts the stack and resolves once it says it is running; a stack that dies or hangs fails the start. */
async function startLocalStack(env: NodeJS.ProcessEnv): Promise<LocalStack> {
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() reaches DynamoDB Local and the twins it started too.
    detached: true,
  });
  let output = '';
  const stack: LocalStack = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`local stack did not start:\n${output}`)), 120_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`local stack exited with ${code}:\n${output}`));
      });
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

export interface TestStack {
  stack: LocalStack;
  /** What the stack was started with; the CLI run against it takes the same. */
  env: NodeJS.ProcessEnv;
  ports: { api: number; ses: number; sms: number; dynamo: number };
  /** The stack's own data folder (its stack file, DynamoDB Local's files); the test removes it. */
  dataDir: string;
}

/**
 * `npm start`'s stack as an e2e test wants it: every port free, a data folder of its own (named
 * after `prefix`), no ticker (the tests tick with the CLI), and the table name the stack chooses.
 */
export async function startTestStack(prefix: string): Promise<TestStack> {
  const ports = { api: await freePort(), ses: await freePort(), sms: await freePort(), dynamo: await freePort() };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(ports.api),
    MATCHCOACH_SES_PORT: String(ports.ses),
    MATCHCOACH_SMS_PORT: String(ports.sms),
    MATCHCOACH_DYNAMO_PORT: String(ports.dynamo),
    MATCHCOACH_DATA_DIR: dataDir,
    MATCHCOACH_TICK_SECONDS: '0',
  };
  delete env.TABLE_NAME;
  return { stack: await startLocalStack(env), env, ports, dataDir };
}
