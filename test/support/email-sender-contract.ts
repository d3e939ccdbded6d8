import { randomUUID } from 'node:crypto';
import type { EmailMessage, EmailSender, SendResult } from '../../shared/ports';

/** Provider faults every EmailSender must map the same way. */
export type EmailFaultKind = 'throttle' | '500' | 'quota' | 'reject';

/** An email as the far side received it. Header names are lower-cased (they are case-insensitive). */
interface DeliveredEmail {
  subject: string;
  text: string | undefined;
  html: string | undefined;
  headers: Record<string, string>;
}

export interface EmailSenderHarness {
  sender: EmailSender;
  /** Everything delivered to `to` so far, oldest first. */
  inbox(to: string): Promise<DeliveredEmail[]>;
  /** The next send call meets this fault instead of the provider. */
  failNext(kind: EmailFaultKind): void | Promise<void>;
  teardown(): Promise<void>;
}

/** Lower-cases header names, for harnesses whose far side keeps them as sent. */
export function headerMap(headers: Iterable<readonly [string, string]>): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [name, value] of headers) map[name.toLowerCase()] = value;
  return map;
}

const UNSUBSCRIBE_URL = 'https://coach.example.test/unsubscribe/v1.Zm9vYmFy.c2lnbmF0dXJl';

/**
 * The behaviour the dispatcher relies on, run against every EmailSender (the SES adapter over
 * aws-ses-v2-local and the memory twin), so the twin used in unit tests cannot drift.
 */
export function describeEmailSenderContract(name: string, setup: () => Promise<EmailSenderHarness>): void {
  describe(`EmailSender contract: ${name}`, () => {
    let harness: EmailSenderHarness;
    beforeAll(async () => {
      harness = await setup();
    }, 60_000);
    afterAll(async () => {
      await harness?.teardown();
    });

    // Each test mails its own address, so tests never read each other's mail.
    const freshAddress = () => `learner+${randomUUID().slice(0, 8)}@example.test`;
    const message = (to: string, overrides: Partial<EmailMessage> = {}): EmailMessage => ({
      to,
      subject: 'Día 3 — you’ve got this ✓',
      text: 'Hola Ana,\nToday: one personal statement paragraph.\n\n123 Example St, Springfield',
      html: '<p>Hola Ana,</p><p>Today: <strong>one</strong> personal statement paragraph.</p><p>123 Example St, Springfield</p>',
      messageId: 'enr-1.step-3.0.email',
      ...overrides,
    });
    const expectSent = (result: SendResult): string => {
      expect(result).toEqual({ status: 'sent', providerId: expect.any(String) });
      const { providerId } = result as Extract<SendResult, { status: 'sent' }>;
      expect(providerId.length).toBeGreaterThan(0);
      return providerId;
    };

    test('delivers the subject, the text part and the html part unchanged (UTF-8)', async () => {
      const to = freshAddress();
      const sent = message(to);
      expectSent(await harness.sender.send(sent));

      const inbox = await harness.inbox(to);
      expect(inbox).toHaveLength(1);
      expect(inbox[0]).toMatchObject({ subject: sent.subject, text: sent.text, html: sent.html });
    });

    test('custom headers arrive: RFC 8058 List-Unsubscribe and List-Unsubscribe-Post', async () => {
      const to = freshAddress();
      expectSent(
        await harness.sender.send(
          message(to, {
            headers: {
              'List-Unsubscribe': `<${UNSUBSCRIBE_URL}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            },
          }),
        ),
      );

      const [received] = await harness.inbox(to);
      expect(received?.headers['list-unsubscribe']).toBe(`<${UNSUBSCRIBE_URL}>`);
      expect(received?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    });

    test('exactly one delivery per call, each with its own provider id', async () => {
      const to = freshAddress();
      const subjects = ['Week 1: your plan', 'Week 2: interviews', 'Week 3: rank list'];
      const ids: string[] = [];
      for (const [i, subject] of subjects.entries()) {
        ids.push(expectSent(await harness.sender.send(message(to, { subject, messageId: `enr-1.step-${i}.0.email` }))));
      }

      const inbox = await harness.inbox(to);
      expect(inbox.map((e) => e.subject)).toEqual(subjects);
      expect(new Set(ids).size).toBe(subjects.length);
    });

    const faults: Array<{ kind: EmailFaultKind; check(result: Extract<SendResult, { status: 'failed' }>): void }> = [
      {
        kind: 'throttle',
        check: (r) => {
          expect(r.retryable).toBe(true);
          // A busy second is no reason to pause the whole channel.
          expect(r.reason).not.toMatch(/^(quota|paused):/);
        },
      },
      {
        kind: '500',
        check: (r) => {
          expect(r.retryable).toBe(true);
          expect(r.reason).not.toMatch(/^(quota|paused):/);
        },
      },
      {
        kind: 'quota',
        check: (r) => {
          expect(r.retryable).toBe(true);
          expect(r.reason).toMatch(/^quota:/);
        },
      },
      { kind: 'reject', check: (r) => expect(r.retryable).toBe(false) },
    ];

    test.each(faults)('$kind: answered as a value, nothing delivered, the next call goes through', async ({ kind, check }) => {
      const to = freshAddress();
      const sent = message(to);
      await harness.failNext(kind);

      const result = await harness.sender.send(sent);
      expect(result.status).toBe('failed');
      const failed = result as Extract<SendResult, { status: 'failed' }>;
      check(failed);
      expect(failed.reason).toMatch(/^\S+$/);
      // Reasons end up in logs and records: never the address or the content.
      for (const secret of [to, to.split('@')[0]!, sent.subject, sent.text, sent.html]) {
        expect(failed.reason).not.toContain(secret);
      }
      expect(await harness.inbox(to)).toHaveLength(0);

      expectSent(await harness.sender.send(sent));
      expect(await harness.inbox(to)).toHaveLength(1);
    });
  });
}
