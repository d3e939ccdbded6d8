import type { SendResult, SmsMessage, SmsSender } from '../../shared/ports';

/**
 * What every SmsSender must do, run against the real Twilio adapter (on the SMS sandbox) and the
 * memory twin alike, so unit tests on the twin see what production does (README, the test tiers).
 */

/** Provider trouble a harness can script for the next send. */
export type SmsContractFault =
  | 'rate-limited' // HTTP 429 / Twilio 20429
  | 'server-error' // HTTP 500
  | 'timeout' // no answer at all
  | 'accepted-then-timeout'; // the provider took the text, then the answer was lost

export interface SmsSenderContractHarness {
  sender: SmsSender;
  optOut(phone: string): void | Promise<void>;
  /** Bodies the provider accepted for this number, oldest first. */
  sentTo(phone: string): Promise<string[]>;
  failNext(fault: SmsContractFault): void | Promise<void>;
  teardown(): void | Promise<void>;
}

let phoneCounter = 0;
/** A fresh number per use, so cases never see each other's texts. */
function freshPhone(): string {
  phoneCounter += 1;
  return `+1555${String(Date.now() % 1000).padStart(3, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

function message(to: string, body: string, extra: Partial<SmsMessage> = {}): SmsMessage {
  return { to, body, messageId: `msg-${phoneCounter}-${body.length}`, ...extra };
}

/** Failure reasons end up in logs and stores: they must not carry the number or the text. */
function expectPrivateReason(result: SendResult, sms: SmsMessage): void {
  if (result.status !== 'failed') throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  expect(result.reason.length).toBeGreaterThan(0);
  expect(result.reason).not.toContain(sms.to);
  expect(result.reason).not.toContain(sms.to.slice(1));
  expect(result.reason).not.toContain(sms.body);
}

export function describeSmsSenderContract(name: string, setup: () => Promise<SmsSenderContractHarness>): void {
  describe(`SmsSender contract: ${name}`, () => {
    let harness: SmsSenderContractHarness;

    beforeEach(async () => {
      harness = await setup();
    });
    afterEach(async () => {
      await harness.teardown();
    });

    it('sends a text and returns the provider id', async () => {
      const to = freshPhone();
      const result = await harness.sender.send(message(to, 'Your check-in is tomorrow at 9.'));
      expect(result).toEqual({ status: 'sent', providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
      expect(await harness.sentTo(to)).toEqual(['Your check-in is tomorrow at 9.']);
    });

    it('delivers exactly once per call, in order, with a distinct provider id each time', async () => {
      const to = freshPhone();
      const results = [];
      for (const body of ['one', 'two', 'one']) results.push(await harness.sender.send(message(to, body)));
      expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
      const ids = results.map((r) => (r.status === 'sent' ? r.providerId : ''));
      expect(new Set(ids).size).toBe(3);
      expect(await harness.sentTo(to)).toEqual(['one', 'two', 'one']);
    });

    it('sends long GSM-7 and Unicode texts up to 1600 characters, and honours a validity period', async () => {
      const to = freshPhone();
      const long = 'x'.repeat(1600);
      const unicode = 'Good luck 🍀 — “you’ve got this”';
      expect((await harness.sender.send(message(to, long))).status).toBe('sent');
      expect((await harness.sender.send(message(to, unicode, { validityPeriodSeconds: 600 }))).status).toBe('sent');
      expect(await harness.sentTo(to)).toEqual([long, unicode]);
    });

    it('reports an opted-out number as opted out, not retryable, and delivers nothing', async () => {
      const to = freshPhone();
      await harness.optOut(to);
      const sms = message(to, 'Reminder: interview prep tonight.');
      const result = await harness.sender.send(sms);
      expect(result).toMatchObject({ status: 'failed', retryable: false, code: 'opted_out' });
      expectPrivateReason(result, sms);
      expect(await harness.sentTo(to)).toEqual([]);

      const other = freshPhone();
      expect((await harness.sender.send(message(other, 'still fine'))).status).toBe('sent');
    });

    it('rejects an invalid number as a permanent failure without delivering', async () => {
      const sms = message('5551234', 'hello');
      const result = await harness.sender.send(sms);
      expect(result).toMatchObject({ status: 'failed', retryable: false });
      expect(result).not.toHaveProperty('optedOut', true);
      expectPrivateReason(result, sms);
    });

    it('rejects an empty or over-long body as a permanent failure', async () => {
      const to = freshPhone();
      for (const body of ['', 'y'.repeat(1601)]) {
        const sms = message(to, body);
        const result = await harness.sender.send(sms);
        expect(result).toMatchObject({ status: 'failed', retryable: false });
        if (body) expectPrivateReason(result, sms);
      }
      expect(await harness.sentTo(to)).toEqual([]);
    });

    it('turns rate limiting (429) into a retryable failure and delivers nothing', async () => {
      const to = freshPhone();
      await harness.failNext('rate-limited');
      const sms = message(to, 'rate limited text');
      const result = await harness.sender.send(sms);
      // Marked as throttling, so the dispatcher slows the channel down instead of only backing off.
      expect(result).toMatchObject({ status: 'failed', retryable: true, code: 'throttled' });
      expectPrivateReason(result, sms);
      expect(await harness.sentTo(to)).toEqual([]);
    });

    it('turns a provider 500 into a retryable failure, and the next send goes through', async () => {
      const to = freshPhone();
      await harness.failNext('server-error');
      const sms = message(to, 'first try');
      const result = await harness.sender.send(sms);
      expect(result).toMatchObject({ status: 'failed', retryable: true });
      expectPrivateReason(result, sms);
      expect((await harness.sender.send(message(to, 'second try'))).status).toBe('sent');
      expect(await harness.sentTo(to)).toEqual(['second try']);
    });

    it('turns no answer into a retryable failure', async () => {
      const to = freshPhone();
      await harness.failNext('timeout');
      const sms = message(to, 'into the void');
      const result = await harness.sender.send(sms);
      expect(result).toMatchObject({ status: 'failed', retryable: true });
      expectPrivateReason(result, sms);
      expect(await harness.sentTo(to)).toEqual([]);
    });

    it('reports a lost answer as retryable even though the text went out (callers must dedupe)', async () => {
      const to = freshPhone();
      await harness.failNext('accepted-then-timeout');
      const result = await harness.sender.send(message(to, 'maybe sent'));
      expect(result).toMatchObject({ status: 'failed', retryable: true });
      expect(await harness.sentTo(to)).toEqual(['maybe sent']);
    });
  });
}
