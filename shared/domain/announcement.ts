import { DateTime } from 'luxon';
import * as z from 'zod';
import type { Person } from './model';
import { isInQuietHours, type QuietHours } from './schedule';
import { VisaTrack } from './sequence';
import { smsSegments } from './template';
import { escapeHtml as esc } from './html';

/**
 * Announcements: a short message from an organisation (or the operator) to some of the people who
 * get Match Coach, when something changes that cannot wait for a track (a visa rule paused
 * overnight, a new fee, an NRMP notice). Pure: who gets one and how, and the words.
 *
 * Rules (docs/rules.md, consent): only to people who confirmed the channel it goes by; an organisation's
 * only to members who said yes to it; at most one announcement a day per person whoever sends it
 * (its message id names the person's own day, so a second one that day is refused by the store);
 * texts wait out quiet hours like any text. Announcements are not coaching: the weekly coaching
 * budget does not count them, and they do not count against it.
 */

const ANNOUNCEMENT_CHANNELS = ['sms', 'whatsapp', 'email'] as const;
export type AnnouncementChannel = (typeof ANNOUNCEMENT_CHANNELS)[number];

/** The most an announcement text may cost: two GSM-7 segments with our prefix and STOP line. */
export const MAX_TEXT_SEGMENTS = 2;
export const ANNOUNCEMENT_TEXT_MAX = 240;
/** An announcement that could not go within a day is old news: it is skipped, not sent late. */
export const ANNOUNCEMENT_VALID_HOURS = 24;

const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const plain = (max: number, what: string) =>
  z
    .string()
    .max(max, `${what} can be at most ${max} characters`)
    .refine((s) => !CONTROLS.test(s), `${what} holds control characters`)
    .transform((s) => s.trim())
    .pipe(z.string().min(1, `${what} is empty`));

export const Audience = z
  .object({
    /** Cohorts of the organisation (its live cohorts when absent). Ignored for the operator's. */
    cohortIds: z.array(z.string().min(1).max(64)).max(50).optional(),
    /** Match years (the operator's audience must name at least one). */
    seasons: z.array(z.number().int().min(2020).max(2100)).max(5).optional(),
    visaTracks: z.array(VisaTrack).max(4).optional(),
    /** ISO country codes of the crisis-line table (by phone number, else time zone). */
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'countries are ISO codes such as IN or NG')).max(20).optional(),
    /** The channels it may go by (all when absent): one per person, their phone channel first where confirmed. */
    channels: z.array(z.enum(ANNOUNCEMENT_CHANNELS)).min(1).max(3).optional(),
  })
  .strict();
export type Audience = z.infer<typeof Audience>;

export const AnnouncementInput = z
  .object({
    /** What a text says (and an email's first paragraph): plain words, two text segments at most with our prefix. */
    text: plain(ANNOUNCEMENT_TEXT_MAX, 'the text'),
    /** The email's subject (one line); the text's first words when absent. */
    subject: plain(90, 'the subject').refine((s) => !/[\r\n]/.test(s), 'the subject is one line').optional(),
    /** More for the email, below the text. */
    details: plain(2000, 'the details').optional(),
    audience: Audience.default({}),
  })
  .strict();
export type AnnouncementInput = z.output<typeof AnnouncementInput>;

/** Who sends it, as the person sees it. */
export interface Sender {
  orgName: string;
}

/** Our own name: the operator's announcements come from Match Coach itself. */
export const OPERATOR_SENDER: Sender = { orgName: 'Match Coach' };
const from = (sender: Sender) => (sender.orgName === OPERATOR_SENDER.orgName ? OPERATOR_SENDER.orgName : `${sender.orgName} via Match Coach`);

/** The text as sent: who it is from, the words, and how to stop (carriers expect it on such texts). */
export const announcementSms = (sender: Sender, text: string) => `${from(sender)}: ${text} Reply STOP to end.`;

/**
 * The email: the organisation's words, who sent them and why the person gets them, how to stop
 * (the preference centre; the unsubscribe header is the dispatcher's), and the postal address.
 */
export function announcementEmail(
  sender: Sender,
  input: Pick<AnnouncementInput, 'text' | 'subject' | 'details'>,
  links: { postalAddress: string; preferencesUrl?: string },
): { subject: string; text: string; html: string } {
  const subject = `${sender.orgName}: ${input.subject ?? firstWords(input.text, 60)}`;
  const paragraphs = [input.text, ...(input.details ? input.details.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean) : [])];
  const why = sender.orgName === OPERATOR_SENDER.orgName ? 'Match Coach sent this to everyone it coaches who gets its emails.' : `${sender.orgName} sent this through Match Coach to the people it follows who get Match Coach emails.`;
  const stop = links.preferencesUrl ? `Change what you get, or stop these emails: ${links.preferencesUrl}` : 'Reply to stop these emails.';
  const text = `${paragraphs.join('\n\n')}\n\n--\n${why}\n${stop}\nMatch Coach. ${links.postalAddress}\n`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(subject)}</title></head>
