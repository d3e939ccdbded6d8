import { createMemorySmsSender, type FailedSendResult } from '../../shared/adapters/memory/memory-sms-sender';
import { describeSmsSenderContract, type SmsContractFault } from '../support/sms-sender-contract';

const scriptedFailures: Record<SmsContractFault, { result: FailedSendResult; afterDelivery?: boolean }> = {
  'rate-limited': { result: { status: 'failed', retryable: true, code: 'throttled', reason: 'twilio error 20429 (HTTP 429)', retryAfterSeconds: 1 } },
  'server-error': { result: { status: 'failed', retryable: true, code: 'provider_error', reason: 'twilio error 20500 (HTTP 500)' } },
  timeout: { result: { status: 'failed', retryable: true, code: 'timeout', reason: 'twilio: no answer within 10000 ms' } },
  'accepted-then-timeout': {
    result: { status: 'failed', retryable: true, code: 'timeout', reason: 'twilio: no answer within 10000 ms' },
    afterDelivery: true,
  },
};

describeSmsSenderContract('memory twin', async () => {
  const sender = createMemorySmsSender();
  return {
    sender,
    optOut: (phone) => sender.optOut(phone),
    sentTo: async (phone) => sender.sent.filter((sms) => sms.to === phone).map((sms) => sms.body),
    failNext: (fault) => {
      const { result, afterDelivery } = scriptedFailures[fault];
      sender.failNext(1, result, { afterDelivery });
    },
    teardown: () => sender.reset(),
  };
});

describe('memory twin extras', () => {
  it('scripts several failures in a row, then recovers', async () => {
    const sender = createMemorySmsSender();
    sender.failNext(2, { status: 'failed', retryable: true, code: 'throttled', reason: 'twilio error 20429 (HTTP 429)' });
    const sms = { to: '+15550001111', body: 'hi', messageId: 'm1' };
    expect((await sender.send(sms)).status).toBe('failed');
    expect((await sender.send(sms)).status).toBe('failed');
    expect((await sender.send(sms)).status).toBe('sent');
    expect(sender.sent).toHaveLength(1);
  });

  it('records what was delivered, including the message id and validity period', async () => {
    const sender = createMemorySmsSender();
    await sender.send({ to: '+15550001111', body: 'hi', messageId: 'm1', validityPeriodSeconds: 600 });
    expect(sender.sent).toEqual([
      { to: '+15550001111', body: 'hi', messageId: 'm1', validityPeriodSeconds: 600, providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/) },
    ]);
  });

  it('lets an opted-in number receive again', async () => {
    const sender = createMemorySmsSender();
    sender.optOut('+15550001111');
    sender.optIn('+15550001111');
    expect((await sender.send({ to: '+15550001111', body: 'back', messageId: 'm2' })).status).toBe('sent');
  });

  it('refuses a validity period Twilio would refuse', async () => {
    const sender = createMemorySmsSender();
    const result = await sender.send({ to: '+15550001111', body: 'x', messageId: 'm3', validityPeriodSeconds: 36_001 });
    expect(result).toMatchObject({ status: 'failed', retryable: false });
  });
});
