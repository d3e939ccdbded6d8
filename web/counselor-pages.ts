import { createHash } from 'node:crypto';
import { MEMBER_FILTERS, SILENT_COUNT_CAP, memberTag, type CohortPageView, type MemberFilter, type MemberRow } from '../shared/app/members/cohort-page';
import type { MemberPageView } from '../shared/app/members/member-page';
import { barChart, lineChart } from '../shared/domain/charts';
import type { ConsentBucket, FlagReason, TimelineItem } from '../shared/domain/cohort-report';
import type { Cohort, CounselorPrincipal } from '../shared/domain/counselor';
import type { CohortFigures, OpenFlagReason } from '../shared/domain/engagement';
import type { ContactNote } from '../shared/ports/engagement';
import { SIGN_IN_START_PATH } from '../shared/domain/sign-in-flow';
import { escapeHtml, STYLE, type PageResponse } from './html';

/**
 * The counselor dashboard, server-rendered: sign-in, the cohort list, a cohort's trends and
 * flagged members, a member's timeline. Same house rules as web/pages.ts: one hashed inline
 * stylesheet under a strict CSP, no script at all, every value escaped. The layout widens to a
 * laptop screen and stacks on a phone (tables scroll sideways inside their own box).
 *
 * What a counselor sees is coaching engagement: never a member's plan (only with the
 * member's leave) and never the words of their texts, only that they answered and how.
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
td.num{text-align:right;font-variant-numeric:tabular-nums}
.tagid{color:#52606d;font-size:.85rem;font-weight:400;font-family:ui-monospace,monospace}
ul.filters{display:flex;flex-wrap:wrap;gap:.35rem .9rem;list-style:none;padding:0;margin:0 0 .75rem}
ul.filters [aria-current]{font-weight:700}
form.search{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:flex-end;margin:0 0 1rem}
form.search label{flex:1 1 100%;margin:0}
form.search input{flex:1 1 12rem;width:auto;display:block;font:inherit;padding:.6rem .7rem;border:1px solid #7b8794;border-radius:6px}
form.search button{flex:0 0 auto;width:auto;margin:0}
input[type=file]{display:block;max-width:100%;font:inherit;margin:.25rem 0}
textarea.plain{font-family:inherit;font-size:1rem}
.pager{font-weight:600}
ul#contacts{padding-left:1.1rem}
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
  announcements: `${base}/dashboard/announcements`,
  announcementPreview: `${base}/dashboard/announcements/preview`,
  announcementSend: `${base}/dashboard/announcements/send`,
  cohort: (cohortId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}`,
  member: (cohortId: string, personId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/members/${encodeURIComponent(personId)}`,
  csv: (cohortId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/report.csv`,
  importCsv: (cohortId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/import`,
  contacted: (cohortId: string, personId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/members/${encodeURIComponent(personId)}/contacted`,
  resume: (cohortId: string, personId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/members/${encodeURIComponent(personId)}/resume`,
  weeklyCsv: (cohortId: string) => `${base}/dashboard/cohorts/${encodeURIComponent(cohortId)}/weekly.csv`,
});
export type Paths = ReturnType<typeof dashboardPaths>;

export function dashboardPage(args: { status?: number; title: string; body: string; headers?: Record<string, string> }): PageResponse {
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

export function header(paths: Paths, principal: CounselorPrincipal | undefined, crumbs: { href?: string; label: string }[]): string {
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

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** How to add people, said where a counselor first looks for it: an empty cohort list or cohort. */
function howToAdd(paths: Paths, cohortId: string | undefined): string {
  const upload = cohortId ? `Upload a spreadsheet below, saved as CSV (commas, semicolons or tabs).` : 'Open a cohort and upload a spreadsheet saved as CSV.';
  return `<div class="box" id="how-to-add"><p><strong>How to add people.</strong> ${escapeHtml(upload)} It needs a header row with <code>time_zone</code> and an <code>email</code> or <code>phone</code> column (optional: <code>name</code>, <code>visa_track</code>, exam dates). Each person gets an invitation, and you see their coaching once they say yes.</p><p class="hint">Also: <code>matchcoach import members.csv --cohort &lt;id&gt;</code> for lists of many thousands, or the counselor API (<code>POST /counselor/cohorts/&lt;id&gt;/members</code>). See the <a href="${escapeHtml(paths.home)}">cohort list</a> for your cohorts' ids.</p></div>`;
}

