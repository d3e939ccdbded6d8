import type { FieldErrors } from '../shared/app/subscription/form-fields';
import { type UpdatePreferencesOutcome, PAUSE_CHOICES, QUIET_END_CHOICES, QUIET_START_CHOICES } from '../shared/app/subscription/save-preferences';
import type { PreferencesView } from '../shared/app/subscription/view-preferences';
import { CADENCE_LABELS, EMAIL_CONSENT_TEXT, PERSONAL_DATE_NAMES, PERSONAL_DATES, SMS_CONSENT_TEXT, trackField } from '../shared/domain/subscription-words';
import type { z } from 'zod';
import type { ApplicantType, Outcome, VisaTrack } from '../shared/domain/sequence';
import { calendarSubscribeLinks } from './calendar-links';
import { THIS_PAGE, contents, errorSummary, escapeHtml, field, options, page, type Option, type PageResponse } from './html';
import { TOKEN_LIFETIME_SECONDS } from '../shared/domain/tokens';
import { WHATSAPP_CONSENT_TEXT } from '../shared/domain/whatsapp-words';
import { ONE_WAY_SMS_COUNTRIES } from '../shared/domain/whatsapp';

const CONFIRM_DAYS = Math.round(TOKEN_LIFETIME_SECONDS['confirm-email'] / 86_400);

/**
 * The pages a person sees, server-rendered: sign-up, "check your inbox", confirmation, the
 * preference centre (with "delete all my data"), unsubscribe, and the plain page for a link that
 * does not work. Our own words, brief and warm. Every value goes through escapeHtml.
 */

// Records over the domain's own enums: a new visa track or outcome cannot ship without words here.
const labelled = <K extends string>(names: Record<K, string>): Option[] => Object.entries<string>(names).map(([value, label]) => ({ value, label }));
const VISA_LABELS = labelled<VisaTrack>({
  undecided: 'Not sure yet',
  j1: 'J-1 (sponsored by ECFMG)',
  h1b: 'H-1B',
  none: 'No visa needed (US citizen or green card)',
});
const APPLICANT_LABELS = labelled<z.infer<typeof ApplicantType>>({
  'non-us-img': 'Not a US citizen (IMG)',
  'us-img': 'US citizen, studied abroad',
});
const OUTCOME_LABELS = labelled<Outcome>({
  applying: 'Applying',
  soap: 'In SOAP (Match Week)',
  matched: 'Matched',
  unmatched: 'Did not match this time',
  withdrawn: 'Taking a break from applying',
});
const attemptLabels = (current?: number): Option[] => {
  const base = [
    { value: '1', label: 'My first' },
    { value: '2', label: 'My second' },
    { value: '3', label: 'My third' },
    { value: '4', label: 'My fourth or later' },
  ];
  return current && current > 4 ? [...base, { value: String(current), label: `My ${current}th` }] : base;
};
const seasonLabels = (seasons: readonly number[]): Option[] =>
  seasons.map((year) => ({ value: String(year), label: `Match ${year}` }));
const SEASON_HINT = 'The year of your Match Day: results come out in March.';

let zones: Option[] | undefined;
/** Every IANA zone the runtime knows, for the visible override of the browser's guess. */
function zoneOptions(): Option[] {
  zones ??= [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].sort().map((z) => ({ value: z, label: z.replace(/_/g, ' ') }));
  return zones;
}
const zoneSelect = (id: string, selected: string | undefined, describedBy: string, invalid: string) => {
  const list = zoneOptions();
  // A zone the person had that this runtime lists differently (an alias) must stay selectable.
  const extra = selected && !list.some((o) => o.value === selected) ? [{ value: selected, label: selected }] : [];
  return `<select id="${id}" name="timeZone" required autocomplete="off"${describedBy}${invalid}><option value="">Choose your time zone</option>${options([...extra, ...list], selected)}</select>`;
};

const input = (args: { id: string; name?: string; type: string; value?: string; attrs?: string }) => (describedBy: string, invalid: string) =>
  `<input id="${args.id}" name="${args.name ?? args.id}" type="${args.type}" value="${escapeHtml(args.value ?? '')}"${args.attrs ?? ''}${describedBy}${invalid}>`;
const select = (id: string, choices: Option[], selected: string | undefined, attrs = ' required') => (describedBy: string, invalid: string) =>
  `<select id="${id}" name="${id}"${attrs}${describedBy}${invalid}>${options(choices, selected)}</select>`;

function dateFieldset(values: Record<string, string | undefined>, errors: FieldErrors, legend: string, hint: string, id = 'dates'): string {
  const fields = PERSONAL_DATE_NAMES.map((name) =>
    field({ id: name, label: PERSONAL_DATES[name], error: errors[name], control: input({ id: name, type: 'date', value: values[name], attrs: ' min="2020-01-01" max="2100-12-31"' }) }),
  ).join('\n');
  return `<fieldset id="${id}"><legend>${escapeHtml(legend)}</legend><p class="hint">${escapeHtml(hint)}</p>${fields}</fieldset>`;
}

