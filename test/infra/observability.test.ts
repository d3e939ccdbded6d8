import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPOSITORY_ROOT } from '../../infra/handlers';
import { filterPatternFor, LOG_SIGNALS, type LogSignal, matchesLogSignal } from '../../infra/observability';
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