export interface CohortListItem {
  cohort: Cohort;
  figures: Pick<CohortFigures, 'members' | 'flagged'>;
}

export function cohortListPage(args: { base: string; principal: CounselorPrincipal; cohorts: readonly CohortListItem[] }): PageResponse {
  const paths = dashboardPaths(args.base);
  const rows = args.cohorts
    .map(({ cohort: c, figures: f }) => {
      const flagged = f.flagged > 0 ? `<span class="tag crisis">${escapeHtml(plural(f.flagged, 'flagged', 'flagged'))}</span>` : '0';
      return `<tr><td><a href="${escapeHtml(paths.cohort(c.cohortId))}">${escapeHtml(c.name)}</a>${c.archived ? ' <span class="tag">archived</span>' : ''}</td><td>Match ${escapeHtml(c.season)}</td><td class="num">${f.members.accepted.toLocaleString('en-US')}</td><td class="num">${f.members.pending.toLocaleString('en-US')}</td><td class="num">${flagged}</td></tr>`;
    })
    .join('');
  const list = args.cohorts.length
    ? `<div class="scroll"><table id="cohorts"><caption class="hp">Your organisation's cohorts</caption><thead><tr><th scope="col">Cohort</th><th scope="col">Season</th><th scope="col">Said yes</th><th scope="col">Waiting</th><th scope="col">Flagged</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p id="no-cohorts">No cohorts yet. An admin creates one with <code>matchcoach cohort create --name "Fall group" --season 2027 --sequence getting-started</code> or the counselor API (<code>POST /counselor/cohorts</code>); then you add people to it here.</p>`;
  const announce = args.principal.role === 'admin' ? `<p><a href="${escapeHtml(paths.announcements)}">Send an announcement</a> to members of your cohorts (a rule change, an urgent notice).</p>` : '';
  return dashboardPage({ title: 'Cohorts', body: `${header(paths, args.principal, [{ label: 'Cohorts' }])}<h1>Your cohorts</h1>${list}${announce}` });
}

// ---- One cohort -----------------------------------------------------------------------------------------

const CONSENT_WORDS: Record<ConsentBucket, string> = { confirmed: 'Confirmed', pending: 'Invited, not yet confirmed', revoked: 'Opted out', none: 'No channel' };
const FLAG_WORDS: Record<FlagReason, string> = {
  crisis: 'Crisis message (coaching paused)',
  distress: 'Sounded distressed',
  'low-scores': 'Two low check-ins in a row',
  'no-reply': 'No reply for 14 days',
};
const OPEN_FLAG_WORDS: Record<OpenFlagReason, string> = {
  crisis: 'Crisis message (coaching paused)',
  talk: 'Asked to talk (TALK)',
  distress: 'Sounded distressed',
  'low-scores': 'Two low check-ins in a row',
};
const ANSWER_WORDS: Record<'pending' | 'accepted' | 'declined', string> = { pending: 'Waiting for their yes', accepted: 'Said yes', declined: 'Said no' };
const FILTER_WORDS: Record<MemberFilter, string> = { all: 'Everyone', waiting: 'Waiting', accepted: 'Said yes', declined: 'Said no', flagged: 'Flagged', silent: 'Silent' };
const stat = (n: string | number, label: string, id?: string) => `<li${id ? ` id="${id}"` : ''}><span class="n">${escapeHtml(n)}</span><span class="l">${escapeHtml(label)}</span></li>`;
const pct = (rate: number) => `${Math.round(rate * 100)}%`;

