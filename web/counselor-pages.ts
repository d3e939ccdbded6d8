import { createHash } from 'node:crypto';
import type { CohortReportView, MemberTimelineView } from '../shared/app/cohort-report';
import { barChart, lineChart } from '../shared/domain/charts';
import type { ConsentBucket, FlagReason, MemberFlag, TimelineItem } from '../shared/domain/cohort-report';
import type { Cohort, CounselorPrincipal } from '../shared/domain/counselor';
import { SIGN_IN_START_PATH } from '../shared/domain/sign-in-flow';
import { escapeHtml, STYLE, type PageResponse } from './html';

/**
 * The counselor dashboard, server-rendered: sign-in, the cohort list, a cohort's trends and
 * flagged members, a member's timeline. Same house rules as web/pages.ts: one hashed inline
 * stylesheet under a strict CSP, no script at all, every value escaped. The layout widens to a
 * laptop screen and stacks on a phone (tables scroll sideways inside their own box).
 *
 * What a counselor sees is coaching engagement: never a member's plan (issue 8 shows it only with
 * the member's leave) and never the words of their texts, only that they answered and how.
 */

const DASHBOARD_STYLE = `${STYLE}
main.wide{max-width:64rem}
nav.crumbs{font-size:.95rem;margin:0 0 .5rem}
nav.crumbs a{margin-right:.35rem}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.75rem;margin:0 0 1.25rem;padding:0;list-style:none}
.stats li{border:1px solid #cbd2d9;border-radius:8px;padding:.6rem .8rem}
.stats .n{display:block;font-size:1.5rem;font-weight:700;line-height:1.2}
.stats .l{display:block;color:#52606d;font-size:.9rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
figure{margin:0;border:1px solid #cbd2d9;border-radius:8px;padding:.5rem}
figcaption{font-weight:700;margin:.25rem .25rem .5rem}
svg.chart{display:block;width:100%;height:auto}
.scroll{overflow-x:auto;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{font-weight:700;background:#f5f7fa}
.tag{display:inline-block;border-radius:999px;padding:0 .5rem;font-size:.85rem;font-weight:700;border:1px solid #52606d}
.tag.crisis{border-color:#b3261e;color:#b3261e}
.inline{display:inline}
a.button{display:inline-block;font-weight:700;padding:.75rem 1.25rem;border-radius:6px;border:2px solid #0b5394;background:#0b5394;color:#fff;text-decoration:none}
.inline button{width:auto;margin:0}
textarea{display:block;width:100%;font:inherit;font-family:ui-monospace,monospace;font-size:.85rem;padding:.6rem .7rem;border:1px solid #7b8794;border-radius:6px;min-height:7rem}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{border-left:3px solid #cbd2d9;padding:.35rem 0 .35rem .75rem;margin:0 0 .25rem}
ol.timeline li.answer{border-color:#0b5394}
ol.timeline li.flag{border-color:#b3261e}
.when{display:block;color:#52606d;font-size:.85rem}
`;

const styleHash = `'sha256-${createHash('sha256').update(DASHBOARD_STYLE, 'utf8').digest('base64')}'`;
/** No script, nothing external; images only as inline SVG (part of the document, so no img-src needed). */
export const DASHBOARD_CSP = ["default-src 'none'", `style-src ${styleHash}`, "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"].join('; ');

