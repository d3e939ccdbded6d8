import { createMemoryWhatsAppSender } from '../../shared/adapters/memory/memory-whatsapp-sender';
import type { FailedSendResult } from '../../shared/adapters/memory/memory-sms-sender';
import { describeWhatsAppSenderContract } from '../support/whatsapp-sender-contract';
import type { SmsContractFault } from '../support/sms-sender-contract';

const scripted: Record<SmsContractFault, FailedSendResult> = {
  'rate-limited': { status: 'failed', retryable: true, code: 'throttled', reason: 'twilio error 20429 (HTTP 429)', retryAfterSeconds: 1 },
  'server-error': { status: 'failed', retryable: true, code: 'provider_error', reason: 'twilio error 20500 (HTTP 500)' },
  timeout: { status: 'failed', retryable: true, code: 'timeout', reason: 'twilio: no answer within 10000 ms' },
  'accepted-then-timeout': { status: 'failed', retryable: true, code: 'timeout', reason: 'twilio: no answer within 10000 ms' },
};

describeWhatsAppSenderContract('memory twin', async () => {
  let now = new Date('2026-12-07T10:00:00Z');
  const sender = createMemoryWhatsAppSender({ clock: { now: () => now } });
  return {
    sender,
    openWindow: async (phone) => sender.receive(phone),
    registerTemplate: async (sid, text) => sender.registerTemplate(sid, text),
    notOnWhatsApp: async (phone) => sender.refuse(phone, 63003),
    delivered: async (phone) => sender.delivered(phone).map((m) => m.body),
    outcome: async (providerId) => {
      const found = sender.accepted.find((m) => m.providerId === providerId)!;
      return found.errorCode === undefined ? { status: found.status } : { status: found.status, errorCode: found.errorCode };
    },
    failNext: async (fault) => sender.failNext(1, scripted[fault], { afterDelivery: fault === 'accepted-then-timeout' }),
    teardown: async () => {
      now = new Date('2026-12-07T10:00:00Z');
      sender.reset();
    },
  };
});

describe('memory WhatsApp twin extras', () => {
  it('closes the window exactly 24 hours after the last message, not before', async () => {
    let now = new Date('2026-12-07T10:00:00Z');
    const sender = createMemoryWhatsAppSender({ clock: { now: () => now } });
    sender.receive('+919812345678');
    now = new Date('2026-12-08T09:59:59Z');
    await sender.send({ to: '+919812345678', messageId: 'a', content: { kind: 'text', body: 'still inside' } });
    now = new Date('2026-12-08T10:00:00Z');
    await sender.send({ to: '+919812345678', messageId: 'b', content: { kind: 'text', body: 'just outside' } });
    expect(sender.accepted.map((m) => [m.body, m.status, m.errorCode])).toEqual([
      ['still inside', 'delivered', undefined],
      ['just outside', 'failed', 63016],
    ]);
  });
});
