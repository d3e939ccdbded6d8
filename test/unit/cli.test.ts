import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { localSettings } from '../../infra/local/settings';
import { findRunningStack, removeStackFile, stackFilePath, writeStackFile } from '../../infra/local/stack-file';

/**
 * The `matchcoach` CLI as a newcomer meets it, run as its own process (bin/matchcoach.js), with
 * no stack at all or with a stack description this test writes: it finds the stack through the
 * file `npm start` writes, says so plainly when there is none, and refuses bad input with one
 * line and the documented exit code before connecting to anything.
 */

jest.setTimeout(120_000);
const run = promisify(execFile);
const BIN = path.join(__dirname, '../../bin/matchcoach.js');
let dataDir: string;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-cli-unit-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function matchcoach(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, MATCHCOACH_DATA_DIR: dataDir };
  delete env.TABLE_NAME;
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A listener that only notes who connects: where a command's DynamoDB requests go. */
async function listener(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const oneLine = (text: string) => text.split('\n').filter(Boolean).length === 1;

describe('finding the local stack', () => {
  test('no stack: one plain line naming the file and `npm start`, exit 1, and no connection attempt anywhere', async () => {
    const out = await matchcoach('messages', '--email', 'priya@example.com');
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe(true);
    expect(out.stderr).toContain(`no local stack is running (${stackFilePath(dataDir)} does not exist): start one with \`npm start\``);
    expect(out.stderr).not.toMatch(/ECONNREFUSED|8000/);
  });

  test('a stack that stopped without cleaning up is named as gone, not tried', async () => {
    const gone = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeStackFile(localSettings({ MATCHCOACH_DATA_DIR: dataDir }), Number(gone.stdout), new Date());
    const out = await matchcoach('tick');
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`matchcoach: the local stack that wrote ${stackFilePath(dataDir)} (pid ${gone.stdout}) is no longer running: start it again with \`npm start\`\n`);
  });

  test('a running stack is reached at the ports it wrote down, whatever they are', async () => {
    const dynamo = await listener();
    try {
      const settings = localSettings({ MATCHCOACH_DATA_DIR: dataDir, PORT: '23456', MATCHCOACH_DYNAMO_PORT: String(dynamo.port), MATCHCOACH_SES_PORT: '23457', MATCHCOACH_SMS_PORT: '23458' });
      // This test's own process stands in for the stack: alive, so the file counts.
      writeStackFile(settings, process.pid, new Date());
      expect(findRunningStack(dataDir)).toMatchObject({ status: 'running', stack: { ports: { api: 23456, dynamo: dynamo.port } } });

      const url = await matchcoach('stack', '--url', 'api');
      expect(url).toEqual({ code: 0, stdout: 'http://127.0.0.1:23456\n', stderr: '' });
      const listing = await matchcoach('stack');
      expect(listing.stdout).toContain(`DynamoDB Local  http://127.0.0.1:${dynamo.port}   table matchcoach-local`);

      const out = await matchcoach('messages', '--email', 'priya@example.com');
      expect(out.code).toBe(1);
      expect(dynamo.connections()).toBeGreaterThan(0);
    } finally {
      await dynamo.close();
    }
  });

  test('the file goes when its stack stops, but never a newer stack\'s file', () => {
    const settings = localSettings({ MATCHCOACH_DATA_DIR: dataDir });
    writeStackFile(settings, process.pid, new Date());
    removeStackFile(dataDir, process.pid + 1);
    expect(fs.existsSync(stackFilePath(dataDir))).toBe(true);
    removeStackFile(dataDir, process.pid);
    expect(fs.existsSync(stackFilePath(dataDir))).toBe(false);
  });
});

describe('bad input: one line, a non-zero exit, before any connection', () => {
  test.each([
    [['enroll', '--email', 'a@example.com', '--zone', 'Asia/Kolkata', '--anchor', 'step2_exam=2027-02-30'], 'matchcoach: anchors.step2_exam: 2027-02-30 is not a date that exists\n'],
    [['enroll', '--email', 'a@example.com', '--zone', 'Asia/Kolkata', '--anchor', 'step2=2027-01-10'], /^matchcoach: unknown date "step2": a person's own dates are step1_exam, step2_exam/],
    [['enroll', '--email', 'a@example.com', '--zone', 'Asia/Kolkata', '--season', '2027', '--anchor', 'step2_exam=2031-01-10'], 'matchcoach: step2_exam: For Match 2027, dates go from 2025-01-01 to 2027-12-31.\n'],
    [['enroll', '--email', 'a@example.com', '--zone', 'Asia/Kolkata', '--visa', 'j2'], 'matchcoach: visaTrack: expected one of j1, h1b, none, undecided\n'],
    [['preview', '--sequence', 'getting-started', '--zone', 'Asia/Kolkata', '--anchor', 'step2=2027-01-10'], /^matchcoach: unknown date "step2"/],
    [['outcome', 'matchd', '--email', 'a@example.com'], 'matchcoach: outcome: expected one of applying, soap, matched, unmatched, withdrawn\n'],
    [['import', 'nofile.csv', '--cohort', 'c1'], 'matchcoach: cannot read nofile.csv: there is no such file (check the name and the folder you are in)\n'],
  ])('%j', async (args, expected) => {
    const out = await matchcoach(...args);
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe(true);
    if (typeof expected === 'string') expect(out.stderr).toBe(expected);
    else expect(out.stderr).toMatch(expected);
    expect(out.stderr).not.toMatch(/Invalid (input|option)|Too (big|small)|no local stack/);
  });

  test('a malformed flag is a usage error: exit 2', async () => {
    const out = await matchcoach('tick', '--now', 'yesterday');
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toBe(true);
  });
});

describe('help and version', () => {
  test('--version prints the package version', async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
    await expect(matchcoach('--version')).resolves.toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('calendar --help shows `calendar <year>`, the way it is used', async () => {
    const out = await matchcoach('calendar', '--help');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Usage: matchcoach calendar <year> /);
  });

  test('no help text names an issue number', async () => {
    const top = await matchcoach('--help');
    const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+)(?= )/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['enroll', 'tick', 'calendar', 'counselor', 'import', 'stack']));
    const helps = await Promise.all(commands.map((c) => matchcoach(c, '--help')));
    for (const help of [top, ...helps]) {
      expect(help.code).toBe(0);
      expect(help.stdout).not.toMatch(/\(issue \d+\)|issue \d+/i);
    }
  });
});