/** Where the dashboard lives: `base` is the public path prefix (an API stage, or empty). */
export const dashboardPaths = (base: string) => ({
  home: `${base}/dashboard`,
  signIn: `${base}/dashboard/sign-in`,
  signOut: `${base}/dashboard/sign-out`,
  hostedStart: `${base}${SIGN_IN_START_PATH}`,
  cohort: (cohortId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}`,
  member: (cohortId: string, personId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/members/${encodeURIComponent(personId)}`,
  csv: (cohortId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/report.csv`,
  weeklyCsv: (cohortId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/weekly.csv`,
});
type Paths = ReturnType<typeof dashboardPaths>;

function dashboardPage(args: { status?: number; title: string; body: string; headers?: Record<string, string> }): PageResponse {
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${escapeHtml(args.title)} · Match Coach for counselors</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<main class="wide">
${args.body}
<footer><p>Match Coach for counselors. What you see here is how your members engage with their coaching; their own words and plans stay theirs.</p></footer>
</main>
</body>
</html>`;
  return {
    statusCode: args.status ?? 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': DASHBOARD_CSP,
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      ...args.headers,
    },
    body,
  };
}

const when = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
};
const time = (iso: string) => `<time datetime="${escapeHtml(iso)}">${escapeHtml(when(iso))}</time>`;

function header(paths: Paths, principal: CounselorPrincipal | undefined, crumbs: { href?: string; label: string }[]): string {
  const trail = crumbs.map((c) => (c.href ? `<a href="${escapeHtml(c.href)}">${escapeHtml(c.label)}</a> /` : `<span aria-current="page">${escapeHtml(c.label)}</span>`)).join(' ');
  const signOut = principal
    ? `<form class="inline" method="post" action="${escapeHtml(paths.signOut)}"><button type="submit" class="secondary">Sign out</button></form>`
    : '';
  return `<nav class="crumbs" aria-label="Where you are">${trail}</nav>${signOut}`;
}

// ---- Sign-in ------------------------------------------------------------------------------------------

/**
 * On AWS (`hostedSignIn`) the first way in is Cognito's hosted sign-in, through /auth/start; the
 * pasted token stays below it for API clients and admins who have one. Locally there is no
 * Cognito and the paste is the only way.
 */
export function signInPage(args: { base: string; error?: string; status?: number; signedOut?: boolean; hostedSignIn?: boolean }): PageResponse {
  const paths = dashboardPaths(args.base);
  const hosted = args.hostedSignIn
    ? `<p><a class="button" id="hosted-sign-in" href="${escapeHtml(paths.hostedStart)}">Sign in with your counselor account</a></p>
<p class="hint">Your email, password and authenticator code, on our sign-in page. Or, if your admin gave you an access token, paste it below.</p>`
    : '';
  const problem = args.error ? `<div class="box problem" role="alert"><p>${escapeHtml(args.error)}</p></div>` : '';
  const bye = args.signedOut ? '<div class="box" role="status"><p>You are signed out.</p></div>' : '';
  return dashboardPage({
    status: args.status,
    title: 'Sign in',
    body: `
<h1>Counselor sign-in</h1>
${bye}${problem}${hosted}
<form method="post" action="${escapeHtml(paths.signIn)}">
<label for="token">Your access token</label>
<span class="hint" id="token-hint">Paste the token your organisation's admin gave you (printed by <code>matchcoach counselor add</code>). It stays in this browser only, in a cookie pages cannot read, until it expires or you sign out.</span>
<textarea id="token" name="token" required autocomplete="off" spellcheck="false" aria-describedby="token-hint"${args.error ? ' aria-invalid="true"' : ''}></textarea>
<button type="submit">Sign in</button>
</form>`,
  });
}

/**
 * After the hosted sign-in: a page of our own, not a redirect. The way here began on Cognito's
 * site, and a browser keeps SameSite=Strict cookies off every request of a redirect chain that
 * crossed sites, so a redirect straight to the dashboard would arrive without the session just
 * set. The refresh (and the link, for browsers that ignore it) starts a fresh same-site
 * navigation, which carries it.
 */
export function signedInPage(args: { base: string }): PageResponse {
  const paths = dashboardPaths(args.base);
  return dashboardPage({
    title: 'Signed in',
    headers: { refresh: `0; url=${paths.home}` },
    body: `
<h1>You are signed in</h1>
<p><a href="${escapeHtml(paths.home)}">Go to your cohorts</a></p>`,
  });
}

// ---- Cohort list ----------------------------------------------------------------------------------------

export function cohortListPage(args: { base: string; principal: CounselorPrincipal; cohorts: readonly Cohort[] }): PageResponse {
  const paths = dashboardPaths(args.base);
  const rows = args.cohorts
    .map(
      (c) =>
        `<tr><td><a href="${escapeHtml(paths.cohort(c.cohortId))}">${escapeHtml(c.name)}</a>${c.archived ? ' <span class="tag">archived</span>' : ''}</td><td>Match ${escapeHtml(c.season)}</td><td>${escapeHtml(c.sequenceIds.length)}</td></tr>`,
    )
    .join('');
  const list = args.cohorts.length
    ? `<div class="scroll"><table><caption class="hp">Your organisation's cohorts</caption><thead><tr><th scope="col">Cohort</th><th scope="col">Season</th><th scope="col">Sequences</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : '<p>No cohorts yet. An admin can create one with the counselor API or <code>matchcoach</code>.</p>';
  return dashboardPage({ title: 'Cohorts', body: `${header(paths, args.principal, [{ label: 'Cohorts' }])}<h1>Your cohorts</h1>${list}` });
}

// ---- One cohort -----------------------------------------------------------------------------------------

const CONSENT_WORDS: Record<ConsentBucket, string> = { confirmed: 'Confirmed', pending: 'Invited, not yet confirmed', revoked: 'Opted out', none: 'No channel' };
export const FLAG_WORDS: Record<FlagReason, string> = {
  crisis: 'Crisis message (coaching paused)',
  distress: 'Sounded distressed',
  'low-scores': 'Two low check-ins in a row',
  'no-reply': 'No reply for 14 days',
};
const percent = (rate: number | null) => (rate === null ? 'none sent' : `${Math.round(rate * 100)}%`);
const stat = (n: string | number, label: string) => `<li><span class="n">${escapeHtml(n)}</span><span class="l">${escapeHtml(label)}</span></li>`;

function flagTable(paths: Paths, cohortId: string, flags: readonly MemberFlag[], names: ReadonlyMap<string, string | undefined>): string {
  if (flags.length === 0) return '<p>Nobody is flagged right now.</p>';
  const rows = flags
    .map(
      (f) =>
        `<tr><td><a href="${escapeHtml(paths.member(cohortId, f.personId))}">${escapeHtml(names.get(f.personId) ?? f.personId)}</a></td><td><span class="tag${f.reason === 'crisis' ? ' crisis' : ''}">${escapeHtml(FLAG_WORDS[f.reason])}</span></td><td>${time(f.at)}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table id="flagged"><thead><tr><th scope="col">Member</th><th scope="col">Why</th><th scope="col">Since</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function cohortPage(args: { base: string; principal: CounselorPrincipal; view: CohortReportView }): PageResponse {
  const paths = dashboardPaths(args.base);
  const { cohort, report } = args.view;
  const names = new Map(report.members.map((m) => [m.personId, m.firstName]));
  const scoreChart = lineChart({
    id: 'chart-score',
    title: 'Average check-in score, by week',
    description: 'The weekly average of the 1 to 5 scores members sent; weeks with no scores are left blank.',
    min: 1,
    max: 5,
    points: report.weeklyScores.map((w) => ({ label: w.weekStart, value: w.average })),
  });
  const rateChart = barChart({
    id: 'chart-response',
    title: 'Check-in response rate, by week',
    description: 'The share of check-ins sent that week that members answered.',
    points: report.weeklyResponse.map((w) => ({ label: w.weekStart, value: w.rate })),
  });
  const consentRows = (Object.keys(CONSENT_WORDS) as ConsentBucket[])
    .map((b) => `<tr><th scope="row">${escapeHtml(CONSENT_WORDS[b])}</th><td>${report.consent.overall[b]}</td><td>${report.consent.email[b]}</td><td>${report.consent.sms[b]}</td></tr>`)
    .join('');
  const memberRows = report.members
    .map(
      (m) =>
        `<tr><td><a href="${escapeHtml(paths.member(cohort.cohortId, m.personId))}">${escapeHtml(m.firstName ?? m.personId)}</a></td><td>${escapeHtml(CONSENT_WORDS[m.consent.overall])}</td><td>${m.messages.sent}</td><td>${m.checkinsAnswered} of ${m.checkinsSent}</td><td>${m.lastScore ? escapeHtml(m.lastScore.score) : '–'}</td><td>${m.flags.length ? escapeHtml([...new Set(m.flags.map((f) => FLAG_WORDS[f.reason]))].join(', ')) : ''}</td></tr>`,
    )
    .join('');
  const body = `${header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { label: cohort.name }])}
<h1>${escapeHtml(cohort.name)}</h1>
<p class="hint">Match ${escapeHtml(cohort.season)}${cohort.archived ? ' · archived' : ''} · figures as of ${time(report.generatedAt)}</p>
${args.view.waiting > 0 ? `<p class="hint" id="waiting">${args.view.waiting} ${args.view.waiting === 1 ? 'person has' : 'people have'} not yet said yes to your organisation: you will see their coaching here once they do.</p>` : ''}
<ul class="stats" aria-label="At a glance">
${stat(report.memberCount, 'members')}
${stat(report.consent.overall.confirmed, 'confirmed')}
${stat(report.messages.sent, 'messages sent')}
${stat(report.messages.delivered, 'texts delivered')}
${stat(report.messages.failed, 'failed')}
${stat(report.messages.optedOut, 'opted out')}
${stat(percent(report.checkins.responseRate), 'check-ins answered')}
${stat(report.flagged.length, 'flags')}
</ul>
<h2 id="flagged-heading">Flagged members</h2>
${flagTable(paths, cohort.cohortId, report.flagged, names)}
<h2>Trends</h2>
<div class="charts">
<figure><figcaption>Average check-in score</figcaption>${scoreChart}</figure>
<figure><figcaption>Check-ins answered</figcaption>${rateChart}</figure>
</div>
<h2>Consent</h2>
<div class="scroll"><table><thead><tr><th scope="col">State</th><th scope="col">Overall</th><th scope="col">Email</th><th scope="col">Text</th></tr></thead><tbody>${consentRows}</tbody></table></div>
<h2>Members</h2>
${report.members.length ? `<div class="scroll"><table><thead><tr><th scope="col">Member</th><th scope="col">Consent</th><th scope="col">Sent</th><th scope="col">Check-ins answered</th><th scope="col">Last score</th><th scope="col">Flags</th></tr></thead><tbody>${memberRows}</tbody></table></div>` : '<p>No members yet.</p>'}
${report.erasedMembers ? `<p class="hint">${report.erasedMembers} member${report.erasedMembers === 1 ? '' : 's'} asked us to delete their data; they are no longer counted.</p>` : ''}
<p><a href="${escapeHtml(paths.csv(cohort.cohortId))}" download>Download members (CSV)</a> · <a href="${escapeHtml(paths.weeklyCsv(cohort.cohortId))}" download>Download weekly trend (CSV)</a></p>`;
  return dashboardPage({ title: cohort.name, body });
}

// ---- One member -----------------------------------------------------------------------------------------

const ANSWER_WORDS = { score: 'Check-in score', done: 'Said it is done', skip: 'Skipped this one', goal: 'Set a goal', note: 'Wrote a note' } as const;

function timelineItem(item: TimelineItem): string {
  if (item.kind === 'sent') {
    const what = `${item.checkin ? 'Check-in' : 'Message'} by ${item.channel === 'sms' ? 'text' : 'email'}: ${item.sequenceId} / ${item.stepId}`;
    const status = item.status === 'failed' ? 'did not go out' : item.delivery ? `sent, ${item.delivery}` : 'sent';
    return `<li class="sent"><span class="when">${time(item.at)}</span>${escapeHtml(what)} <span class="hint">(${escapeHtml(status)})</span></li>`;
  }
  if (item.kind === 'answer') {
    const detail = item.answer === 'score' && item.score !== undefined ? `: ${item.score} of 5` : '';
    return `<li class="answer"><span class="when">${time(item.at)}</span>${escapeHtml(ANSWER_WORDS[item.answer] + detail)}</li>`;
  }
  const words = item.reason === 'hold-lifted' ? 'Coaching resumed by a person' : item.reason === 'asked-to-talk' ? 'Asked to talk to a person (TALK)' : FLAG_WORDS[item.reason];
  return `<li class="flag"><span class="when">${time(item.at)}</span>${escapeHtml(words)}</li>`;
}

export function memberPage(args: { base: string; principal: CounselorPrincipal; view: MemberTimelineView }): PageResponse {
  const paths = dashboardPaths(args.base);
  const { view } = args;
  const name = view.firstName ?? view.personId;
  const hold = view.supportHold
    ? '<div class="box problem" role="status"><p>Upbeat coaching is paused after a message that worried us. Please reach out to them yourself; deadline reminders and check-ins still go.</p></div>'
    : '';
  const body = `${header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { href: paths.cohort(view.cohort.cohortId), label: view.cohort.name }, { label: name }])}
<h1>${escapeHtml(name)}</h1>
${hold}
<p>Email: ${escapeHtml(CONSENT_WORDS[view.consent.email])} · Texts: ${escapeHtml(CONSENT_WORDS[view.consent.sms])}</p>
<h2>Timeline</h2>
<p class="hint">What we sent and how they answered, newest first. Their own words stay private.</p>
${view.timeline.length ? `<ol class="timeline">${view.timeline.map(timelineItem).join('')}</ol>` : '<p>Nothing sent yet.</p>'}`;
  return dashboardPage({ title: name, body });
}

// ---- Problems ----------------------------------------------------------------------------------------------

export function dashboardNotFoundPage(base: string): PageResponse {
  const paths = dashboardPaths(base);
  return dashboardPage({ status: 404, title: 'Not found', body: `<h1>We could not find that</h1><p>It may have been removed, or it belongs to another organisation.</p><p><a href="${escapeHtml(paths.home)}">Back to your cohorts</a></p>` });
}