/** A link to the cohort page with these query settings (the page's own address, query ordered). */
function cohortQueryUrl(paths: Paths, cohortId: string, query: { show?: MemberFilter; q?: string; after?: string }): string {
  const params = new URLSearchParams();
  if (query.show && query.show !== 'all') params.set('show', query.show);
  if (query.q) params.set('q', query.q);
  if (query.after) params.set('after', query.after);
  const text = params.toString();
  return `${paths.cohort(cohortId)}${text ? `?${text}` : ''}`;
}

/** A name and the short tag that tells two of the same name apart. */
const nameWithTag = (name: string | undefined, tag: string) => `${escapeHtml(name ?? 'No name given')} <span class="tagid" aria-label="member tag ${escapeHtml(tag)}">#${escapeHtml(tag)}</span>`;

function memberRows(paths: Paths, cohortId: string, rows: readonly MemberRow[]): string {
  return rows
    .map((r) => {
      const nameCell = r.answer === 'accepted' ? `<a href="${escapeHtml(paths.member(cohortId, r.personId))}">${nameWithTag(r.name, r.tag)}</a>` : nameWithTag(r.name, r.tag);
      const e = r.engagement;
      const flags = e ? [...e.openFlags.map((f) => `<span class="tag${f.reason === 'crisis' ? ' crisis' : ''}">${escapeHtml(OPEN_FLAG_WORDS[f.reason])}</span>`), ...(e.silentSince ? [`<span class="tag">Silent since ${escapeHtml(when(e.silentSince).slice(0, 10))}</span>`] : [])].join(' ') : '';
      const status = r.status === 'removed' ? 'Removed' : ANSWER_WORDS[r.answer];
      return `<tr><td>${nameCell}</td><td>${escapeHtml(status)}</td><td class="num">${e ? e.sent : '–'}</td><td>${e ? `${e.checkinsAnswered} of ${e.checkinsSent}` : '–'}</td><td class="num">${e?.lastScore ?? '–'}</td><td>${e?.lastReplyAt ? time(e.lastReplyAt) : '–'}</td><td>${flags}</td></tr>`;
    })
    .join('');
}

