import type { AnnouncementPreview, AnnouncementSent } from '../shared/app/announcements/announce';

import { ANNOUNCEMENT_TEXT_MAX, MAX_TEXT_SEGMENTS } from '../shared/domain/announcement';
import type { Cohort, CounselorPrincipal } from '../shared/domain/counselor';
import { VISA_TRACKS } from '../shared/domain/sequence';
import { dashboardPage, dashboardPaths, header } from './counselor-pages';
import { escapeHtml, type PageResponse } from './html';

/**
 * Announcements in the dashboard (admins): write, preview who gets it and how, send. Three steps
 * on plain forms, no script: the preview page carries the same fields to the send button, so what
 * is sent is what was previewed.
 */

const VISA_WORDS: Record<(typeof VISA_TRACKS)[number], string> = { j1: 'J-1', h1b: 'H-1B', undecided: 'Undecided', none: 'No visa needed' };

export interface AnnouncementDraft {
  text?: string;
  subject?: string;
  details?: string;
  cohortIds?: string[];
  visaTracks?: string[];
  countries?: string;
  seasons?: string;
  channel?: 'both' | 'sms' | 'whatsapp' | 'email';
}

/** The form's fields as an announcement input (zod checks them in the use case). */
export function draftToInput(draft: AnnouncementDraft): unknown {
  const list = (text: string | undefined) => (text ?? '').split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  return {
    text: draft.text ?? '',
    ...(draft.subject && { subject: draft.subject }),
    ...(draft.details && { details: draft.details }),
    audience: {
      ...(draft.cohortIds?.length && { cohortIds: draft.cohortIds }),
      ...(draft.visaTracks?.length && { visaTracks: draft.visaTracks }),
      ...(list(draft.countries).length && { countries: list(draft.countries).map((c) => c.toUpperCase()) }),
      ...(list(draft.seasons).length && { seasons: list(draft.seasons).map(Number) }),
      ...(draft.channel && draft.channel !== 'both' && { channels: [draft.channel] }),
    },
  };
}

function hidden(draft: AnnouncementDraft): string {
  const field = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  return [
    field('text', draft.text ?? ''),
    field('subject', draft.subject ?? ''),
    field('details', draft.details ?? ''),
    ...(draft.cohortIds ?? []).map((c) => field('cohort', c)),
    ...(draft.visaTracks ?? []).map((v) => field('visa', v)),
    field('countries', draft.countries ?? ''),
    field('seasons', draft.seasons ?? ''),
    field('channel', draft.channel ?? 'both'),
  ].join('');
}

export function announcementFormPage(args: { base: string; principal: CounselorPrincipal; cohorts: readonly Cohort[]; formToken?: string; draft?: AnnouncementDraft; error?: string; status?: number }): PageResponse {
  const paths = dashboardPaths(args.base);
  const d = args.draft ?? {};
  const live = args.cohorts.filter((c) => !c.archived);
  const checked = (on: boolean) => (on ? ' checked' : '');
  const body = `${header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { label: 'Announcement' }])}
<h1>Send an announcement</h1>
<p>For news that cannot wait for the coaching tracks: a visa rule paused overnight, a new fee, a changed deadline. It goes once, to members of your cohorts who said yes to your organisation, by a channel they confirmed (on WhatsApp or by text if they confirmed their phone for it, else an email), at most one announcement a day per person from anyone. You see who gets it before it goes.</p>
${args.error ? `<div class="box problem" role="alert"><p>${escapeHtml(args.error)}</p></div>` : ''}
<form method="post" action="${escapeHtml(paths.announcementPreview)}">
<input type="hidden" name="form" value="${escapeHtml(args.formToken ?? '')}">
<label for="text">The text</label>
<span class="hint" id="text-hint">Plain words, up to ${ANNOUNCEMENT_TEXT_MAX} characters: it goes as "Your organisation via Match Coach: ... Reply STOP to end." in at most ${MAX_TEXT_SEGMENTS} text segments, and opens the email.</span>
<textarea id="text" name="text" maxlength="${ANNOUNCEMENT_TEXT_MAX}" required aria-describedby="text-hint" class="plain">${escapeHtml(d.text ?? '')}</textarea>
<label for="subject">Email subject (optional)</label>
<input type="text" id="subject" name="subject" maxlength="90" value="${escapeHtml(d.subject ?? '')}">
<label for="details">More for the email (optional)</label>
<textarea id="details" name="details" maxlength="2000" class="plain">${escapeHtml(d.details ?? '')}</textarea>
<fieldset><legend>Cohorts</legend>
<span class="hint">None ticked: all your live cohorts.</span>
${live.map((c) => `<label class="choice"><input type="checkbox" name="cohort" value="${escapeHtml(c.cohortId)}"${checked(d.cohortIds?.includes(c.cohortId) ?? false)}> <span>${escapeHtml(c.name)} (Match ${escapeHtml(c.season)})</span></label>`).join('')}
</fieldset>
<fieldset><legend>Only some of them (optional)</legend>
${VISA_TRACKS.map((v) => `<label class="choice"><input type="checkbox" name="visa" value="${v}"${checked(d.visaTracks?.includes(v) ?? false)}> <span>Visa track: ${escapeHtml(VISA_WORDS[v])}</span></label>`).join('')}
<label for="countries">Countries (ISO codes such as IN, NG, PK)</label>
<input type="text" id="countries" name="countries" maxlength="80" value="${escapeHtml(d.countries ?? '')}">
<label for="seasons">Match years (such as 2027)</label>
<input type="text" id="seasons" name="seasons" maxlength="40" value="${escapeHtml(d.seasons ?? '')}">
</fieldset>
<fieldset><legend>How it may go</legend>
${(['both', 'sms', 'whatsapp', 'email'] as const).map((c) => `<label class="choice"><input type="radio" name="channel" value="${c}"${checked((d.channel ?? 'both') === c)}> <span>${CHANNEL_CHOICES[c]}</span></label>`).join('')}
</fieldset>
<button type="submit">Preview who gets it</button>
</form>`;
  return dashboardPage({ status: args.status, title: 'Send an announcement', body });
}