// ---- Sign-up -----------------------------------------------------------------------------------------

const CADENCE_CHOICES: Option[] = (Object.entries(CADENCE_LABELS) as [string, string][]).map(([value, label]) => ({ value, label }));

const SIGNUP_LABELS: Record<string, string> = {
  cadence: 'How many coaching texts',
  email: 'Email address',
  firstName: 'First name',
  mobile: 'Mobile number',
  smsConsent: 'Texts',
  whatsappConsent: 'WhatsApp',
  timeZone: 'Time zone',
  season: 'Match year',
  visaTrack: 'Visa',
  applicantType: 'Applicant',
  attempt: 'Application cycle',
  specialty: 'Specialty interest',
  ...PERSONAL_DATES,
};

/** "India, Pakistan, Nigeria and Egypt": the countries whose replies to texts never reach us. */
const ONE_WAY_COUNTRY_NAMES = ONE_WAY_SMS_COUNTRIES.map((c) => c.name).join(', ').replace(/, ([^,]*)$/, ' and $1');

/** A consent box: unticked unless the person ticked it, its error wired up for screen readers. */
const consentBox = (name: string, text: string, v: Record<string, string>, e: FieldErrors, label?: string) =>
  `${e[name] ? `<span class="error" id="${name}-error">${escapeHtml(e[name])}</span>` : ''}
<label class="choice" for="${name}"><input type="checkbox" id="${name}" name="${name}" value="yes"${v[name] === 'yes' ? ' checked' : ''}${e[name] ? ` aria-invalid="true" aria-describedby="${name}-error"` : ''}><span>${label ? `<strong>${escapeHtml(label)}</strong> ` : ''}${escapeHtml(text)}</span></label>`;

export function signupPage(args: {
  values?: Record<string, string>;
  errors?: FieldErrors;
  seasons: readonly number[];
  status?: number;
  /** Whether this deployment offers WhatsApp: then it comes first, with why. */
  whatsappOffered?: boolean;
  /** The form came back proposing WhatsApp for a number whose replies to texts never reach us: sent again, it keeps texts. */
  proposedWhatsApp?: boolean;
}): PageResponse {
  const v = args.values ?? {};
  const e = args.errors ?? {};
  const phoneChoices = args.whatsappOffered
    ? `<p class="hint" id="phone-channel-hint">WhatsApp or texts, one of the two. In ${escapeHtml(ONE_WAY_COUNTRY_NAMES)}, replies to our texts cannot reach us (texts arrive from changing international numbers), so check-ins and STOP work there only on WhatsApp.</p>
${consentBox('whatsappConsent', WHATSAPP_CONSENT_TEXT, v, e, 'WhatsApp:')}
${consentBox('smsConsent', SMS_CONSENT_TEXT, v, e, 'Texts:')}${args.proposedWhatsApp ? '<input type="hidden" name="smsOneWayAccepted" value="yes">' : ''}`
    : consentBox('smsConsent', SMS_CONSENT_TEXT, v, e);
  const body = `
<h1>Match Coach</h1>
<p>Short, kind reminders and coaching for international medical graduates on the road to a US residency: your deadlines at sensible hours, small habits that help, and steady words in Match Week, whatever happens.</p>
${errorSummary(e, SIGNUP_LABELS)}
<form method="post" action="subscribe">
<fieldset><legend>How to reach you</legend>
${field({ id: 'email', label: 'Email address', hint: 'We will send one email to confirm it is you. Nothing else comes until you confirm.', error: e.email, control: input({ id: 'email', type: 'email', value: v.email, attrs: ' required autocomplete="email" maxlength="254"' }) })}
${field({ id: 'firstName', label: 'First name (optional)', hint: 'So we can greet you.', error: e.firstName, control: input({ id: 'firstName', type: 'text', value: v.firstName, attrs: ' autocomplete="given-name" maxlength="60"' }) })}
${field({ id: 'mobile', label: 'Mobile number (optional)', hint: `With your country code, like +91 98123 45678. Only if you would like ${args.whatsappOffered ? 'WhatsApp messages or texts' : 'texts'} too.`, error: e.mobile, control: input({ id: 'mobile', type: 'tel', value: v.mobile, attrs: ' autocomplete="tel" inputmode="tel" maxlength="40"' }) })}
${phoneChoices}
${field({ id: 'cadence', label: 'How many coaching texts', hint: 'Deadline alerts come either way. You can change this later.', error: e.cadence, control: select('cadence', CADENCE_CHOICES, v.cadence ?? 'standard') })}
</fieldset>
<fieldset><legend>Your time zone</legend>
${field({ id: 'timeZone', label: 'Time zone', hint: 'Reminders come at sensible hours where you are.', error: e.timeZone, control: (d, i) => zoneSelect('timeZone', v.timeZone, d, i) })}
<p class="hint" id="timeZone-detected" hidden>We filled this in from your device. Change it if it is not right.</p>
</fieldset>
<fieldset><legend>Where you are on the road</legend>
${field({ id: 'season', label: 'Which Match are you applying for?', hint: SEASON_HINT, error: e.season, control: select('season', seasonLabels(args.seasons), v.season) })}
${field({ id: 'visaTrack', label: 'Visa', error: e.visaTrack, control: select('visaTrack', VISA_LABELS, v.visaTrack ?? 'undecided') })}
${field({ id: 'applicantType', label: 'You are', error: e.applicantType, control: select('applicantType', APPLICANT_LABELS, v.applicantType ?? 'non-us-img') })}
${field({ id: 'attempt', label: 'This is', hint: 'Many IMGs match on a second or third try.', error: e.attempt, control: select('attempt', attemptLabels().map((o) => ({ ...o, label: `${o.label} application cycle` })), v.attempt ?? '1') })}
${field({ id: 'specialty', label: 'Specialty interest (optional)', hint: 'In a few words, like "internal medicine".', error: e.specialty, control: input({ id: 'specialty', type: 'text', value: v.specialty, attrs: ' maxlength="80"' }) })}
</fieldset>
${dateFieldset(v, e, 'Your own dates (optional)', 'We remind you ahead of these, with an earlier target of your own. Add or change them later.')}
<div class="hp" aria-hidden="true"><label for="website">Leave this empty</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
<p class="consent">By signing up you agree: ${escapeHtml(EMAIL_CONSENT_TEXT)}</p>
<button type="submit">Sign up</button>
</form>
<p class="hint">We use your details only to send your reminders. You can change them, pause, or delete everything from the link in any email.</p>`;
  return page({ status: args.status ?? 200, title: 'Sign up', body, timeZoneScript: true });
}

