import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { LocalSettings } from './settings';

/**
 * Where a running local stack can be found. `npm start` writes its ports, data directory and
 * table to `<data dir>/local-stack.json` once everything answers, and removes the file when it
 * stops; the CLI reads it, so a command typed in another terminal reaches that stack whatever
 * ports it was started with, and never a default port where something else may be listening.
 */

export const STACK_FILE_NAME = 'local-stack.json';

const Port = z.number().int().min(1).max(65535);
export const RunningStack = z.object({
  pid: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  dataDir: z.string().min(1),
  tableName: z.string().min(3),
  ports: z.object({ api: Port, dynamo: Port, ses: Port, sms: Port }),
});
export type RunningStack = z.infer<typeof RunningStack>;

export const stackFilePath = (dataDir: string) => path.join(dataDir, STACK_FILE_NAME);

export type StackLookup =
  | { status: 'running'; stack: RunningStack; file: string }
  /** No file: no stack was started with this data directory, or it stopped cleanly. */
  | { status: 'none'; file: string }
  /** A file whose process is gone (killed, crashed): its ports mean nothing now. */
  | { status: 'stale'; file: string; pid: number }
  | { status: 'unreadable'; file: string; problem: string };

/** True when a process with this id exists (ours or another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; ESRCH: there is no such process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function findRunningStack(dataDir: string, isAlive: (pid: number) => boolean = processAlive): StackLookup {
  const file = stackFilePath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'none', file };
    return { status: 'unreadable', file, problem: (error as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: 'unreadable', file, problem: 'not JSON' };
  }
  const parsed = RunningStack.safeParse(json);
  if (!parsed.success) return { status: 'unreadable', file, problem: 'not a stack description' };
  if (!isAlive(parsed.data.pid)) return { status: 'stale', file, pid: parsed.data.pid };
  return { status: 'running', stack: parsed.data, file };
}

/** One plain sentence for a lookup that found no stack to talk to. */
export function noStackMessage(lookup: Exclude<StackLookup, { status: 'running' }>): string {
  const relative = path.relative(process.cwd(), lookup.file);
  const where = relative && !relative.startsWith('..') ? relative : lookup.file;
  switch (lookup.status) {
    case 'none':
      return `no local stack is running (${where} does not exist): start one with \`npm start\` in another terminal, or set TABLE_NAME to use a table in AWS`;
    case 'stale':
      return `the local stack that wrote ${where} (pid ${lookup.pid}) is no longer running: start it again with \`npm start\``;
    case 'unreadable':
      return `cannot read ${where} (${lookup.problem}): stop any running stack, delete the file and run \`npm start\` again`;
  }
}

/** Written once the stack answers, so a reader never finds ports that are not listening yet. */
export function writeStackFile(settings: LocalSettings, pid: number, now: Date): RunningStack {
  const stack: RunningStack = { pid, startedAt: now.toISOString(), dataDir: settings.dataDir, tableName: settings.env.TABLE_NAME, ports: settings.ports };
  fs.mkdirSync(settings.dataDir, { recursive: true });
  const file = stackFilePath(settings.dataDir);
  // Written aside and renamed: a CLI reading at that moment sees the old file or the new, never half.
  const partial = `${file}.${pid}.tmp`;
  fs.writeFileSync(partial, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(partial, file);
  return stack;
}

/** Removes the file if it still describes this process (a newer stack's file is left alone). */
export function removeStackFile(dataDir: string, pid: number): void {
  const found = findRunningStack(dataDir, () => true);
  if (found.status === 'running' && found.stack.pid === pid) fs.rmSync(found.file, { force: true });
}
