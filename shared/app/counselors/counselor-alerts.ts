import { randomUUID } from 'node:crypto';
import { weekStartOf } from '../../domain/checkins';
import { OPEN_FLAG_REASONS, cohortFigures, type CohortFigures, type OpenFlagReason } from '../../domain/engagement';
import type { EngagementStore } from '../../ports/engagement';
import type { Cohort, CohortMember, Counselor } from '../../domain/counselor';
import type { SafetyAlert } from '../../domain/model';
import type { Clock, EmailSender, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { NotificationLedger } from '../../ports/notification-ledger';
import type { Library } from '../scheduling/planning';
import { isAcceptedMember } from '../../domain/counselor';
import { escapeHtml } from '../../domain/html';

/**
 * What counselors hear from us by email:
 * - a crisis alert, at once, when a member of one of their organisation's cohorts sends a text
 *   that signals risk (docs/rules.md, Safety: "the person's counselor is alerted");
 * - a weekly digest of each cohort.
 * Both honour the counselor's own settings (crisisAlerts, weeklyDigest), and both go exactly once:
 * each email has a deterministic key in the notification ledger, claimed before the send and
 * marked after it (see shared/ports/notification-ledger.ts), so a retried webhook, a second
 * sweep or a crash between the two never sends it twice, and a failed send is tried again.
 *
 * The emails say as little as is needed: the member's first name (which the counselor already
 * has), the time and a link to the dashboard, which asks for the counselor's sign-in. Never the
 * words of the text, the rule that matched, a score or a plan.
 */

export interface CounselorAlertDeps {
  store: Pick<Store, 'getPerson' | 'listSafetyAlerts'>;
  counselors: Pick<CounselorStore, 'cohortsOfPerson' | 'listCounselors' | 'getCohort' | 'listCohorts' | 'listCohortMembers' | 'getCohortMember' | 'listOrganisations'>;
  email: EmailSender;
  ledger: NotificationLedger;
  /** Cohort figures for the digest (read only). */
  engagement: Pick<EngagementStore, 'cohortTotals'>;
  clock: Clock;
  /** Where the dashboard lives (links in the emails). */
  publicBaseUrl: string;
  log?: Logger;
  library?: Library;
  /** How long a claim holds before another run may take it over. */
  leaseSeconds?: number;
}

export interface NotifyOutcome {
  sent: number;
  /** Sent before (a retry or a second sweep): nothing went again. */
  alreadySent: number;
  /** Another run holds the claim right now; it will send. */
  busy: number;
  /** The provider refused; the claim was given back, so the next run tries again. */
  failed: number;
}
const noOutcome = (): NotifyOutcome => ({ sent: 0, alreadySent: 0, busy: 0, failed: 0 });
const add = (a: NotifyOutcome, b: NotifyOutcome): NotifyOutcome => ({ sent: a.sent + b.sent, alreadySent: a.alreadySent + b.alreadySent, busy: a.busy + b.busy, failed: a.failed + b.failed });

const DEFAULT_LEASE_SECONDS = 120;
const base = (deps: Pick<CounselorAlertDeps, 'publicBaseUrl'>) => deps.publicBaseUrl.replace(/\/$/, '');
const memberUrl = (deps: CounselorAlertDeps, cohortId: string, personId: string) =>
  `${base(deps)}/dashboard/cohorts/${encodeURIComponent(cohortId)}/members/${encodeURIComponent(personId)}`;
const cohortUrl = (deps: CounselorAlertDeps, cohortId: string) => `${base(deps)}/dashboard/cohorts/${encodeURIComponent(cohortId)}`;

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

type Email = { to: string; subject: string; text: string; html: string };

/** Claim, send, mark: the one path every counselor email takes. The body is built after the claim, so a sent one costs no reads. */
async function sendOnce(deps: CounselorAlertDeps, key: string, build: () => Email | Promise<Email>): Promise<NotifyOutcome> {
  const log = loggerOf(deps);
  const now = deps.clock.now();
  const token = randomUUID();
  const claim = await deps.ledger.claim(key, token, now, new Date(now.getTime() + (deps.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000));
  if (claim === 'sent') return { ...noOutcome(), alreadySent: 1 };
  if (claim === 'busy') return { ...noOutcome(), busy: 1 };
  let result;
  try {
    result = await deps.email.send({ ...(await build()), messageId: key });
  } catch (error) {
    await deps.ledger.release(key, token).catch(() => undefined);
    throw error;
  }
  if (result.status === 'failed') {
    await deps.ledger.release(key, token);
    // Ids only: the key names the notification, never the address.
    log.warn('counselor notification not sent', { key, reason: result.reason, retryable: result.retryable });
    return { ...noOutcome(), failed: 1 };
  }
  // A lost lease here means another run took over after ours ran out; the email went either way.
  await deps.ledger.markSent(key, token, deps.clock.now(), result.providerId);
  log.info('counselor notification sent', { key });
  return { ...noOutcome(), sent: 1 };
}

// ---- Crisis alerts -----------------------------------------------------------------------------------

export const crisisAlertKey = (eventId: string, counselorId: string) => `crisis#${eventId}#${counselorId}`;
const talkAlertKey = (eventId: string, counselorId: string) => `talk#${eventId}#${counselorId}`;

/**
 * Emails every counselor of every organisation whose active cohort holds the person (and who said
 * yes to it), who wants such alerts: one email per counselor per flagged text, naming the cohorts
 * they share and linking to the member's page, where their shared contacts and "mark as
 * contacted" are. A risk text goes to those with crisis alerts on; a TALK (the person asks for a
 * human, not a crisis) to those with TALK alerts on. Distress flags are for the dashboard's
 * follow-up list, not an alert.
 */
export async function alertCounselorsOfCrisis(deps: CounselorAlertDeps, flag: Pick<SafetyAlert, 'personId' | 'eventId' | 'at' | 'level'>): Promise<NotifyOutcome> {
  if (flag.level !== 'risk' && flag.level !== 'talk') return noOutcome();
  const talk = flag.level === 'talk';
  // Only organisations the person said yes to hear of them.
  const memberships = (await deps.counselors.cohortsOfPerson(flag.personId)).filter(isAcceptedMember);
  if (memberships.length === 0) return noOutcome();
  const person = await deps.store.getPerson(flag.personId);
  if (!person) return noOutcome();
  const name = person.firstName;

  const byOrg = new Map<string, CohortMember[]>();
  for (const m of memberships) byOrg.set(m.orgId, [...(byOrg.get(m.orgId) ?? []), m]);
  let outcome = noOutcome();
  for (const [orgId, members] of byOrg) {
    const cohorts = (await Promise.all(members.map((m) => deps.counselors.getCohort(orgId, m.cohortId)))).filter((c): c is Cohort => c !== undefined && !c.archived);
    if (cohorts.length === 0) continue;
    const recipients = (await deps.counselors.listCounselors(orgId)).filter((c) => (talk ? c.settings.talkAlerts !== false : c.settings.crisisAlerts));
    for (const counselor of recipients) {
      outcome = talk
        ? add(outcome, await sendOnce(deps, talkAlertKey(flag.eventId, counselor.counselorId), () => talkEmail(deps, counselor, name, flag, cohorts)))
        : add(outcome, await sendOnce(deps, crisisAlertKey(flag.eventId, counselor.counselorId), () => crisisEmail(deps, counselor, name, flag, cohorts)));
    }
  }
  return outcome;
}

function crisisEmail(deps: CounselorAlertDeps, counselor: Counselor, firstName: string | undefined, flag: Pick<SafetyAlert, 'personId' | 'at'>, cohorts: readonly Cohort[]) {
  const links = cohorts.map((c) => ({ cohort: c.name, url: memberUrl(deps, c.cohortId, flag.personId) }));
  const cohortNames = cohorts.map((c) => c.name).join(', ');
  // Someone imported without a name is still someone: "A member of <cohort>" reads better than an id.
  const name = firstName ?? 'A member';
  const subject = firstName ? `Please check in with ${firstName}` : `Please check in with a member of ${cohortNames}`;
  const text = [
    `${name} (${cohortNames}) sent us a text at ${utc(flag.at)} that our safety check flagged.`,
    '',
    'We replied at once with crisis resources and paused their upbeat coaching until a person resumes it. Please reach out to them as soon as you can: their page shows the contact details they chose to share with you, and lets you mark them contacted and resume their coaching.',
    '',
    ...links.map((l) => `Open their page (${l.cohort}): ${l.url}`),
    '',
    'You get this email because crisis alerts are on in your Match Coach counselor settings.',
  ].join('\n');
  const html = `<p>${escapeHtml(name)} (${escapeHtml(cohortNames)}) sent us a text at ${escapeHtml(utc(flag.at))} that our safety check flagged.</p>
<p>We replied at once with crisis resources and paused their upbeat coaching until a person resumes it. Please reach out to them as soon as you can: their page shows the contact details they chose to share with you, and lets you mark them contacted and resume their coaching.</p>
<ul>${links.map((l) => `<li><a href="${escapeHtml(l.url)}">Open their page (${escapeHtml(l.cohort)})</a></li>`).join('')}</ul>
<p>You get this email because crisis alerts are on in your Match Coach counselor settings.</p>`;
  return { to: counselor.email, subject, text, html };
}

function talkEmail(deps: CounselorAlertDeps, counselor: Counselor, firstName: string | undefined, flag: Pick<SafetyAlert, 'personId' | 'at'>, cohorts: readonly Cohort[]) {
  const links = cohorts.map((c) => ({ cohort: c.name, url: memberUrl(deps, c.cohortId, flag.personId) }));
  const cohortNames = cohorts.map((c) => c.name).join(', ');
  const name = firstName ?? 'A member';
  const subject = firstName ? `${firstName} would like to talk` : `A member of ${cohortNames} would like to talk`;
  const lines = [
    `${name} (${cohortNames}) texted TALK at ${utc(flag.at)}: they would like someone from your program to reach them. It is not a crisis alert.`,
    'By texting TALK they shared their number with your counselors. Their page shows it, and lets you mark them contacted with a note for the others.',
  ];
  const text = [...lines.flatMap((l) => [l, '']), ...links.map((l) => `Open their page (${l.cohort}): ${l.url}`), '', 'You get this email because TALK alerts are on in your Match Coach counselor settings.'].join('\n');
  const html = `${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<ul>${links.map((l) => `<li><a href="${escapeHtml(l.url)}">Open their page (${escapeHtml(l.cohort)})</a></li>`).join('')}</ul>
<p>You get this email because TALK alerts are on in your Match Coach counselor settings.</p>`;
  return { to: counselor.email, subject, text, html };
}

/**
 * The safety net behind the immediate alert: every risk flag of the last `lookbackHours` (this
 * month's and, near a month's start, last month's alerts) gets its alerts, which the ledger turns
 * into nothing for the ones already sent. Run on every tick: a crash between the flag and the
 * email, or a provider failure, is made good within a tick.
 */
export async function sweepCrisisAlerts(deps: CounselorAlertDeps, lookbackHours = 48): Promise<NotifyOutcome> {
  const now = deps.clock.now();
  const since = now.getTime() - lookbackHours * 3_600_000;
  const months = [...new Set([now.toISOString().slice(0, 7), new Date(since).toISOString().slice(0, 7)])];
  const alerts = (await Promise.all(months.map((m) => deps.store.listSafetyAlerts(m)))).flat();
  let outcome = noOutcome();
  for (const alert of alerts) {
    if ((alert.level !== 'risk' && alert.level !== 'talk') || Date.parse(alert.at) < since) continue;
    outcome = add(outcome, await alertCounselorsOfCrisis(deps, alert));
  }
  return outcome;
}

// ---- Weekly digest -------------------------------------------------------------------------------------

const digestKey = (orgId: string, cohortId: string, weekStart: string, counselorId: string) => `digest#${orgId}#${cohortId}#${weekStart}#${counselorId}`;

/**
 * One email per live cohort of the organisation that has members, to each of its counselors who
 * want the digest, once per ISO week (the week of `now`): the cohort's figures (the totals kept as
 * things happen: one read, whatever its size) and how many members are flagged and why, with a
 * link to the dashboard. A cohort nobody is in yet gets no email. No names in a digest: they are
 * one click away, behind the sign-in.
 */
export async function sendWeeklyDigest(deps: CounselorAlertDeps, orgId: string): Promise<NotifyOutcome> {
  const recipients = (await deps.counselors.listCounselors(orgId)).filter((c) => c.settings.weeklyDigest);
  if (recipients.length === 0) return noOutcome();
  const cohorts = (await deps.counselors.listCohorts(orgId)).filter((c) => c.orgId === orgId && !c.archived);
  const now = deps.clock.now();
  const week = weekStartOf(now);
  let outcome = noOutcome();
  for (const cohort of cohorts) {
    const figures = cohortFigures(await deps.engagement.cohortTotals(orgId, cohort.cohortId), now);
    if (figures.members.accepted + figures.members.pending + figures.members.declined === 0) continue;
    for (const counselor of recipients) {
      const key = digestKey(orgId, cohort.cohortId, week, counselor.counselorId);
      outcome = add(outcome, await sendOnce(deps, key, () => digestEmail(deps, counselor, cohort, figures)));
    }
  }
  return outcome;
}

const OPEN_FLAG_COUNT_WORDS: Record<OpenFlagReason, string> = {
  crisis: 'sent a crisis message',
  talk: 'asked to talk',
  distress: 'sounded distressed',
  'low-scores': 'two low check-ins in a row',
};

function digestEmail(deps: CounselorAlertDeps, counselor: Counselor, cohort: Cohort, figures: CohortFigures) {
  const thisWeek = figures.weeks.at(-1);
  const lastWeek = figures.weeks.at(-2);
  const average = (w: typeof thisWeek) => (w && w.average !== null ? `${w.average} (from ${w.scores} score${w.scores === 1 ? '' : 's'})` : 'no scores');
  const reasons = OPEN_FLAG_REASONS.map((reason) => ({ reason, count: figures.flags[reason] })).filter((r) => r.count > 0);
  const { members, messages, checkins } = figures;
  // Each line says what it counts (members who said yes, check-ins sent to them): no line can seem to contradict another.
  const lines = [
    `Members who said yes: ${members.accepted}; waiting for their yes: ${members.pending}; opted out of a channel: ${messages.optedOut}`,
    `Messages sent: ${messages.sent}; texts delivered: ${messages.delivered}; failed: ${messages.failed}`,
    `Check-ins answered: ${checkins.responseRate === null ? 'no check-ins sent yet' : `${checkins.answered} of ${checkins.sent} (${Math.round(checkins.responseRate * 100)}%)`}`,
    `Average check-in score this week: ${average(thisWeek)}; last week: ${average(lastWeek)}`,
    figures.flagged === 0
      ? 'Nobody is flagged.'
      : `Flagged: ${figures.flagged} member${figures.flagged === 1 ? '' : 's'} (${reasons.map((r) => `${r.count} ${OPEN_FLAG_COUNT_WORDS[r.reason]}`).join(', ')})`,
  ];
  const url = cohortUrl(deps, cohort.cohortId);
  const text = [`Your week with ${cohort.name}:`, '', ...lines, '', `Open the cohort: ${url}`, '', 'You get this email because the weekly digest is on in your Match Coach counselor settings.'].join('\n');
  const html = `<p>Your week with ${escapeHtml(cohort.name)}:</p><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul><p><a href="${escapeHtml(url)}">Open the cohort</a></p><p>You get this email because the weekly digest is on in your Match Coach counselor settings.</p>`;
  return { to: counselor.email, subject: `Weekly digest: ${cohort.name}`, text, html };
}

/** Every given organisation's digest (the scheduled path); one organisation's fault does not stop the rest. */
export async function sendWeeklyDigests(deps: CounselorAlertDeps, orgIds: readonly string[]): Promise<NotifyOutcome & { orgsFailed: number }> {
  let outcome = noOutcome();
  let orgsFailed = 0;
  for (const orgId of orgIds) {
    try {
      outcome = add(outcome, await sendWeeklyDigest(deps, orgId));
    } catch (error) {
      orgsFailed += 1;
      loggerOf(deps).error('weekly digest failed for an organisation', { orgId, error: error instanceof Error ? error.name : typeof error });
    }
  }
  return { ...outcome, orgsFailed };
}

/**
 * The weekly schedule's run: every organisation's digest. Safe to run again (a retry, a second
 * schedule firing): the notification ledger sends each counselor's digest of a cohort once a week.
 */
export async function sendEveryWeeklyDigest(deps: CounselorAlertDeps): Promise<NotifyOutcome & { orgsFailed: number; organisations: number }> {
  const orgIds = await deps.counselors.listOrganisations();
  return { ...(await sendWeeklyDigests(deps, orgIds)), organisations: orgIds.length };
}