<body style="margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;background:#ffffff">
<main style="max-width:560px;margin:0 auto">
${paragraphs.map((p) => `<p style="margin:0 0 1em">${esc(p)}</p>`).join('\n')}
<hr style="border:none;border-top:1px solid #d9e2ec;margin:24px 0">
<p style="font-size:13px;color:#52606d">${esc(why)} ${links.preferencesUrl ? `<a href="${esc(links.preferencesUrl)}">Change what you get, or stop these emails</a>.` : ''}</p>
<p style="font-size:13px;color:#52606d">Match Coach. ${esc(links.postalAddress)}</p>
</main></body></html>`;
  return { subject, text, html };
}

const firstWords = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max).replace(/\s+\S*$/, '')}...`);

/** Why a text would not fit: undefined when it does. */
export function textProblem(sender: Sender, text: string): string | undefined {
  const measured = smsSegments(announcementSms(sender, text));
  if (measured.encoding !== 'GSM-7') return 'the text holds characters outside plain GSM-7 (curly quotes, emoji, some accents): they double its cost; use plain letters and straight quotes';
  if (measured.segments > MAX_TEXT_SEGMENTS) return `the text is too long: with "${from(sender)}:" and "Reply STOP to end." it takes ${measured.segments} text segments; keep it to ${MAX_TEXT_SEGMENTS}`;
  return undefined;
}

/** The message id of a person's announcement on their own local day: one a day, whoever sends it. */
export const announcementMessageId = (zone: string, at: Date) => `announce.${DateTime.fromJSDate(at, { zone }).toISODate()}`;

export type Reach = { channel: AnnouncementChannel; to: string; waitsForMorning: boolean } | { excluded: 'no-consent' | 'not-in-segment' | 'country-not-textable' };

/**
 * The WhatsApp message: the text's words without the STOP line of a text (WhatsApp's template
 * carries its own), the same sender. Outside the person's 24-hour window it goes as the approved
 * announcement template with these two values; inside it, as free text in the same words.
 */
export const announcementWhatsAppValues = (sender: Sender, text: string) => ({ orgName: from(sender), text });

/**
 * How one person would get it, if at all: in the segment (visa track, season, country), then by
 * the first allowed channel they confirmed (WhatsApp or a text when they confirmed their phone
 * for it, else an email).
 */
export function reachOf(
  person: Pick<Person, 'email' | 'phone' | 'consent' | 'profile' | 'timeZone' | 'quietHours'>,
  audience: Audience,
  context: { now: Date; countryOf: (who: { phone?: string; zone: string }) => string | undefined; textable: (phone: string) => boolean },
): Reach {
  if (audience.seasons && !audience.seasons.includes(person.profile.season)) return { excluded: 'not-in-segment' };
  if (audience.visaTracks && !audience.visaTracks.includes(person.profile.visaTrack)) return { excluded: 'not-in-segment' };
  if (audience.countries) {
    const country = context.countryOf({ ...(person.phone && { phone: person.phone }), zone: person.timeZone });
    if (!country || !audience.countries.includes(country)) return { excluded: 'not-in-segment' };
  }
  const allowed = audience.channels ?? ANNOUNCEMENT_CHANNELS;
  const smsOk = allowed.includes('sms') && person.phone !== undefined && person.consent.sms?.state === 'confirmed';
  const whatsappOk = allowed.includes('whatsapp') && person.phone !== undefined && person.consent.whatsapp?.state === 'confirmed';
  const emailOk = allowed.includes('email') && person.email !== undefined && person.consent.email?.state === 'confirmed';
  // WhatsApp reaches every country; its quiet hours are the person's, as for texts.
  if (whatsappOk) return { channel: 'whatsapp', to: person.phone!, waitsForMorning: isInQuietHours(context.now, person.timeZone, person.quietHours as QuietHours | undefined) };
  if (smsOk && context.textable(person.phone!)) {
    return { channel: 'sms', to: person.phone!, waitsForMorning: isInQuietHours(context.now, person.timeZone, person.quietHours as QuietHours | undefined) };
  }
  if (emailOk) return { channel: 'email', to: person.email!, waitsForMorning: false };
  if (smsOk) return { excluded: 'country-not-textable' };
  return { excluded: 'no-consent' };
}
