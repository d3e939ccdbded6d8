/**
 * What Match Coach says around WhatsApp, in its own words: the consent sentences people agree to
 * (stored word for word with their consent, docs/rules.md: opt-in must name WhatsApp), the replies
 * that differ from the SMS ones, and the email that carries a message WhatsApp would not take.
 * Pure. Replies to texts stay within one GSM-7 segment (test/unit/whatsapp-words.test.ts).
 */

/** Beside the WhatsApp box on the sign-up page and in the preferences; stored with the consent. */
export const WHATSAPP_CONSENT_TEXT =
  'Send me Match Coach reminders and coaching on WhatsApp at this number, up to about 3 messages a week. Reply STOP to end, HELP for help. Agreeing is not a condition of anything.';

/** What the person agreed to when a WhatsApp message of theirs (START, YES, JOIN) turned it on. */
export const WHATSAPP_KEYWORD_OPT_IN_TEXT =
  'Messaged START, YES or JOIN to Match Coach on WhatsApp to get coaching and reminders there (PAUSE for a break, STOP to end, HELP for help).';

/** What the person agreed to when they moved from WhatsApp to texts by a WhatsApp message. */
export const SMS_BY_WHATSAPP_KEYWORD_TEXT =
  'Sent TEXTS to Match Coach on WhatsApp to get coaching and reminders by text at this number instead, up to about 3 texts a week (STOP to end, HELP for help).';

export const WHATSAPP_OPT_OUT_TEXT = {
  keyword: 'Opted out by sending STOP (or another opt-out word) to Match Coach on WhatsApp.',
  'free-text': 'Opted out by asking, in their own words on WhatsApp, for the messages to stop.',
} as const;

// ---- Replies on WhatsApp ------------------------------------------------------------------------------

export const whatsappOptInReply = 'Welcome to Match Coach on WhatsApp: short, kind nudges at sensible hours. Reply PAUSE for a break, HELP for help, STOP to end.';
export const whatsappAlreadyOptedInReply = "You're all set: Match Coach is on for WhatsApp. Reply PAUSE for a break, HELP for help, STOP to end.";
/** WhatsApp has no carrier that confirms STOP: we always do. */
export const whatsappOptOutReply = 'OK, Match Coach messages on WhatsApp have stopped. Send START anytime to get them again.';
export const whatsappConfirmFirstReply = 'To get Match Coach on WhatsApp, reply YES. Reply HELP for help.';
export const switchedToWhatsAppReply = 'Done: your coaching moves to WhatsApp, and our texts stop. Send TEXTS here anytime to move back.';
export const switchedToSmsReply = 'Done: your coaching moves to texts at this number, and WhatsApp stops. Text WHATSAPP to us to move back.';
/** Moving to texts from a country whose replies to texts never reach us: honest about what breaks. */
export const switchedToSmsOneWayReply = (country: string) =>
  `Done: coaching moves to texts. From ${country} replies to texts cannot reach us, so PAUSE, STOP and check-ins will not work there. Send START here to come back.`;
export const cannotTextReply = 'We cannot send texts to numbers in your country yet, so your coaching stays here on WhatsApp.';

// ---- Replies by SMS ---------------------------------------------------------------------------------

/** WHATSAPP, texted: the person starts WhatsApp themselves, which also proves the number is on it. */
export const howToSwitchToWhatsAppReply = (whatsappNumber: string | undefined) =>
  `To move to WhatsApp, send START to ${whatsappNumber ?? 'our WhatsApp number'} on WhatsApp. Your texts stop once you do.`;
export const whatsappUnavailableReply = 'Sorry, Match Coach is not on WhatsApp yet. Your texts carry on as before.';
export const alreadyOnTextsReply = "You're on texts already. Reply PAUSE for a break, HELP for help, STOP to end.";

// ---- Anyone we do not know ---------------------------------------------------------------------------

/** START or JOIN from a number nobody holds: where to sign up. Nothing is stored about them. */
export const signUpLinkReply = (signUpUrl: string) =>
  `Welcome to Match Coach, coaching on the road to residency. Sign up here (2 minutes): ${signUpUrl} Nothing more comes until you do.`;

// ---- A message WhatsApp would not take ------------------------------------------------------------------

const UNREACHABLE_WORDS: Record<string, string> = {
  whatsapp_not_on_whatsapp: 'WhatsApp says this number is not on WhatsApp',
  whatsapp_invalid_recipient: 'WhatsApp could not deliver to this number',
};

/**
 * The email that carries a WhatsApp message WhatsApp refused. `text` is the step's text words
 * (slots still in them: the email is rendered like any coaching email). When WhatsApp will never
 * reach the number, it also asks the person how they want their messages from now on.
 */
export function whatsappFallbackEmail(args: { text: string; reason: string; preferencesUrl?: string }): { subject: string; text: string } {
  const unreachable = UNREACHABLE_WORDS[args.reason];
  if (!unreachable) {
    return {
      subject: 'A message from Match Coach',
      text: `This was meant for you on WhatsApp, but it could not go there just now, so here it is by email:\n\n${args.text}`,
    };
  }
  const choose = args.preferencesUrl
    ? `How would you like your messages from now on? Choose email, texts or WhatsApp (with another number) in your preferences: ${args.preferencesUrl}`
    : 'How would you like your messages from now on? Choose in your preferences, from the link in any of our emails.';
  return {
    subject: 'We could not reach you on WhatsApp',
    text: `We tried to send you this on WhatsApp, but ${unreachable}, so your WhatsApp messages have stopped:\n\n${args.text}\n\n${choose}`,
  };
}
