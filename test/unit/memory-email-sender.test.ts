import { createMemoryEmailSender, type FailedSendResult } from '../../shared/adapters/memory/memory-email-sender';
import { describeEmailSenderContract, headerMap, type EmailFaultKind } from '../support/email-sender-contract';

/** What the SES adapter answers for the same faults (see ses-email-sender.ts). */
const FAULT_RESULTS: Record<EmailFaultKind, FailedSendResult> = {
  throttle: { status: 'failed', retryable: true, code: 'throttled', reason: 'throttled:maximum-sending-rate-exceeded' },
  '500': { status: 'failed', retryable: true, code: 'provider_error', reason: 'provider:http-500' },
  quota: { status: 'failed', retryable: true, code: 'quota_exceeded', reason: 'quota:daily-message-quota-exceeded' },
  reject: { status: 'failed', retryable: false, code: 'rejected', reason: 'rejected:message-rejected' },
};

describeEmailSenderContract('memory', async () => {
  const sender = createMemoryEmailSender();
  return {
    sender,
    inbox: async (to) =>
      sender.sent
        .filter((email) => email.to === to)
        .map((email) => ({
          subject: email.subject,
          text: email.text,
          html: email.html,
          headers: headerMap(Object.entries(email.headers ?? {})),
        })),
    failNext: (kind) => sender.failNext(1, FAULT_RESULTS[kind]),
    teardown: async () => {},
  };
});

describe('memory EmailSender', () => {
  test('failNext(n) fails exactly the next n sends, then delivers again', async () => {
    const sender = createMemoryEmailSender();
    sender.failNext(2, FAULT_RESULTS.throttle);
    const message = { to: 'a@example.test', subject: 's', text: 't', html: '<p>t</p>', messageId: 'm1' };

    expect(await sender.send(message)).toEqual(FAULT_RESULTS.throttle);
    expect(await sender.send(message)).toEqual(FAULT_RESULTS.throttle);
    expect(await sender.send(message)).toEqual({ status: 'sent', providerId: 'memory-1' });
    expect(sender.sent).toHaveLength(1);
  });

  test('keeps a copy, so later changes to the caller’s object do not rewrite what was sent', async () => {
    const sender = createMemoryEmailSender();
    const headers: Record<string, string> = { 'List-Unsubscribe': '<https://x.test/u/1>' };
    const message = { to: 'a@example.test', subject: 's', text: 't', html: '<p>t</p>', messageId: 'm1', headers };
    await sender.send(message);
    message.subject = 'changed';
    headers['List-Unsubscribe'] = 'changed';

    expect(sender.sent[0]).toMatchObject({ subject: 's', headers: { 'List-Unsubscribe': '<https://x.test/u/1>' } });
  });
});