/** The same page whoever signed up, new or known: it must not tell anyone whether an address exists. */
export function checkInboxPage(): PageResponse {
  return page({
    title: 'Check your inbox',
    body: `
<h1>Check your inbox</h1>
<p>If this address is new to us, we have sent it an email with a link to confirm. Nothing else comes until you use it. The link works for ${CONFIRM_DAYS} days.</p>
<p>If you are already signed up, we have sent a link to your preferences instead.</p>
<p>If you asked for texts, your phone will get one text once you confirm: reply YES to start them. If you asked for WhatsApp, you will get one WhatsApp message from Match Coach instead: reply YES there.</p>
<p class="hint">Nothing there after a few minutes? Check your spam or promotions folder.</p>`,
  });
}

// ---- Confirmation ------------------------------------------------------------------------------------

export function confirmPromptPage(): PageResponse {
  return page({
    title: 'Confirm your sign-up',
    body: `
<h1>One last step</h1>
<p>Press the button to confirm that you would like Match Coach reminders and coaching by email.</p>
<form method="post" action=""><input type="hidden" name="confirm" value="yes"><button type="submit">Yes, confirm my sign-up</button></form>
<p class="hint">We ask for this press so that a link checked by a mail scanner never signs anyone up.</p>`,
  });
}

/**
 * After the press that confirms. Links to the preference centre only on the confirmation itself:
 * a link pressed again (replayed, forwarded, found in an old email) says so and hands out nothing.
 * `calendarUrl`: where the person adds their deadlines to a calendar (the preference centre's
 * calendar section).
 */
export function confirmedPage(args: { links?: { preferencesUrl: string; calendarUrl: string }; already: boolean; orgName?: string }): PageResponse {
  return page({
    title: args.already ? 'Already confirmed' : 'You are in',
    body: `
<h1>${args.already ? 'You are already confirmed' : 'You are in. Welcome to Match Coach.'}</h1>
<div class="box" role="status">${args.already ? 'Nothing has changed: your sign-up was confirmed before.' : `Your email is confirmed. Your first reminders are planned for sensible hours in your time zone.${args.orgName ? ` ${escapeHtml(args.orgName)} can now see how your coaching goes (never the words you write).` : ''}`}</div>
<p>Every email has a link to your preferences, where you can change your dates, pause, or stop at any time.</p>${
      args.links
        ? `
<p><a href="${escapeHtml(args.links.preferencesUrl)}">Open my preferences</a></p>
<p><a href="${escapeHtml(args.links.calendarUrl)}">Add my deadlines to my calendar</a></p>`
        : ''
    }`,
  });
}

export function notPendingPage(): PageResponse {
  return page({
    status: 409,
    title: 'Link already used',
    body: `
<h1>This link was already used</h1>
<p>Nothing has changed. If you would like Match Coach again, sign up on our <a href="../">sign-up page</a>.</p>`,
  });
}