export function cohortPage(args: { base: string; principal: CounselorPrincipal; view: CohortPageView; formToken?: string }): PageResponse {
  const paths = dashboardPaths(args.base);
  const { cohort, figures, query, rows, silent } = args.view;
  const everyone = figures.members.accepted + figures.members.pending + figures.members.declined;
  const silentWords = silent.more ? `${SILENT_COUNT_CAP}+` : String(silent.count);
  const scoreChart = lineChart({
    id: 'chart-score',
    title: 'Average check-in score, by week',
    description: 'The weekly average of the 1 to 5 scores members sent; weeks with no scores are left blank.',
    min: 1,
    max: 5,
    points: figures.weeks.map((w) => ({ label: w.weekStart, value: w.average })),
  });
  const rateChart = barChart({
    id: 'chart-response',
    title: 'Check-in response rate, by week',
    description: 'The share of check-ins sent that week that members answered.',
    points: figures.weeks.map((w) => ({ label: w.weekStart, value: w.rate })),
  });
  // Each figure says what it counts, so no two of them can seem to disagree.
  const checkins = figures.checkins.sent === 0 ? 'none sent yet' : `${figures.checkins.answered} of ${figures.checkins.sent} (${pct(figures.checkins.responseRate!)})`;
  const scores = figures.scores.received === 0 ? 'none in 12 weeks' : `${figures.scores.average} from ${plural(figures.scores.received, 'score', 'scores')}`;
  const consentRows = (Object.keys(CONSENT_WORDS) as ConsentBucket[])
    .map((b) => `<tr><th scope="row">${escapeHtml(CONSENT_WORDS[b])}</th><td class="num">${figures.consent.overall[b]}</td><td class="num">${figures.consent.email[b]}</td><td class="num">${figures.consent.sms[b]}</td></tr>`)
    .join('');
  const filterLinks = MEMBER_FILTERS.map((f) => {
    const count = f === 'all' ? everyone : f === 'waiting' ? figures.members.pending : f === 'accepted' ? figures.members.accepted : f === 'declined' ? figures.members.declined : f === 'flagged' ? figures.flagged : silentWords;
    const label = `${FILTER_WORDS[f]} (${typeof count === 'number' ? count.toLocaleString('en-US') : count})`;
    return !query.q && query.show === f ? `<li><span aria-current="true">${escapeHtml(label)}</span></li>` : `<li><a href="${escapeHtml(cohortQueryUrl(paths, cohort.cohortId, { show: f }))}">${escapeHtml(label)}</a></li>`;
  }).join('');
  const searchWords = args.view.search ? `${rows.length === 0 ? 'No member who said yes to your organisation has' : rows.length === 1 ? 'One member has' : `${rows.length} members have`} that ${args.view.search.by}. Searches look only among members who said yes, and match exactly.` : '';
  const table = rows.length
    ? `<div class="scroll"><table id="members"><caption class="hp">Members, ${escapeHtml(FILTER_WORDS[query.show])}</caption><thead><tr><th scope="col">Member</th><th scope="col">Answer</th><th scope="col">Sent</th><th scope="col">Check-ins answered</th><th scope="col">Last score</th><th scope="col">Last reply</th><th scope="col">Flags</th></tr></thead><tbody>${memberRows(paths, cohort.cohortId, rows)}</tbody></table></div>`
    : everyone === 0 && !query.q
      ? ''
      : `<p id="no-members">${query.q ? 'Nobody to show.' : `Nobody here: no member is ${escapeHtml(FILTER_WORDS[query.show].toLowerCase())} right now.`}</p>`;
  const pager = [
    query.after ? `<a href="${escapeHtml(cohortQueryUrl(paths, cohort.cohortId, { show: query.show, ...(query.q && { q: query.q }) }))}">First page</a>` : '',
    args.view.next ? `<a rel="next" href="${escapeHtml(cohortQueryUrl(paths, cohort.cohortId, { show: query.show, ...(query.q && { q: query.q }), after: args.view.next }))}">Next page</a>` : '',
  ].filter(Boolean).join(' · ');
  const upload =
    !cohort.archived && args.formToken
      ? `<h2 id="upload">Add people from a spreadsheet</h2>
<form method="post" action="${escapeHtml(paths.importCsv(cohort.cohortId))}" enctype="multipart/form-data">
<input type="hidden" name="form" value="${escapeHtml(args.formToken)}">
<label for="file">CSV file (up to 4 MB and 20,000 rows)</label>
<span class="hint" id="file-hint">Columns: time_zone, and email or phone (name, visa_track, applicant_type, attempt and exam dates are optional). Commas, semicolons or tabs; UTF-8.</span>
<input type="file" id="file" name="file" accept=".csv,.tsv,.txt,text/csv" required aria-describedby="file-hint">
<button type="submit">Upload and add</button>
</form>`
      : '';
  const body = `${header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { label: cohort.name }])}
<h1>${escapeHtml(cohort.name)}</h1>
<p class="hint">Match ${escapeHtml(cohort.season)}${cohort.archived ? ' · archived' : ''} · figures kept as messages and replies happen</p>
${everyone === 0 ? howToAdd(paths, cohort.cohortId) : ''}
<ul class="stats" aria-label="At a glance">
${stat(figures.members.accepted.toLocaleString('en-US'), 'said yes', 'stat-accepted')}
${stat(figures.members.pending.toLocaleString('en-US'), 'waiting for their yes', 'stat-waiting')}
${stat(figures.messages.sent.toLocaleString('en-US'), 'messages sent')}
${stat(figures.messages.delivered.toLocaleString('en-US'), 'texts delivered')}
${stat(figures.messages.failed.toLocaleString('en-US'), 'failed')}
${stat(figures.messages.optedOut.toLocaleString('en-US'), 'opted out of a channel')}
${stat(checkins, 'check-ins answered', 'stat-checkins')}
${stat(scores, 'average score', 'stat-scores')}
${stat(figures.flagged.toLocaleString('en-US'), 'flagged', 'stat-flagged')}
${stat(silentWords, 'silent 14 days or more', 'stat-silent')}
</ul>
${figures.members.pending > 0 ? `<p class="hint" id="waiting">${escapeHtml(plural(figures.members.pending, 'person has', 'people have'))} not yet said yes to your organisation: you see only what you typed for them until they do.</p>` : ''}
<h2 id="members-heading">Members</h2>
<nav aria-label="Show members"><ul class="filters">${filterLinks}</ul></nav>
<form method="get" action="${escapeHtml(paths.cohort(cohort.cohortId))}" class="search" role="search">
<label for="q">Find a member who said yes: first name, email or phone, exactly</label>
<input type="search" id="q" name="q" value="${escapeHtml(query.q ?? '')}" maxlength="254" autocomplete="off">
<button type="submit" class="secondary">Find</button>
</form>
${searchWords ? `<p role="status" id="search-result">${escapeHtml(searchWords)}</p>` : ''}
${table}
${pager ? `<p class="pager">${pager}</p>` : ''}
${upload}
<h2>Trends</h2>
<div class="charts">
<figure><figcaption>Average check-in score</figcaption>${scoreChart}</figure>
<figure><figcaption>Check-ins answered</figcaption>${rateChart}</figure>
</div>
<h2>Consent of members who said yes</h2>
<div class="scroll"><table><thead><tr><th scope="col">State</th><th scope="col">Overall</th><th scope="col">Email</th><th scope="col">Text</th></tr></thead><tbody>${consentRows}</tbody></table></div>
<p><a href="${escapeHtml(paths.csv(cohort.cohortId))}" download>Download members (CSV)</a> · <a href="${escapeHtml(paths.weeklyCsv(cohort.cohortId))}" download>Download weekly trend (CSV)</a></p>`;
  return dashboardPage({ title: cohort.name, body });
}

