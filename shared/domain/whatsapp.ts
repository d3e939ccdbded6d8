/**
 * WhatsApp's rules as Match Coach keeps them (docs/rules.md, WhatsApp), pure: the addresses Twilio
 * uses, the customer service window, what WhatsApp's refusals mean, and where WhatsApp should be
 * proposed before texts.
 */

const WHATSAPP_PREFIX = 'whatsapp:';
const E164 = /^\+[1-9]\d{6,14}$/;

/** Twilio's address for a WhatsApp user or sender: `whatsapp:` and the E.164 number. */
export const whatsappAddress = (e164: string) => `${WHATSAPP_PREFIX}${e164}`;

/**
 * The channel an address on Twilio's webhooks belongs to, and the number behind it. A WhatsApp
 * address must carry a whole E.164 number; anything else that is not a WhatsApp address is read
 * as a text's sender as it is (short codes and the like are then simply nobody we know).
 */
export function channelAddress(address: string): { channel: 'sms' | 'whatsapp'; phone: string } | undefined {
  if (address.startsWith(WHATSAPP_PREFIX)) {
    const phone = address.slice(WHATSAPP_PREFIX.length);
    return E164.test(phone) ? { channel: 'whatsapp', phone } : undefined;
  }
  return { channel: 'sms', phone: address };
}

// ---- The customer service window --------------------------------------------------------------------

/**
 * Meta: free-form messages only within 24 hours of the person's last message to us; outside it,
 * only an approved template (Twilio error 63016 otherwise).
 */
export const WINDOW_HOURS = 24;
/**
 * Free-form only while this much of the window is still left: Twilio may hold a message in its
 * queue for a while, and one that reaches WhatsApp after the window closed fails (63016).
 */
const WINDOW_MARGIN_MINUTES = 15;

export interface ConversationWindow {
  /** The person's last message to us on this channel. */
  lastInboundAt?: string;
  /** When WhatsApp told us the window was closed (63016) although our record said open. */
  closedAt?: string;
}

/** Whether a free-form message sent at `at` still lands inside the window. */
export function windowOpen(window: ConversationWindow | undefined, at: Date): boolean {
  if (!window?.lastInboundAt) return false;
  const last = Date.parse(window.lastInboundAt);
  if (window.closedAt && Date.parse(window.closedAt) >= last) return false;
  return at.getTime() < last + (WINDOW_HOURS * 60 - WINDOW_MARGIN_MINUTES) * 60_000;
}

// ---- Reason codes -----------------------------------------------------------------------------------

/** Why a WhatsApp message did not go, or did not arrive: the codes attempts and messages record. */
export const WHATSAPP_REASONS = {
  /** No WhatsApp sender configured in this deployment. */
  notConfigured: 'whatsapp_not_configured',
  /** Outside the window, and the step maps to no template (content tests forbid it). */
  noTemplate: 'whatsapp_no_template',
  /** Outside the window, and the step's template has no approved Content SID configured. */
  templateNotApproved: 'whatsapp_template_not_approved',
  /** Outside the window, a marketing template, and a +1 number: Meta does not deliver those. */
  marketingToUs: 'whatsapp_marketing_us',
  /** 63016: WhatsApp says the window was closed. */
  windowClosed: 'whatsapp_window_closed',
  /** 63003: the number is not on WhatsApp (or no longer). */
  notOnWhatsApp: 'whatsapp_not_on_whatsapp',
  /** 63024: WhatsApp says the number is no valid recipient. */
  invalidRecipient: 'whatsapp_invalid_recipient',
} as const;
export type WhatsAppReason = (typeof WHATSAPP_REASONS)[keyof typeof WHATSAPP_REASONS];

/**
 * What one of WhatsApp's refusals (a Twilio error code, on a status callback or, rarely, on the
 * create itself) means for us:
 * - `window`: our record of the window was wrong. The window is recorded closed (so the next
 *   messages go as templates) and this message's words go again: by email if the person has it
 *   confirmed, else as a template.
 * - `unreachable`: WhatsApp will never deliver to this number. WhatsApp is turned off for the
 *   person (pending messages withdrawn), this message's words go by email, and the email asks
 *   them to choose how they want their messages from now on.
 */
export function whatsappRefusal(errorCode: number | undefined): { reason: WhatsAppReason; behaviour: 'window' | 'unreachable' } | undefined {
  if (errorCode === 63016) return { reason: WHATSAPP_REASONS.windowClosed, behaviour: 'window' };
  if (errorCode === 63003) return { reason: WHATSAPP_REASONS.notOnWhatsApp, behaviour: 'unreachable' };
  if (errorCode === 63024) return { reason: WHATSAPP_REASONS.invalidRecipient, behaviour: 'unreachable' };
  return undefined;
}

// ---- Where WhatsApp comes first ---------------------------------------------------------------------

/**
 * Countries whose numbers cannot answer our texts: texts arrive from changing international
 * senders and replies never come back. Twilio's per-country SMS guidelines
 * (twilio.com/en-us/guidelines/<iso>/sms, "Two-way SMS supported") say so for India and Nigeria;
 * Pakistan and Egypt are reported the same by people texting there. An operator opening another
 * country checks its guidelines page first (DEPLOY.md).
 */
export const ONE_WAY_SMS_COUNTRIES = [
  { callingCode: '91', name: 'India' },
  { callingCode: '92', name: 'Pakistan' },
  { callingCode: '234', name: 'Nigeria' },
  { callingCode: '20', name: 'Egypt' },
] as const;

/** The country of a number whose replies to texts cannot reach us, if it is one of those. */
export function oneWaySmsCountry(e164: string): string | undefined {
  // Calling codes are prefix-free, so a plain prefix match is exact.
  return ONE_WAY_SMS_COUNTRIES.find((c) => e164.startsWith(`+${c.callingCode}`))?.name;
}

/**
 * Meta does not deliver marketing templates to US numbers. Canada and the Caribbean share +1 and
 * cannot be told apart by the number alone, so every +1 number is treated as one.
 */
export const marketingBlockedFor = (e164: string) => e164.startsWith('+1');