// ---- Preferences -------------------------------------------------------------------------------------

const PREFERENCE_LABELS: Record<string, string> = {
  cadence: 'How many coaching texts',
  interviews: 'Interviews so far',
  email: 'Emails',
  sms: 'Texts',
  mobile: 'Mobile number',
  smsConsent: 'Texts',
  whatsapp: 'WhatsApp',
  whatsappConsent: 'WhatsApp',
  quietStart: 'Quiet hours start',
  quietEnd: 'Quiet hours end',
  pause: 'Pause',
  timeZone: 'Time zone',
  season: 'Match year',
  visaTrack: 'Visa',
  applicantType: 'Applicant',
  attempt: 'Application cycle',
  outcome: 'Where you are',
  firstName: 'First name',
  specialty: 'Specialty interest',
  ...PERSONAL_DATES,
};

const NOTE_WORDS: Record<Extract<UpdatePreferencesOutcome, { status: 'saved' }>['notes'][number], string> = {
  'email-confirmation-sent': 'We have sent you an email: confirm it to get emails again.',
  'email-confirmation-recent': 'We sent you a confirmation email a few minutes ago: use the link in it to get emails again.',
  'email-confirmation-failed': 'We could not send the confirmation email just now. Please try again in a few minutes.',
  'email-off': 'Emails are off. Nothing more comes by email unless you turn them on again.',
  'sms-request-sent': 'If that number can get texts from us, it will get one text now: reply YES to start.',
  'sms-off': 'Texts are off.',
  'sms-needs-number': 'Add your mobile number to get texts.',
  'whatsapp-request-sent': 'If that number is on WhatsApp, it will get one WhatsApp message from Match Coach now: reply YES there to start.',
  'whatsapp-off': 'WhatsApp messages are off.',
  paused: 'Paused. Deadline alerts still come, so nothing important slips.',
  resumed: 'Your pause is over: coaching starts again.',
};

function radios(name: string, current: 'on' | 'off', labels: { on: string; off: string }, error?: string): string {
  const problem = error ? ` aria-invalid="true" aria-describedby="${name}-error"` : '';
  return `${error ? `<span class="error" id="${name}-error">${escapeHtml(error)}</span>` : ''}${(['on', 'off'] as const)
    .map((value) => `<label class="choice" for="${name}-${value}"><input type="radio" id="${name}-${value}" name="${name}" value="${value}"${current === value ? ' checked' : ''}${problem}><span>${escapeHtml(labels[value])}</span></label>`)
    .join('')}`;
}

/** The preference centre's sections, in order: the page's table of contents. */
const PREFERENCE_SECTIONS = [
  { id: 'emails', label: 'Emails' },
  { id: 'texts', label: 'Texts' },
  { id: 'quiet-hours', label: 'Quiet hours' },
  { id: 'pause-section', label: 'Take a break' },
  { id: 'tracks', label: 'What we send you' },
  { id: 'about', label: 'About you' },
  { id: 'dates', label: 'Your own dates' },
  { id: 'counselor', label: 'Your counselor' },
  { id: 'plan', label: 'Your plan' },
  { id: 'calendar', label: 'Your calendar' },
  { id: 'delete', label: 'Delete all my data' },
] as const;

function calendarSection(calendarUrl: string, season: number, reset: boolean): string {
  const links = calendarSubscribeLinks(calendarUrl, `Match Coach: Match ${season} deadlines`);
  return `<h2 id="calendar">Your deadlines in your calendar</h2>
${reset ? '<div class="box" role="status"><p><strong>Your calendar link is new.</strong> The old one has stopped working: subscribe again with one of the buttons below, and remove the old calendar from your app.</p></div>' : ''}
<p>Subscribe once and your calendar keeps itself up to date, with a reminder before each deadline. Keep the link to yourself: anyone with it can see your dates.</p>
<ul class="links">
<li><a href="${escapeHtml(links.google)}" rel="noreferrer">Add to Google Calendar</a></li>
<li><a href="${escapeHtml(links.webcal)}">Add to Apple Calendar</a></li>
<li><a href="${escapeHtml(links.outlook)}" rel="noreferrer">Add to Outlook.com</a></li>
<li><a href="${escapeHtml(links.office365)}" rel="noreferrer">Add to Outlook (work or school)</a></li>
</ul>
<p>Another app? Choose "subscribe to a calendar" (or "add calendar from URL") and paste this address:<br><code>${escapeHtml(links.https)}</code></p>
<p>Shared it by mistake? Get a new link: the old one stops working at once.</p>
<form method="post" action="${THIS_PAGE}"><input type="hidden" name="action" value="reset-calendar"><button type="submit" class="secondary">Reset my calendar link</button></form>`;
}