// ---- An upload's report ------------------------------------------------------------------------------------

const ROW_WORDS = { added: 'Added', updated: 'Updated', unchanged: 'Unchanged', rejected: 'Not added' } as const;

/** The same report per row as the API's, as a page: every row, and why one was not added. */
export function importReportPage(args: { base: string; principal: CounselorPrincipal; cohort: Cohort; report: { rows: readonly ({ row: number; status: keyof typeof ROW_WORDS } & ({ reason: string } | object))[]; summary: Record<keyof typeof ROW_WORDS, number>; fileError?: string; invitations?: { invited: number; failed: number; stillToInvite: number } } }): PageResponse {
  const paths = dashboardPaths(args.base);
  const { report, cohort } = args;
  const crumbs = header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { href: paths.cohort(cohort.cohortId), label: cohort.name }, { label: 'Upload' }]);
  if (report.fileError) {
    return dashboardPage({
      status: 400,
      title: 'File not imported',
      body: `${crumbs}<h1>That file was not imported</h1><div class="box problem" role="alert"><p>${escapeHtml(report.fileError)}</p></div><p>Nothing was added or changed. <a href="${escapeHtml(paths.cohort(cohort.cohortId))}#upload">Try another file</a>.</p>`,
    });
  }
  const { summary } = report;
  const rows = report.rows
    .map((r) => `<tr class="${escapeHtml(r.status)}"><td class="num">${r.row}</td><td>${escapeHtml(ROW_WORDS[r.status])}</td><td>${'reason' in r ? escapeHtml(r.reason) : ''}</td></tr>`)
    .join('');
  const invitations = report.invitations
    ? `<p>${escapeHtml(plural(report.invitations.invited, 'invitation is', 'invitations are'))} on their way${report.invitations.stillToInvite > 0 ? `; ${report.invitations.stillToInvite.toLocaleString('en-US')} more go with <code>matchcoach import</code> or <code>POST .../invitations</code>` : ''}. You see people's coaching once they say yes.</p>`
    : '';
  return dashboardPage({
    title: 'Upload report',
    body: `${crumbs}<h1>Upload report</h1>
<ul class="stats" aria-label="Rows">${stat(summary.added, 'added', 'row-added')}${stat(summary.updated, 'updated', 'row-updated')}${stat(summary.unchanged, 'unchanged', 'row-unchanged')}${stat(summary.rejected, 'not added', 'row-rejected')}</ul>
${invitations}
${summary.rejected > 0 ? '<p>Rows not added changed nothing: correct them in the spreadsheet and upload it again (rows already added read as unchanged).</p>' : ''}
<div class="scroll"><table id="rows"><caption class="hp">Every row of the file</caption><thead><tr><th scope="col">Row</th><th scope="col">Outcome</th><th scope="col">Why</th></tr></thead><tbody>${rows}</tbody></table></div>
<p><a href="${escapeHtml(paths.cohort(cohort.cohortId))}">Back to ${escapeHtml(cohort.name)}</a></p>`,
  });
}

