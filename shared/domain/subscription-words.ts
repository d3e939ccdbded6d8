import { CADENCES, type Cadence } from './budget';
import type { Milestone } from './sequence';
import { escapeHtml } from './html';
/**
 * What Match Coach says around signing up, in its own words: the consent sentences people agree
 * to (stored word for word with their consent, docs/rules.md), the confirmation and "already
 * subscribed" emails, and the one text that asks a new number for YES. Pure.
 */

/** Shown beside the email field on the sign-up page and stored with the email consent. */
export const EMAIL_CONSENT_TEXT =
  'Email me Match Coach reminders and coaching for my residency applications. I can unsubscribe from any email with one click.';

/**
 * Shown beside the (unticked) SMS box and stored with the SMS consent. Carriers expect the
 * frequency, the rates line, STOP and HELP in the words people agree to. The frequency is the
 * weekly budget's own setting (shared/domain/budget.ts CADENCES), so the promise and what the
 * dispatcher sends cannot drift apart; deadline alerts are outside the budget, and it says so.
 */
export const SMS_CONSENT_TEXT = `Text me Match Coach reminders and coaching at this number, ${CADENCES.standard.promise} (${CADENCES.light.promise} if I choose fewer), plus an alert before each deadline that applies to me. Message and data rates may apply. Reply STOP to end, HELP for help. Agreeing is not a condition of anything.`;

/** How often, in a few words, for a text: "about 3 a week, plus deadline alerts". */
export const smsFrequency = (cadence: Cadence = 'standard') => `about ${CADENCES[cadence].texts} a week, plus deadline alerts`;

/** The one text a new number gets; nothing else goes to it until the YES (one GSM-7 segment). */
export const smsOptInRequest = (cadence: Cadence = 'standard') =>
  `Match Coach: you asked for coaching texts. Reply YES to start (${smsFrequency(cadence)}). Msg&data rates may apply. STOP to end.`;

/** The weekly budget's settings as the pages offer them. */
export const CADENCE_LABELS: Record<Cadence, string> = {
  standard: `${CADENCES.standard.promise.replace(/^up/, 'Up')} (recommended)`,
  light: `Fewer: ${CADENCES.light.promise}`,
};

/**
 * What someone may tell us they have already done (the intake on the preference page; DONE NRMP
 * and its siblings by text): each stops the reminders it makes moot, at once.
 */
export const MILESTONE_LABELS: Record<Milestone, string> = {
  step1: 'USMLE Step 1 passed',
  step2ck: 'USMLE Step 2 CK passed',
  step3: 'USMLE Step 3 passed',
  oet: 'OET Medicine passed',
  pathway: 'ECFMG Pathway accepted',
  ecfmg_certified: 'ECFMG certified',
  eras_token: 'ERAS token bought',
  eras_documents: 'Application documents ready',
  eras_submitted: 'Application submitted (ERAS or ResidencyCAS)',
  nrmp_registered: 'Registered for the NRMP Match',
  rol_certified: 'Rank order list certified',
  statement_of_need: 'J-1 Statement of Need received',
  j1_sponsorship: 'J-1 sponsorship started with ECFMG',
  ds2019: 'DS-2019 received',
  h1b_petition: 'H-1B petition filed',
  training_license: 'Training licence received',
};
export const milestoneField = (milestone: Milestone) => `done_${milestone}`;

/** The personal dates a person can give us: anchors of the personal-plan track. */
export const PERSONAL_DATES = {
  step1_exam: 'USMLE Step 1 exam',
  step2_exam: 'USMLE Step 2 CK exam',
  step3_exam: 'USMLE Step 3 exam',
  oet_exam: 'OET Medicine exam',
  documents_due: 'My own deadline for ERAS documents',
} as const;
export type PersonalDate = keyof typeof PERSONAL_DATES;
export const PERSONAL_DATE_NAMES = Object.keys(PERSONAL_DATES) as PersonalDate[];

/**
 * The tracks someone may turn off in their preference centre, in the words the page uses. A
 * track turned off still sends its deadline alerts (as during a pause); the season's deadlines
 * and their own plan's deadlines are not here because they are nothing but alerts.
 */