export function preferencesPage(args: {
  view: PreferencesView;
  errors?: FieldErrors;
  notes?: readonly string[];
  saved?: boolean;
  /** The calendar link was just reset: the page says so beside the new one. */
  calendarReset?: boolean;
  status?: number;
  values?: Record<string, string>;
}): PageResponse {
  const view = args.view;
  const e = args.errors ?? {};
  // After a problem the form keeps what the person chose, so nothing they typed is lost.
  const v = args.values ?? {};
  const pick = (name: string, stored: string | undefined) => v[name] ?? stored;
  const emailOn = view.email === 'on' || view.email === 'waiting';
  const smsOn = view.sms === 'on' || view.sms === 'waiting';
  const status = args.saved
    ? `<div class="box" role="status"><p><strong>Saved.</strong></p>${(args.notes ?? []).map((n) => `<p>${escapeHtml(NOTE_WORDS[n as keyof typeof NOTE_WORDS] ?? '')}</p>`).join('')}</div>`
    : args.calendarReset
      ? '<div class="box" role="status"><p><strong>Your calendar link is new.</strong> <a href="#calendar">Subscribe again with the new one</a>: the old link has stopped working.</p></div>'
      : '';
  const smsNeedsConsent = view.sms === 'off' || view.sms === 'none';
  const body = `
<h1>${view.firstName ? `${escapeHtml(view.firstName)}, your` : 'Your'} Match Coach preferences</h1>
${status}
${errorSummary(e, PREFERENCE_LABELS)}
${contents(PREFERENCE_SECTIONS)}
<form method="post" action="${THIS_PAGE}">
<input type="hidden" name="action" value="save">
<fieldset id="emails"><legend>Emails${view.emailMasked ? ` to ${escapeHtml(view.emailMasked)}` : ''}</legend>
${view.email === 'waiting' ? '<p class="hint">Waiting for you to confirm: check your inbox for our email.</p>' : ''}
${radios('email', (pick('email', emailOn ? 'on' : 'off') as 'on' | 'off'), { on: 'Send me emails', off: 'No emails' }, e.email)}
</fieldset>
<fieldset id="texts"><legend>Texts${view.phoneMasked ? ` to ${escapeHtml(view.phoneMasked)}` : ''}</legend>
${view.sms === 'waiting' ? '<p class="hint">Waiting for your YES: reply YES to our text to start them.</p>' : ''}
${radios('sms', (pick('sms', smsOn ? 'on' : 'off') as 'on' | 'off'), { on: 'Send me texts', off: 'No texts' }, e.sms)}
${
  smsNeedsConsent
    ? `${field({ id: 'mobile', label: view.phoneMasked ? 'A different mobile number (optional)' : 'Mobile number', hint: 'With your country code, like +91 98123 45678.', error: e.mobile, control: input({ id: 'mobile', type: 'tel', value: v.mobile, attrs: ' autocomplete="tel" inputmode="tel" maxlength="40"' }) })}
${e.smsConsent ? `<span class="error" id="smsConsent-error">${escapeHtml(e.smsConsent)}</span>` : ''}
<label class="choice" for="smsConsent"><input type="checkbox" id="smsConsent" name="smsConsent" value="yes"${v.smsConsent === 'yes' ? ' checked' : ''}${e.smsConsent ? ' aria-invalid="true" aria-describedby="smsConsent-error"' : ''}><span>${escapeHtml(SMS_CONSENT_TEXT)}</span></label>`
    : ''
}
</fieldset>
${field({ id: 'cadence', label: 'How many coaching texts', hint: 'Deadline alerts come either way.', error: e.cadence, control: select('cadence', CADENCE_CHOICES, pick('cadence', view.cadence)) })}
${whatsappFieldset(view, v, e, pick)}
<fieldset id="quiet-hours"><legend>Quiet hours</legend>
<p class="hint">No texts or WhatsApp messages come between these times where you are. You can make this window longer, not shorter, than 21:00 to 08:00.</p>
${field({ id: 'quietStart', label: 'From', error: e.quietStart, control: select('quietStart', QUIET_START_CHOICES.map((t) => ({ value: t, label: t })), pick('quietStart', view.quietHours.start)) })}
${field({ id: 'quietEnd', label: 'Until', error: e.quietEnd, control: select('quietEnd', QUIET_END_CHOICES.map((t) => ({ value: t, label: t })), pick('quietEnd', view.quietHours.end)) })}
</fieldset>
<fieldset id="pause-section"><legend>Take a break</legend>
${view.pausedUntil ? `<p>Paused until ${escapeHtml(view.pausedUntil)}.</p>` : ''}
${field({
  id: 'pause',
  label: 'Pause coaching',
  hint: 'Deadline alerts still come during a pause.',
  error: e.pause,
  control: select(
    'pause',
    PAUSE_CHOICES.map((c) => ({
      value: c,
      label: c === 'keep' ? (view.pausedUntil ? 'Keep my pause as it is' : 'No pause') : c === 'none' ? (view.pausedUntil ? 'End my pause now' : 'No pause, and end any pause') : `Pause for ${c} days`,
    })),
    pick('pause', 'keep'),
  ),
})}
</fieldset>
<fieldset id="tracks"><legend>What we send you</legend>
<p class="hint">Untick what you would rather not get. Deadline alerts always come, from every track.</p>
<input type="hidden" name="tracks" value="shown">
${view.tracks
  .map((t) => {
    const id = trackField(t.sequenceId);
    const on = v.action ? v[id] === 'yes' : t.on;
    return `<label class="choice" for="${id}"><input type="checkbox" id="${id}" name="${id}" value="yes"${on ? ' checked' : ''}><span>${escapeHtml(t.label)}</span></label>`;
  })
  .join('\n')}
</fieldset>
<fieldset id="about"><legend>About you</legend>
${field({ id: 'firstName', label: 'First name (optional)', error: e.firstName, control: input({ id: 'firstName', type: 'text', value: pick('firstName', view.firstName), attrs: ' autocomplete="given-name" maxlength="60"' }) })}
${field({ id: 'timeZone', label: 'Time zone', error: e.timeZone, control: (d, i) => zoneSelect('timeZone', pick('timeZone', view.timeZone), d, i) })}
${field({ id: 'season', label: 'Which Match are you applying for?', hint: SEASON_HINT, error: e.season, control: select('season', seasonLabels(view.seasonChoices), pick('season', String(view.season))) })}
${field({ id: 'outcome', label: 'Where you are', hint: 'This changes which coaching you get, for example after Match Day.', error: e.outcome, control: select('outcome', OUTCOME_LABELS, pick('outcome', view.outcome)) })}
${field({ id: 'visaTrack', label: 'Visa', error: e.visaTrack, control: select('visaTrack', VISA_LABELS, pick('visaTrack', view.visaTrack)) })}
${field({ id: 'applicantType', label: 'You are', error: e.applicantType, control: select('applicantType', APPLICANT_LABELS, pick('applicantType', view.applicantType)) })}
${field({ id: 'attempt', label: 'This is', error: e.attempt, control: select('attempt', attemptLabels(view.attempt).map((o) => ({ ...o, label: `${o.label} application cycle` })), pick('attempt', String(view.attempt))) })}
${field({ id: 'specialty', label: 'Specialty interest (optional)', error: e.specialty, control: input({ id: 'specialty', type: 'text', value: pick('specialty', view.specialty), attrs: ' maxlength="80"' }) })}
</fieldset>
${dateFieldset(Object.fromEntries(PERSONAL_DATE_NAMES.map((n) => [n, pick(n, view.dates[n])])), e, 'Your own dates', 'Leave a date empty to remove it.')}
<fieldset id="done"><legend>What you have already done</legend>
<p class="hint">Tick what is behind you: the reminders about it stop at once. By text: DONE NRMP, DONE ERAS, DONE PATHWAY, DONE STEP3, DONE ROL.</p>
<input type="hidden" name="milestones" value="shown">
${view.milestones
  .map((m) => {
    const on = v.action ? v[m.field] === 'yes' : m.done;
    return `<label class="choice" for="${m.field}"><input type="checkbox" id="${m.field}" name="${m.field}" value="yes"${on ? ' checked' : ''}><span>${escapeHtml(m.label)}</span></label>`;
  })
  .join('\n')}
${field({ id: 'interviews', label: 'Interviews so far (optional)', hint: 'A number, like 4. By text: INTERVIEWS 4.', error: e.interviews, control: input({ id: 'interviews', type: 'text', value: pick('interviews', view.interviews === undefined ? undefined : String(view.interviews)), attrs: ' inputmode="numeric" maxlength="2"' }) })}
</fieldset>
<fieldset id="counselor"><legend>Your counselor</legend>
<label class="choice" for="showPlanToCounselor"><input type="checkbox" id="showPlanToCounselor" name="showPlanToCounselor" value="yes"${(v.action ? v.showPlanToCounselor === 'yes' : view.showPlanToCounselor) ? ' checked' : ''}><span>Show my plan to my counselor (if I have one). Off unless you turn it on; your texts and notes stay private either way.</span></label>
</fieldset>
<button type="submit">Save my preferences</button>
</form>
${organisationsSection(view.organisations)}
<h2 id="plan">Your plan</h2>
<p>Your deadlines, your own finish lines before them, and your goals for the week: <a href="${escapeHtml(view.planUrl)}" id="plan-link">open my plan</a>.</p>
${calendarSection(view.calendarUrl, view.season, args.calendarReset === true)}
<h2 id="delete">Delete all my data</h2>
<p>This removes everything we hold about you: your details, dates, plan, messages and notes. It cannot be undone.</p>
<form method="post" action="${THIS_PAGE}"><input type="hidden" name="action" value="delete"><button type="submit" class="danger">Delete all my data…</button></form>`;
  return page({ status: args.status ?? 200, title: 'Your preferences', body });
}