// ---- One member -----------------------------------------------------------------------------------------

const ANSWER_TIMELINE_WORDS = { score: 'Check-in score', done: 'Said it is done', skip: 'Skipped this one', goal: 'Set a goal', note: 'Wrote a note' } as const;
const VIA_WORDS: Record<ContactNote['via'], string> = { phone: 'By phone', text: 'By text', email: 'By email', 'in-person': 'In person', other: 'Another way' };
const SHARE_WORDS: Record<string, string> = { 'sms-keyword': 'when they texted TALK', 'join-link': 'when they said yes to your organisation', 'email-link': 'when they accepted your invitation' };

function timelineItem(item: TimelineItem): string {
  if (item.kind === 'sent') {
    const what = `${item.checkin ? 'Check-in' : 'Message'} by ${item.channel === 'sms' ? 'text' : item.channel === 'whatsapp' ? 'WhatsApp' : 'email'}: ${item.sequenceId} / ${item.stepId}`;
    const status = item.status === 'failed' ? 'did not go out' : item.delivery ? `sent, ${item.delivery}` : 'sent';
    return `<li class="sent"><span class="when">${time(item.at)}</span>${escapeHtml(what)} <span class="hint">(${escapeHtml(status)})</span></li>`;
  }
  if (item.kind === 'answer') {
    const detail = item.answer === 'score' && item.score !== undefined ? `: ${item.score} of 5` : '';
    return `<li class="answer"><span class="when">${time(item.at)}</span>${escapeHtml(ANSWER_TIMELINE_WORDS[item.answer] + detail)}</li>`;
  }
  const words = item.reason === 'hold-lifted' ? 'Coaching resumed by a person' : item.reason === 'asked-to-talk' ? 'Asked to talk to a person (TALK)' : FLAG_WORDS[item.reason];
  return `<li class="flag"><span class="when">${time(item.at)}</span>${escapeHtml(words)}</li>`;
}

