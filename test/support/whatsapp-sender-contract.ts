import type { SendResult, WhatsAppMessage, WhatsAppSender } from '../../shared/ports';
import type { SmsContractFault } from './sms-sender-contract';

/**
 * What every WhatsAppSender must do, run against the real Twilio adapter (on the sandbox's
 * WhatsApp twin) and the memory twin alike. WhatsApp's refusals arrive as Twilio sends them: the
 * create is accepted, and the message then fails with WhatsApp's code (63016 outside the window,
 * 63003 a number not on WhatsApp); `outcome` reads where a message ended.
 */
export interface WhatsAppSenderContractHarness {
  sender: WhatsAppSender;
  /** The person writes to us now: their 24-hour window opens. */
  openWindow(phone: string): Promise<void>;
  /** A template Meta approved, under its Content SID. */
  registerTemplate(contentSid: string, text: string): Promise<void>;
  /** WhatsApp refuses this number (not on WhatsApp). */
  notOnWhatsApp(phone: string): Promise<void>;
  /** What reached the person's phone, oldest first. */
  delivered(phone: string): Promise<string[]>;
  /** Where an accepted message ended (waits for it to end). */
  outcome(providerId: string): Promise<{ status: 'delivered' | 'failed'; errorCode?: number }>;
  failNext(fault: SmsContractFault): Promise<void>;
  teardown(): Promise<void>;
}

let counter = 0;
/** A fresh number per use (India, where WhatsApp is how people message). */
function freshPhone(): string {
  counter += 1;
  return `+9198${String(Date.now() % 100000).padStart(5, '0')}${String(counter).padStart(3, '0')}`;
}

const text = (to: string, body: string): WhatsAppMessage => ({ to, messageId: `wa-${counter}-${body.length}`, content: { kind: 'text', body } });
const template = (to: string, contentSid: string, variables: Record<string, string>): WhatsAppMessage => ({
  to,
  messageId: `wa-${counter}-t`,
  content: { kind: 'template', contentSid, variables },
});

const sid = (n: number) => `HX${n.toString(16).padStart(32, '0')}`;

function providerId(result: SendResult): string {
  if (result.status !== 'sent') throw new Error(`expected the create to be accepted, got ${JSON.stringify(result)}`);
  return result.providerId;
}

export function describeWhatsAppSenderContract(name: string, setup: () => Promise<WhatsAppSenderContractHarness>): void {
  describe(`WhatsAppSender contract: ${name}`, () => {
    let harness: WhatsAppSenderContractHarness;
    beforeEach(async () => {
      harness = await setup();
    });
    afterEach(async () => {
      await harness.teardown();
    });

    it('delivers free text inside the window, with a Twilio message id', async () => {
      const to = freshPhone();
      await harness.openWindow(to);
      const result = await harness.sender.send(text(to, 'Thanks for your check-in. Small steps add up.'));
      expect(result).toEqual({ status: 'sent', providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
      expect(await harness.outcome(providerId(result))).toEqual({ status: 'delivered' });
      expect(await harness.delivered(to)).toEqual(['Thanks for your check-in. Small steps add up.']);
    });

    it('accepts free text outside the window, then fails it with 63016 and delivers nothing', async () => {
      const to = freshPhone();
      const result = await harness.sender.send(text(to, 'A nudge nobody asked for today.'));
      expect(await harness.outcome(providerId(result))).toEqual({ status: 'failed', errorCode: 63016 });
      expect(await harness.delivered(to)).toEqual([]);
    });

    it('delivers an approved template outside the window, its placeholders filled', async () => {
      const to = freshPhone();
      await harness.registerTemplate(sid(1), 'Match Coach reminder: {{1}}\n\nReply STOP to end them.');
      const result = await harness.sender.send(template(to, sid(1), { '1': 'NRMP registration closes in 3 days.' }));
      expect(await harness.outcome(providerId(result))).toEqual({ status: 'delivered' });
      expect(await harness.delivered(to)).toEqual(['Match Coach reminder: NRMP registration closes in 3 days.\n\nReply STOP to end them.']);
    });

    it('refuses a template nobody registered at once, as a permanent failure naming 21655', async () => {
      const to = freshPhone();
      const result = await harness.sender.send(template(to, sid(99), { '1': 'x' }));
      expect(result).toMatchObject({ status: 'failed', retryable: false, reason: expect.stringContaining('21655') });
      expect(await harness.delivered(to)).toEqual([]);
    });

    it('accepts a message to a number not on WhatsApp, then fails it with 63003', async () => {
      const to = freshPhone();
      await harness.notOnWhatsApp(to);
      await harness.registerTemplate(sid(2), 'Match Coach: hello {{1}}. Reply STOP to end.');
      const result = await harness.sender.send(template(to, sid(2), { '1': 'there' }));
      expect(await harness.outcome(providerId(result))).toEqual({ status: 'failed', errorCode: 63003 });
      expect(await harness.delivered(to)).toEqual([]);
    });

    it('refuses an address that is not a number, permanently, without the number in the reason', async () => {
      const result = await harness.sender.send(text('98123', 'hello'));
      expect(result).toMatchObject({ status: 'failed', retryable: false });
      if (result.status === 'failed') expect(result.reason).not.toContain('98123');
    });

    it('turns rate limiting into a retryable, throttled failure and a 500 into a retryable one', async () => {
      const to = freshPhone();
      await harness.openWindow(to);
      await harness.failNext('rate-limited');
      expect(await harness.sender.send(text(to, 'one'))).toMatchObject({ status: 'failed', retryable: true, code: 'throttled' });
      await harness.failNext('server-error');
      const failed = await harness.sender.send(text(to, 'two'));
      expect(failed).toMatchObject({ status: 'failed', retryable: true });
      if (failed.status === 'failed') expect(failed.reason).not.toContain(to.slice(1));
      expect(await harness.delivered(to)).toEqual([]);
    });

    it('turns no answer into a retryable failure', async () => {
      const to = freshPhone();
      await harness.failNext('timeout');
      expect(await harness.sender.send(text(to, 'into the void'))).toMatchObject({ status: 'failed', retryable: true });
    });
  });
}