/** Organisations that follow the person's coaching, or ask to: each with the person's own button. */
function organisationsSection(organisations: PreferencesView['organisations']): string {
  if (organisations.length === 0) return '';
  const rows = organisations
    .map((o) => {
      const name = escapeHtml(o.name);
      const [action, label, said] =
        o.answer === 'accepted' ? ['stop-sharing', `Stop sharing with ${name}`, `${name} sees how your coaching goes (never the words you write).`] : ['start-sharing', `Let ${name} follow my coaching`, `${name} asked to follow your coaching. They see nothing unless you agree.`];
      return `<li><p>${said}</p><form method="post" action="${THIS_PAGE}"><input type="hidden" name="action" value="${action}"><input type="hidden" name="org" value="${escapeHtml(o.orgId)}"><button type="submit"${o.answer === 'accepted' ? ' class="secondary"' : ''}>${label}</button></form></li>`;
    })
    .join('\n');
  return `<h2 id="organisations">Organisations</h2>\n<ul class="plain">\n${rows}\n</ul>`;
}

/** WhatsApp in the preferences: shown where it is offered, or while it is still on for the person. */
function whatsappFieldset(view: PreferencesView, v: Record<string, string>, e: FieldErrors, pick: (name: string, stored: string | undefined) => string | undefined): string {
  if (!view.whatsappOffered && view.whatsapp === 'none') return '';
  const on = view.whatsapp === 'on' || view.whatsapp === 'waiting';
  const needsConsent = view.whatsapp === 'off' || view.whatsapp === 'none';
  return `<fieldset><legend>WhatsApp${view.phoneMasked ? ` at ${escapeHtml(view.phoneMasked)}` : ''}</legend>
<p class="hint">WhatsApp or texts, one of the two: choosing one turns the other off, and keeps everything else as it is.</p>
${view.whatsapp === 'waiting' ? '<p class="hint">Waiting for your YES: reply YES to our WhatsApp message to start.</p>' : ''}
${e.whatsapp ? `<span class="error">${escapeHtml(e.whatsapp)}</span>` : ''}
${radios('whatsapp', pick('whatsapp', on ? 'on' : 'off') as 'on' | 'off', { on: 'Send me WhatsApp messages', off: 'No WhatsApp' })}
${needsConsent ? consentBox('whatsappConsent', WHATSAPP_CONSENT_TEXT, v, e) : ''}
</fieldset>`;
}

