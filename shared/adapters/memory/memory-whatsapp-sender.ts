import { fillTemplate } from '../../domain/whatsapp-templates';
import type { Clock, SendResult, WhatsAppMessage, WhatsAppSender } from '../../ports';
import type { FailedSendResult } from './memory-sms-sender';

/** A WhatsApp message the twin accepted, as the provider would have received it. */
interface AcceptedWhatsApp extends WhatsAppMessage {
  providerId: string;
  /** What the person's phone shows: the text, or the template with its placeholders filled. */
  body: string;
  /** Where it ended: delivered, or failed with WhatsApp's error code (as the status callback says). */
  status: 'delivered' | 'failed';
  errorCode?: number;
}

export interface MemoryWhatsAppSender extends WhatsAppSender {
  /** Every message accepted, delivered or not, oldest first. */
  readonly accepted: AcceptedWhatsApp[];
  /** The messages that reached the person's phone. */
  delivered(phone?: string): AcceptedWhatsApp[];
  /** The person wrote to us at the clock's time: their window opens (or opens again). */
  receive(phone: string): void;
  /** A template Meta approved, under its Content SID. */
  registerTemplate(contentSid: string, text: string): void;
  /** WhatsApp will refuse this number: 63003 (not on WhatsApp) or 63024 (no valid recipient). */
  refuse(phone: string, errorCode: 63003 | 63024): void;
  /** The next `count` sends answer `result`; with `afterDelivery`, accepted first (a lost answer). */
  failNext(count: number, result: FailedSendResult, options?: { afterDelivery?: boolean }): void;
  reset(): void;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const WINDOW_MS = 24 * 3_600_000;

/**
 * The in-memory twin of the WhatsApp sender, with WhatsApp's rules as Twilio applies them: a free
 * text outside the person's 24-hour window is accepted and then fails with 63016 (Twilio reports
 * it on the status callback, not on the create); only registered templates are accepted (21655
 * otherwise); a number WhatsApp refuses fails the same way, later. It passes the same contract as
 * the Twilio adapter on the sandbox (test/support/whatsapp-sender-contract.ts).
 */
export function createMemoryWhatsAppSender(options: { clock: Clock }): MemoryWhatsAppSender {
  const accepted: AcceptedWhatsApp[] = [];
  const lastInbound = new Map<string, string>();
  const templates = new Map<string, string>();
  const refused = new Map<string, number>();
  let scripted: Array<{ result: FailedSendResult; afterDelivery: boolean }> = [];
  let nextId = 0;

  const accept = (message: WhatsAppMessage, body: string): AcceptedWhatsApp => {
    nextId += 1;
    // WhatsApp's own rule, exactly 24 hours (not our safer margin: the twin must catch our mistakes).
    const last = lastInbound.get(message.to);
    const outside = message.content.kind === 'text' && !(last !== undefined && options.clock.now().getTime() < Date.parse(last) + WINDOW_MS);
    const errorCode = refused.get(message.to) ?? (outside ? 63016 : undefined);
    const record: AcceptedWhatsApp = {
      ...structuredClone(message),
      providerId: `SM${nextId.toString(16).padStart(32, '0')}`,
      body,
      status: errorCode === undefined ? 'delivered' : 'failed',
      ...(errorCode !== undefined && { errorCode }),
    };
    accepted.push(record);
    return record;
  };

  return {
    accepted,
    delivered: (phone) => accepted.filter((m) => m.status === 'delivered' && (phone === undefined || m.to === phone)),
    async send(message): Promise<SendResult> {
      const fault = scripted.shift();
      const body = message.content.kind === 'text' ? message.content.body : fillTemplate(templates.get(message.content.contentSid) ?? '', message.content.variables);
      if (fault) {
        if (fault.afterDelivery) accept(message, body);
        return { ...fault.result };
      }
      if (!E164.test(message.to)) return rejected(21211);
      if (message.content.kind === 'text') {
        if (Array.from(message.content.body).length === 0) return rejected(21602);
        if (Array.from(message.content.body).length > 1600) return rejected(21617);
      } else if (!templates.has(message.content.contentSid)) {
        return { status: 'failed', retryable: false, code: 'template_not_registered', reason: 'twilio error 21655 (HTTP 400): template not registered' };
      }
      return { status: 'sent', providerId: accept(message, body).providerId };
    },
    receive(phone) {
      lastInbound.set(phone, options.clock.now().toISOString());
    },
    registerTemplate(contentSid, text) {
      templates.set(contentSid, text);
    },
    refuse(phone, errorCode) {
      refused.set(phone, errorCode);
    },
    failNext(count, result, scriptOptions = {}) {
      for (let i = 0; i < count; i += 1) scripted.push({ result, afterDelivery: scriptOptions.afterDelivery ?? false });
    },
    reset() {
      accepted.length = 0;
      lastInbound.clear();
      templates.clear();
      refused.clear();
      scripted = [];
    },
  };
}

function rejected(code: number): SendResult {
  return { status: 'failed', retryable: false, code: code === 21211 ? 'invalid_address' : 'rejected', reason: `twilio error ${code} (HTTP 400)` };
}