export const OPTIONAL_TRACKS = [
  { sequenceId: 'self-care', label: 'Self-care: short nudges twice a week and an occasional email' },
  { sequenceId: 'weekly-reflection', label: 'A reflection question each Wednesday' },
  { sequenceId: 'personal-plan', label: 'The Sunday check-in and the Monday summary of your own week' },
  { sequenceId: 'interview-season', label: 'Interview season practice' },
  { sequenceId: 'match-week', label: 'Match Week support' },
  { sequenceId: 'matched-transition', label: 'Once you match: the road to your first weeks' },
  { sequenceId: 'unmatched-recovery', label: 'If you do not match: a recovery path over the following weeks' },
] as const;
/** The preference form's checkbox for a track (present and `yes` when the track is on). */
export const trackField = (sequenceId: string) => `track_${sequenceId}`;

export interface EmailWords {
  subject: string;
  text: string;
  html: string;
}

/**
 * The HTML part. The fallback link is one unbroken string of 200+ characters: without
 * `word-break` it would set the width, and a phone would scroll sideways to read the email.
 */
/** The one layout of our transactional emails: paragraphs, a button, its link spelled out, the footer. */
export function emailHtml(subject: string, paragraphs: readonly string[], button: { href: string; label: string }, footer: string): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 1em">${escapeHtml(p)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;background:#ffffff">
<main style="max-width:560px;margin:0 auto;overflow-wrap:anywhere">
${body}
<p style="margin:1.5em 0"><a href="${escapeHtml(button.href)}" style="display:inline-block;padding:12px 20px;background:#0b5394;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">${escapeHtml(button.label)}</a></p>
<p style="margin:0 0 1em;font-size:14px;color:#52606d;word-break:break-all;overflow-wrap:anywhere">If the button does not work, copy this link into your browser:<br>${escapeHtml(button.href)}</p>
<hr style="border:none;border-top:1px solid #d9e2ec;margin:24px 0">
<p style="font-size:13px;color:#52606d">${escapeHtml(footer)}</p>
</main>
</body></html>`;
}

const greeting = (firstName?: string) => (firstName ? `Hello ${firstName},` : 'Hello,');

/**
 * Transactional: the only email an unconfirmed address ever gets. It says why we ask (double
 * opt-in protects them) and what happens if they do nothing, so it needs no unsubscribe link.
 */
export function confirmationEmail(args: { confirmUrl: string; postalAddress: string; firstName?: string; validDays: number }): EmailWords {
  const subject = 'Please confirm your Match Coach sign-up';
  const paragraphs = [
    greeting(args.firstName),
    'Someone, we hope you, asked Match Coach to send reminders and coaching for the residency Match to this address.',
    `We ask you to confirm so that nobody can sign you up without your say. Until you do, we send nothing else. The link works once and for ${args.validDays} days.`,
    'If this was not you, ignore this email: you will not hear from us again.',
  ];
  const footer = `Match Coach. ${args.postalAddress}`;
  const text = `${paragraphs.join('\n\n')}\n\nConfirm your sign-up:\n${args.confirmUrl}\n\n--\n${footer}\n`;
  return { subject, text, html: emailHtml(subject, paragraphs, { href: args.confirmUrl, label: 'Confirm my sign-up' }, footer) };
}

/** Sent (at most daily) when a confirmed address signs up again: nothing changed, here is the door. */
export function alreadySubscribedEmail(args: { preferencesUrl: string; postalAddress: string; firstName?: string }): EmailWords {
  const subject = 'You are already signed up for Match Coach';
  const paragraphs = [
    greeting(args.firstName),
    'Someone, probably you, used the Match Coach sign-up form with this address. You are already signed up, so nothing has changed.',
    'To change your dates, channels or quiet hours, or to stop the emails, use your preferences page.',
    'If this was not you, there is nothing to do.',
  ];
  const footer = `Match Coach. ${args.postalAddress}`;
  const text = `${paragraphs.join('\n\n')}\n\nYour preferences:\n${args.preferencesUrl}\n\n--\n${footer}\n`;
  return { subject, text, html: emailHtml(subject, paragraphs, { href: args.preferencesUrl, label: 'Open my preferences' }, footer) };
}