export function deleteConfirmPage(): PageResponse {
  return page({
    title: 'Delete all your data?',
    body: `
<h1>Delete all your data?</h1>
<p>Everything we hold about you goes, at once: your details, dates, plan, messages and any notes you texted us. You will get nothing more from Match Coach. This cannot be undone.</p>
<form method="post" action=""><input type="hidden" name="action" value="delete-confirmed"><button type="submit" class="danger">Yes, delete everything</button></form>
<p><a href="">No, keep my data and go back</a></p>`,
  });
}

export function erasedPage(): PageResponse {
  return page({
    title: 'Your data is deleted',
    body: `
<h1>Your data is deleted</h1>
<div class="box" role="status">Everything we held about you is gone. You will not hear from us again.</div>
<p>Good luck on the road. If you ever want Match Coach again, you are welcome to sign up anew.</p>`,
  });
}

// ---- Unsubscribe -------------------------------------------------------------------------------------

export function unsubscribePromptPage(): PageResponse {
  return page({
    title: 'Unsubscribe',
    body: `
<h1>Stop Match Coach emails?</h1>
<p>Press the button and we stop emailing you straight away.</p>
<form method="post" action=""><input type="hidden" name="unsubscribe" value="page"><button type="submit">Unsubscribe from emails</button></form>
<p class="hint">We ask for this press because mail scanners open links on their own, and that should never unsubscribe anyone.</p>`,
  });
}

export function unsubscribedPage(args: { preferencesUrl?: string; already: boolean }): PageResponse {
  return page({
    title: 'Unsubscribed',
    body: `
<h1>You are unsubscribed</h1>
<div class="box" role="status">${args.already ? 'You were already unsubscribed: no more emails will come.' : 'No more emails will come from Match Coach.'}</div>
<p>If you also get our texts, they carry on: reply STOP to any of them to end them${args.preferencesUrl ? `, or <a href="${escapeHtml(args.preferencesUrl)}">change your preferences</a>` : ''}.</p>`,
  });
}