export function memberPage(args: { base: string; principal: CounselorPrincipal; view: MemberPageView; formToken?: string; counselorNames?: ReadonlyMap<string, string>; done?: 'contacted' | 'resumed' | 'not-held' }): PageResponse {
  const paths = dashboardPaths(args.base);
  const { view } = args;
  const tag = memberTag(view.personId);
  const name = view.firstName ?? 'This member';
  const form = (action: string, inner: string, cls = '') => `<form method="post" action="${escapeHtml(action)}"${cls ? ` class="${cls}"` : ''}><input type="hidden" name="form" value="${escapeHtml(args.formToken ?? '')}">${inner}</form>`;
  const canAct = args.formToken !== undefined;
  const done = args.done === 'contacted' ? 'Marked as contacted. The other counselors see your note.' : args.done === 'resumed' ? 'Coaching resumed: their upbeat messages come back from now on.' : args.done === 'not-held' ? 'Their coaching was not paused: nothing to resume.' : '';
  const hold = view.supportHold
    ? `<div class="box problem" role="status" id="hold"><p>Upbeat coaching is paused after a message that worried us. Please reach out to them yourself; deadline reminders and check-ins still go.</p>${
        canAct ? form(paths.resume(view.cohort.cohortId, view.personId), '<button type="submit" class="secondary">Resume coaching: I have checked in with them</button>') : ''
      }</div>`
    : '';
  const flags = view.openFlags.length
    ? `<ul id="open-flags">${view.openFlags.map((f) => `<li><span class="tag${f.reason === 'crisis' ? ' crisis' : ''}">${escapeHtml(OPEN_FLAG_WORDS[f.reason])}</span> ${time(f.at)}</li>`).join('')}</ul>`
    : '<p id="open-flags">No open flags.</p>';
  const contactLines = [
    view.contacts.phone ? `<li>Phone: <a href="tel:${escapeHtml(view.contacts.phone.value)}">${escapeHtml(view.contacts.phone.value)}</a> · <a href="sms:${escapeHtml(view.contacts.phone.value)}">send a text</a> <span class="hint">(shared ${escapeHtml(SHARE_WORDS[view.contacts.phone.source] ?? '')}, ${time(view.contacts.phone.sharedAt)})</span></li>` : '',
    view.contacts.email ? `<li>Email: <a href="mailto:${escapeHtml(view.contacts.email.value)}">${escapeHtml(view.contacts.email.value)}</a> <span class="hint">(shared ${escapeHtml(SHARE_WORDS[view.contacts.email.source] ?? '')}, ${time(view.contacts.email.sharedAt)})</span></li>` : '',
  ].join('');
  const preferred = view.preferred ? `<p>Reach them first by <strong>${view.preferred.channel === 'text' ? 'phone or text' : 'email'}</strong>${view.preferred.why === 'asked-to-talk' ? ': they texted TALK, asking to be reached' : ''}.</p>` : '';
  const contacts = contactLines
    ? `<ul id="contacts">${contactLines}</ul>${preferred}<p class="hint">Only what they chose to share with your organisation. Viewing it is recorded in your organisation's audit log.</p>`
    : `<p id="contacts">They have not shared a phone number or email with your organisation. They can share their number by texting TALK, and their email and number when they answer your organisation's request to follow their coaching.</p>`;
  const notes = view.notes.length
    ? `<ol class="timeline" id="notes">${view.notes.map((n) => `<li class="answer"><span class="when">${time(n.at)} · ${escapeHtml(args.counselorNames?.get(n.counselorId) ?? 'a counselor')} · ${escapeHtml(VIA_WORDS[n.via])}</span>${n.note ? escapeHtml(n.note) : '<span class="hint">No note</span>'}</li>`).join('')}</ol>`
    : '<p id="notes">Nobody from your organisation has marked them contacted yet.</p>';
  const contactedForm = canAct
    ? form(
        paths.contacted(view.cohort.cohortId, view.personId),
        `<fieldset><legend>Mark as contacted</legend>
<label for="via">How you reached them</label>
<select id="via" name="via">${(Object.keys(VIA_WORDS) as ContactNote['via'][]).map((v) => `<option value="${v}">${escapeHtml(VIA_WORDS[v])}</option>`).join('')}</select>
<label for="note">A note for the other counselors (optional)</label>
<span class="hint" id="note-hint">What was said or agreed, briefly. Kept with this member and deleted if they delete their data. Up to 500 characters.</span>
<textarea id="note" name="note" maxlength="500" aria-describedby="note-hint" class="plain"></textarea>
<button type="submit">Mark as contacted</button></fieldset>`,
      )
    : '';
  const silent = view.quietSince ? `<p class="hint">Texted and quiet since ${time(view.quietSince)}.</p>` : '';
  const body = `${header(paths, args.principal, [{ href: paths.home, label: 'Cohorts' }, { href: paths.cohort(view.cohort.cohortId), label: view.cohort.name }, { label: name }])}
<h1>${escapeHtml(name)} <span class="tagid">#${escapeHtml(tag)}</span></h1>
${done ? `<div class="box" role="status" id="done"><p>${escapeHtml(done)}</p></div>` : ''}
${hold}
<h2>Open flags</h2>
${flags}
${silent}
<h2>Reach them</h2>
${contacts}
<p>Email: ${escapeHtml(CONSENT_WORDS[view.channels.email])} · Texts: ${escapeHtml(CONSENT_WORDS[view.channels.sms])}</p>
${contactedForm}
<h2>Contacted</h2>
${notes}
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

