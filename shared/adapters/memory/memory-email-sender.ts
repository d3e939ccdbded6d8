import type { EmailMessage, EmailSender, SendResult } from '../../ports';

export type FailedSendResult = Extract<SendResult, { status: 'failed' }>;

interface SentEmail extends EmailMessage {
  providerId: string;
}

export interface MemoryEmailSender extends EmailSender {
  /** Every email accepted, in order. */
  readonly sent: SentEmail[];
  /** The next `count` sends deliver nothing and answer `result`, as a failing provider would. */
  failNext(count: number, result: FailedSendResult): void;
}

/** In-memory EmailSender for unit tests; it passes the same contract as the SES adapter. */
export function createMemoryEmailSender(): MemoryEmailSender {
  const sent: SentEmail[] = [];
  const failures: FailedSendResult[] = [];
  let counter = 0;
  return {
    sent,
    failNext(count, result) {
      for (let i = 0; i < count; i++) failures.push({ ...result });
    },
    async send(message) {
      const failure = failures.shift();
      if (failure) return failure;
      counter += 1;
      const providerId = `memory-${counter}`;
      // A copy, so a caller reusing its objects cannot rewrite what was "delivered".
      sent.push({ ...message, ...(message.headers ? { headers: { ...message.headers } } : {}), providerId });
      return { status: 'sent', providerId };
    },
  };
}