/** The sign-up form refused for a while (too many posts from here, for that number range, or overall). */
export function tooManySignUpsPage(): PageResponse {
  return page({
    status: 429,
    title: 'Please try again later',
    body: `<h1>Please try again in an hour</h1><p>We have had a great many sign-ups from here in the last hour, so this one was not taken. Nothing was stored and nothing was sent.</p><p>If you are already signed up, the link in any of our emails opens your preferences.</p>`,
  });
}

// ---- An organisation asks to follow someone already with us --------------------------------------------

export type JoinPageView =
  | { status: 'pending'; orgName: string; contacts?: { email?: string; phone?: string } }
  | { status: 'answered'; orgName: string; answer: 'accepted' | 'declined'; justNow?: boolean }
  | { status: 'nothing-to-answer' };

/**
 * With a yes, the contacts the person may let the organisation's counselors see, each its own
 * choice and unticked: saying yes to being followed is not saying yes to being called.
 */
function shareChoices(orgName: string, contacts: { email?: string; phone?: string }): string {
  const org = escapeHtml(orgName);
  const choice = (name: string, label: string) => `<label class="choice"><input type="checkbox" name="${name}" value="yes"> <span>${label}</span></label>`;
  const items = [contacts.email && choice('share_email', `Let ${org}'s counselors see my email (${escapeHtml(contacts.email)}), so they can write to me`), contacts.phone && choice('share_phone', `Let ${org}'s counselors see my phone number (${escapeHtml(contacts.phone)}), so they can call or text me`)].filter(Boolean);
  return items.length ? `<fieldset><legend>So they can reach you (optional)</legend>${items.join('')}<span class="hint">You can also text TALK at any time to ask them to reach you.</span></fieldset>` : '';
}

/** The join link's page: what the organisation would see, and yes or no. Opening it changes nothing. */
export function joinPage(view: JoinPageView): PageResponse {
  if (view.status === 'nothing-to-answer') {
    return page({ title: 'Nothing to answer', body: `<h1>There is nothing to answer here</h1><p>This request was withdrawn. Nothing has changed.</p>` });
  }
  const org = escapeHtml(view.orgName);
  if (view.status === 'answered') {
    const said =
      view.answer === 'accepted'
        ? `${org} can now see how your coaching goes (whether messages reach you, your check-in scores, any safety alerts), never the words you write. Its reminders join yours.`
        : `${org} sees nothing of you. You can ignore any further request from them.`;
    return page({
      title: view.answer === 'accepted' ? 'You said yes' : 'You said no',
      body: `<h1>${view.justNow ? 'Thank you' : 'You have answered already'}</h1><div class="box" role="status">${said}</div><p>To change this later, reply HELP to any text or write to the address in our emails.</p>`,
    });
  }
  return page({
    title: `${view.orgName} asks to follow your coaching`,
    body: `
<h1>${org} asks to follow your coaching</h1>
<p>${org} added you to one of its groups in Match Coach. They see nothing about you unless you say yes here.</p>
<p>If you say yes, they will see how your coaching goes: whether messages reach you, your check-in scores and any safety alerts, so that they can reach out when things are hard. They never see the words you write to us. Their reminders will join yours.</p>
<form method="post" action=""><input type="hidden" name="answer" value="yes">${shareChoices(view.orgName, view.contacts ?? {})}<button type="submit">Yes, ${org} may follow my coaching</button></form>
<form method="post" action=""><input type="hidden" name="answer" value="no"><button type="submit" class="secondary">No, thank you</button></form>
<p class="hint">If you do not know ${org}, choose no or simply close this page: nothing changes.</p>`,
  });
}

// ---- Links that do not work --------------------------------------------------------------------------

export function linkProblemPage(reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' | 'unknown_person'): PageResponse {
  if (reason === 'expired') {
    return page({
      status: 410,
      title: 'Link expired',
      body: `<h1>This link has expired</h1><p>Nothing has changed. For a fresh link, sign up again on our <a href="../">sign-up page</a> (if you are already signed up, we will email you your preferences link), or use the link in a recent email.</p>`,
    });
  }
  if (reason === 'unknown_person') {
    return page({
      status: 404,
      title: 'Nothing here',
      body: `<h1>There is nothing here any more</h1><p>We hold no details for this link: they may have been deleted. You are welcome to sign up again on our <a href="../">sign-up page</a>.</p>`,
    });
  }
  return page({
    status: 400,
    title: 'Link not working',
    body: `<h1>This link does not work</h1><p>Nothing has changed. It may have been cut short when it was copied: try opening it straight from the email, or use the link in a more recent email.</p>`,
  });
}

export function badFormPage(message: string): PageResponse {
  return page({ status: 400, title: 'Something went wrong', body: `<h1>We could not read that form</h1><p>${escapeHtml(message)}</p><p>Nothing has changed. Please go back and try again.</p>` });
}