const n = (x: number) => x.toLocaleString('en-US');

const CHANNEL_CHOICES = {
  both: 'Their phone (WhatsApp or a text) where they confirmed it, else an email',
  sms: 'Texts only',
  whatsapp: 'WhatsApp only',
  email: 'Emails only',
} as const;

function figures(p: AnnouncementPreview): string {
  const e = p.excluded;
  return `<ul class="stats" aria-label="Who gets it">
<li id="recipients"><span class="n">${n(p.recipients)}</span><span class="l">people get it</span></li>
<li><span class="n">${n(p.bySms)}</span><span class="l">by text</span></li>
<li><span class="n">${n(p.byWhatsApp)}</span><span class="l">on WhatsApp</span></li>
<li><span class="n">${n(p.byEmail)}</span><span class="l">by email</span></li>
<li><span class="n">${n(p.waitForMorning)}</span><span class="l">texts and WhatsApp messages that wait for the end of quiet hours</span></li>
</ul>
<p>Of ${n(p.considered)} members who said yes: ${n(e.notInSegment)} outside the segment, ${n(e.noConsent)} without a confirmed channel it may take, ${n(e.countryNotTextable)} with a number we cannot text, ${n(e.alreadyToday)} who already have an announcement today.</p>`;
}

export function announcementPreviewPage(args: { base: string; principal: CounselorPrincipal; formToken?: string; draft: AnnouncementDraft; preview: AnnouncementPreview }): PageResponse {
  const paths = dashboardPaths(args.base);
  const p = args.preview;
  const body = `${header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { href: paths.announcements, label: 'Announcement' }, { label: 'Preview' }])}
<h1>Who gets it, and how</h1>
${figures(p)}
<h2>The text</h2>
<p class="box" id="sms-preview">${escapeHtml(p.sms.body)}</p>
<p class="hint">${n(p.sms.characters)} characters, ${p.sms.segments} text segment${p.sms.segments === 1 ? '' : 's'}.</p>
<h2>The email</h2>
<p>Subject: <strong>${escapeHtml(p.email.subject)}</strong>. It carries a one-click unsubscribe and your organisation's name.</p>
${
  p.recipients === 0
    ? '<p>Nobody would get it. <a href="' + escapeHtml(paths.announcements) + '">Change the announcement</a>.</p>'
    : `<form method="post" action="${escapeHtml(paths.announcementSend)}">
<input type="hidden" name="form" value="${escapeHtml(args.formToken ?? '')}">${hidden(args.draft)}
<button type="submit">Send to ${n(p.recipients)} ${p.recipients === 1 ? 'person' : 'people'}</button>
</form>`
}
<form method="post" action="${escapeHtml(paths.announcementPreview)}" class="inline"><input type="hidden" name="form" value="${escapeHtml(args.formToken ?? '')}">${hidden(args.draft)}<input type="hidden" name="edit" value="yes"><button type="submit" class="secondary">Change it</button></form>`;
  return dashboardPage({ title: 'Announcement preview', body });
}

export function announcementSentPage(args: { base: string; principal: CounselorPrincipal; formToken?: string; draft: AnnouncementDraft; sent: AnnouncementSent }): PageResponse {
  const paths = dashboardPaths(args.base);
  const s = args.sent;
  const more = s.stillToQueue > 0
    ? `<form method="post" action="${escapeHtml(paths.announcementSend)}"><input type="hidden" name="form" value="${escapeHtml(args.formToken ?? '')}">${hidden(args.draft)}<input type="hidden" name="announcementId" value="${escapeHtml(s.announcementId)}"><button type="submit">Queue the next ${n(Math.min(s.stillToQueue, 1000))} of ${n(s.stillToQueue)}</button></form><p class="hint">Nobody gets it twice, however often this is pressed.</p>`
    : '';
  const body = `${header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { label: 'Announcement sent' }])}
<h1>Your announcement is on its way</h1>
<div class="box" role="status"><p>${n(s.queued)} ${s.queued === 1 ? 'message is' : 'messages are'} queued. They go out at the providers' pace; texts to people in their quiet hours wait until their morning; anything not sent within a day is dropped rather than sent late.</p></div>
${figures(s)}
${more}
<p><a href="${escapeHtml(paths.home)}">Back to your cohorts</a></p>`;
  return dashboardPage({ title: 'Announcement sent', body });
}

