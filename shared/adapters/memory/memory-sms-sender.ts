import type { SendResult, SmsMessage, SmsSender } from '../../ports';

/** A text the twin delivered, as the provider would have received it. */
interface DeliveredSms extends SmsMessage {
  providerId: string;
}

export type FailedSendResult = Extract<SendResult, { status: 'failed' }>;

export interface MemorySmsSender extends SmsSender {
  /** Every delivered text, oldest first. */
  readonly sent: DeliveredSms[];
  /** The recipient has texted STOP: sends to them now fail like Twilio's 21610. */
  optOut(phone: string): void;
  optIn(phone: string): void;
  /**
   * The next `count` sends answer `result`. With `afterDelivery` the text is delivered first,
   * as when Twilio accepted it but the answer never came back (a timeout after acceptance).
   */
  failNext(count: number, result: FailedSendResult, options?: { afterDelivery?: boolean }): void;
  /** Forgets deliveries, opt-outs and scripted failures. */
  reset(): void;
}

// The same checks and reasons as the Twilio adapter against Twilio (or the sandbox), so that a
// unit test on this twin sees what production would: the shared contract suite holds both to it.
const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_BODY_CHARACTERS = 1600;

export function createMemorySmsSender(): MemorySmsSender {
  const sent: DeliveredSms[] = [];
  const optedOut = new Set<string>();
  let scripted: Array<{ result: FailedSendResult; afterDelivery: boolean }> = [];
  let nextId = 0;

  const deliver = (message: SmsMessage): DeliveredSms => {
    nextId += 1;
    const delivered: DeliveredSms = { ...message, providerId: `SM${nextId.toString(16).padStart(32, '0')}` };
    sent.push(delivered);
    return delivered;
  };

  return {
    sent,
    async send(message) {
      const fault = scripted.shift();
      if (fault) {
        if (fault.afterDelivery) deliver(message);
        return { ...fault.result };
      }
      if (!E164.test(message.to)) return rejected(21211);
      const characters = Array.from(message.body).length;
      if (characters === 0) return rejected(21602);
      if (characters > MAX_BODY_CHARACTERS) return rejected(21617);
      if (
        message.validityPeriodSeconds !== undefined &&
        !(Number.isInteger(message.validityPeriodSeconds) && message.validityPeriodSeconds >= 1 && message.validityPeriodSeconds <= 36_000)
      ) {
        return rejected(21624);
      }
      if (optedOut.has(message.to)) {
        return { status: 'failed', retryable: false, code: 'opted_out', reason: 'twilio error 21610 (HTTP 400): recipient has opted out' };
      }
      return { status: 'sent', providerId: deliver(message).providerId };
    },
    optOut(phone) {
      optedOut.add(phone);
    },
    optIn(phone) {
      optedOut.delete(phone);
    },
    failNext(count, result, options = {}) {
      for (let i = 0; i < count; i += 1) scripted.push({ result, afterDelivery: options.afterDelivery ?? false });
    },
    reset() {
      sent.length = 0;
      optedOut.clear();
      scripted = [];
    },
  };
}

function rejected(code: number): SendResult {
  return { status: 'failed', retryable: false, code: code === 21211 ? 'invalid_address' : 'rejected', reason: `twilio error ${code} (HTTP 400)` };
}
