import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPOSITORY_ROOT } from '../../infra/handlers';
import { filterPatternFor, LOG_SIGNALS, SEND_COST_METRICS, TICK_REPORT_MESSAGE, type LogSignal, matchesLogSignal } from '../../infra/observability';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import { createLogger } from '../../shared/adapters/logger';

/**
 * The alarms that read logs (crisis flags, crisis alerts not delivered, SMS failures, email paused)
 * are only as good as the match between their filters and what the code writes. These tests tie
 * the two: the logger's line shape, and each signal against the call that logs it.
 */

/** What Powertools writes for one call, parsed: the line CloudWatch sees. */
function logLine(write: (log: ReturnType<typeof createLogger>) => void): Record<string, unknown> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const spyErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const log = createLogger('test');
    // Test runs keep Powertools silent (jest.config.js); this test is about what it writes.
    log.raw.setLogLevel('INFO');
    write(log);
  } finally {
    spy.mockRestore();
    spyErr.mockRestore();
  }
  const json = lines.join('').trim().split('\n').filter((l) => l.startsWith('{'));
  expect(json).toHaveLength(1);
  return JSON.parse(json[0]!) as Record<string, unknown>;
}

function sources(dir: string): Array<{ file: string; text: string }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [{ file: full, text: fs.readFileSync(full, 'utf8') }] : [];
  });
}
const CODE = [...sources(path.join(REPOSITORY_ROOT, 'shared')), ...sources(path.join(REPOSITORY_ROOT, 'functions'))];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether some log call in the code produces this alternative: `.info|warn|error('<message>', {...})`
 * whose attributes name every other field, or an `alarm: '<value>'` attribute.
 */
function loggedByCode(fields: Readonly<Record<string, string>>): boolean {
  const { message, alarm, ...rest } = fields;
  if (message !== undefined) {
    const call = new RegExp(`\\.(?:info|warn|error)\\(\\s*['"\`]${escape(message)}['"\`]\\s*(?:,([^;]*))?\\)`, 'g');
    return CODE.some(({ text }) =>
      [...text.matchAll(call)].some(([, attributes]) =>
        Object.keys({ ...rest, ...(alarm !== undefined && { alarm }) }).every((field) => new RegExp(`\\b${field}\\b`).test(attributes ?? '')),
      ),
    );
  }
  if (alarm !== undefined) return CODE.some(({ text }) => new RegExp(`alarm:\\s*['"\`]${escape(alarm)}['"\`]`).test(text));
  return false;
}

describe('log signals behind the alarms', () => {
  test('Powertools writes one JSON object a line, message and attributes at the top level (what the filters read)', () => {
    const line = logLine((log) => log.warn('crisis_flag', { personId: 'p1', messageSid: 'SM1', rule: 'risk:x', knownPerson: true }));
    expect(line).toMatchObject({ level: 'WARN', message: 'crisis_flag', personId: 'p1', messageSid: 'SM1', service: 'test' });
    expect(matchesLogSignal(LOG_SIGNALS.crisisFlag, line)).toBe(true);
    expect(matchesLogSignal(LOG_SIGNALS.crisisAlertFailed, line)).toBe(false);
  });

  test.each(Object.entries(LOG_SIGNALS) as Array<[string, LogSignal]>)('%s: the code logs it (at least one alternative)', (_name, signal) => {
    const found = signal.whenAny.filter((fields) => loggedByCode(fields));
    expect({ signal: signal.metricName, found: found.length > 0 }).toEqual({ signal: signal.metricName, found: true });
  });

  test('the dispatcher\'s outcome line matches the SMS failure signal only for a failed text', () => {
    const dispatched = (channel: string, outcome: string) =>
      logLine((log) => log.info('dispatched', { messageId: 'm1', channel, outcome, detail: 'x' }));
    expect(matchesLogSignal(LOG_SIGNALS.smsSendFailed, dispatched('sms', 'failed'))).toBe(true);
    expect(matchesLogSignal(LOG_SIGNALS.smsSendFailed, dispatched('sms', 'sent'))).toBe(false);
    expect(matchesLogSignal(LOG_SIGNALS.smsSendFailed, dispatched('email', 'failed'))).toBe(false);
  });

  test('email paused and a crisis record not stored match by their `alarm` field, whatever the message', () => {
    const paused = logLine((log) => log.error('email sending paused by the provider', { reason: 'quota: x', alarm: 'EmailSendingPaused' }));
    expect(matchesLogSignal(LOG_SIGNALS.emailSendingPaused, paused)).toBe(true);
    const notStored = logLine((log) => log.error('anything', { alarm: 'CrisisFlagNotStored', messageSid: 'SM1' }));
    expect(matchesLogSignal(LOG_SIGNALS.crisisAlertFailed, notStored)).toBe(true);
  });

  test('the CloudWatch pattern is the same test, written in filter syntax', () => {
    expect(filterPatternFor(LOG_SIGNALS.crisisFlag).logPatternString).toBe('{ $.message = "crisis_flag" }');
    expect(filterPatternFor(LOG_SIGNALS.smsSendFailed).logPatternString).toBe(
      '{ ($.message = "dispatched") && ($.channel = "sms") && ($.outcome = "failed") }',
    );
    expect(filterPatternFor(LOG_SIGNALS.crisisAlertFailed).logPatternString).toBe(
      '{ ($.message = "crisis_alert_failed") || ($.alarm = "CrisisFlagNotStored") || ($.alarm = "CrisisAlertFailed") }',
    );
  });

  test('the signals carry ids, never personal data: no filter reads a phone, an email or a body', () => {
    for (const signal of Object.values(LOG_SIGNALS) as LogSignal[]) {
      for (const fields of signal.whenAny) expect(Object.keys(fields).join(' ')).not.toMatch(/\b(phone|email|body|to|from|text)\b/i);
    }
  });
});

describe('send cost metrics from the tick report', () => {
  test('the dispatcher handler logs its tick report as one line, every field at the top level', () => {
    const handler = fs.readFileSync(path.join(REPOSITORY_ROOT, 'functions/dispatcher.ts'), 'utf8');
    expect(handler).toMatch(new RegExp(`log\\.info\\('${escape(TICK_REPORT_MESSAGE)}', \\{ \\.\\.\\.report \\}\\)`));
  });

  test('each metric reads a number that a real tick report has, and that counts what went', async () => {
    const at = (iso: string) => ({ now: () => new Date(iso) });
    const store = createMemoryStore();
    const sms = createMemorySmsSender();
    const email = createMemoryEmailSender();
    await enroll({ store, clock: at('2027-01-04T04:00:00.000Z') }, { email: 'a@example.com', phone: '+919812345678', timeZone: 'Asia/Kolkata', sequenceId: 'getting-started', season: 2027 });
    const report = await createDispatcher({
      store, sms, email, clock: at('2027-01-04T13:32:00.000Z'),
      settings: { leaseSeconds: 60, concurrency: 2, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test Street, Boston, MA' },
    })();
    const line = logLine((log) => log.info(TICK_REPORT_MESSAGE, { ...report }));
    const read = (field: string) => field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], line);
    for (const { field } of SEND_COST_METRICS) expect([field, typeof read(field)]).toEqual([field, 'number']);
    expect(read('segments.sms')).toBe(sms.sent.length);
    expect(read('segments.email')).toBe(email.sent.length);
    expect(sms.sent.length + email.sent.length).toBeGreaterThan(0);
  });
});
