import { emailHtml, smsFrequency, type EmailWords } from './subscription-words';
import { CADENCES } from './budget';

/**
 * What a person enrolled by a counselor is told, and agrees to. Our own words: the
 * invitation names the organisation, says nothing starts without their yes, and how to say no.
 */

/** Stored as the consent text of an invited person: confirming the link agrees to exactly this. */
export const invitationConsentText = (orgName: string) =>
  `Invited by ${orgName}, my advising program. Email me Match Coach reminders and coaching for my residency applications; I can unsubscribe from any email with one click.`;

export const invitationWhatsAppConsentText = (orgName: string) =>
  `Invited by ${orgName}. Send me Match Coach reminders and coaching on WhatsApp at this number, up to about 3 messages a week. Reply STOP to end, HELP for help.`;

export const invitationSmsConsentText = (orgName: string) =>
  `Invited by ${orgName}. Text me Match Coach reminders and coaching at this number, ${CADENCES.standard.promise}, plus an alert before each deadline that applies to me. Message and data rates may apply. Reply STOP to end, HELP for help.`;

/**
 * The one text an invited number gets before their YES. The organisation's name is cut so the
 * text stays one GSM-7 segment (160 characters) whatever it is called.
 */
export function invitationSms(orgName: string): string {
  const tail = ` invited you to Match Coach texts. Reply YES to start (${smsFrequency()}). STOP to end.`;
  const room = 160 - 'Match Coach: '.length - tail.length;
  const name = gsmSafe(orgName).slice(0, Math.max(0, room)).trim() || 'Your advising program';
  return `Match Coach: ${name}${tail}`;
}

/** The invitation email: transactional, like the sign-up confirmation, and the only email until they confirm. */
export function invitationEmail(args: { orgName: string; confirmUrl: string; postalAddress: string; firstName?: string; validDays: number }): EmailWords {
  const subject = `${args.orgName} invited you to Match Coach`;
  const paragraphs = [
    args.firstName ? `Hello ${args.firstName},` : 'Hello,',
    `${args.orgName} uses Match Coach to send its applicants short reminders and coaching for the residency Match, and asked us to invite you.`,
    `Nothing starts until you say yes: confirm below and the reminders begin. The link works once and for ${args.validDays} days.`,
    `If you would rather not, ignore this email: you will not hear from us again. Your program will see whether you accepted.`,
  ];
  const footer = `Match Coach. ${args.postalAddress}`;
  const text = `${paragraphs.join('\n\n')}\n\nAccept the invitation:\n${args.confirmUrl}\n\n--\n${footer}\n`;
  const html = emailHtml(subject, paragraphs, { href: args.confirmUrl, label: 'Accept the invitation' }, footer);
  return { subject, text, html };
}

/**
 * What a person agrees to when they say yes to an organisation (kept with the membership): what
 * it will see, and that they can take it back. Our own words.
 */
export const membershipConsentText = (orgName: string) =>
  `I agree that ${orgName}, my advising program, may see how my Match Coach coaching goes: whether messages reach me, my check-in scores and any safety alerts. They never see the words I write. I can end this at any time.`;

/** What a person agrees to when they let an organisation's counselors see one of their contacts. */
export const contactShareText = (orgName: string, contact: 'email' | 'phone') =>
  `I let ${orgName}'s counselors see my ${contact === 'email' ? 'email address' : 'phone number'} in Match Coach, so they can reach me.`;

/**
 * The email someone already with us gets when an organisation adds them: it goes only to their
 * own confirmed address, changes nothing by itself, and asks.
 */
export function joinRequestEmail(args: { orgName: string; joinUrl: string; postalAddress: string; firstName?: string; validDays: number }): EmailWords {
  const subject = `${args.orgName} asked to follow your Match Coach coaching`;
  const paragraphs = [
    args.firstName ? `Hello ${args.firstName},` : 'Hello,',
    `${args.orgName} added you to one of its groups in Match Coach. They can see nothing about you unless you agree.`,
    `If you agree, they will see how your coaching goes (whether messages reach you, your check-in scores, any safety alerts), never the words you write, and they may add their own reminders to yours.`,
    `Answer with the link below (it works for ${args.validDays} days). If you do not know them, ignore this email: nothing changes.`,
  ];
  const footer = `Match Coach. ${args.postalAddress}`;
  const text = `${paragraphs.join('\n\n')}\n\nAnswer ${args.orgName}:\n${args.joinUrl}\n\n--\n${footer}\n`;
  const html = emailHtml(subject, paragraphs, { href: args.joinUrl, label: `Answer ${args.orgName}` }, footer);
  return { subject, text, html };
}

/** Letters, digits and plain punctuation only: anything else would turn the text into UCS-2. */
const gsmSafe = (s: string) => s.replace(/[^A-Za-z0-9 .,&'()\-/]/g, '').replace(/\s+/g, ' ');
