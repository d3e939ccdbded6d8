import { DateTime } from 'luxon';
import * as z from 'zod';
import { EASTERN, type SeasonEvent } from './calendar';
import { audienceAllows } from './eligibility';
import type { Profile } from './model';
import { resolveAnchor } from './schedule';
import { Audience } from './sequence';
import { gsmSafe } from './sms-replies';
import { PERSONAL_DATES, type PersonalDate } from './subscription-words';

/**
 * The welcome's catch-up, pure: whoever joins, however late, hears within minutes the next
 * deadlines that apply to them (their clock and Eastern time), the few essentials of the phase
 * of the season they are in (which the tracks, planned from today, will not send again), and how
 * to talk to the coach. Nothing here states a date nobody has announced.
 */

/** The season dates that ask something of an applicant, each with who it is for and what makes it moot. */
const DEADLINE_EVENTS: Partial<Record<SeasonEvent, { short: string; audience?: Audience }>> = {
  eras_opens: { short: 'MyERAS opens', audience: { applicationSystems: ['eras'], unlessDone: ['eras_submitted'] } },
  eras_submission_opens: { short: 'ERAS submission opens', audience: { applicationSystems: ['eras'], unlessDone: ['eras_submitted'] } },
  residencycas_opens: { short: 'ResidencyCAS opens', audience: { applicationSystems: ['residencycas'], unlessDone: ['eras_submitted'] } },
  residencycas_submission_opens: { short: 'ResidencyCAS submission opens', audience: { applicationSystems: ['residencycas'], unlessDone: ['eras_submitted'] } },
  residencycas_target_deadline: { short: 'ResidencyCAS deadline', audience: { applicationSystems: ['residencycas'], unlessDone: ['eras_submitted'] } },
  nrmp_registration_opens: { short: 'NRMP registration opens', audience: { unlessDone: ['nrmp_registered'] } },
  nrmp_registration_deadline: { short: 'NRMP registration deadline', audience: { unlessDone: ['nrmp_registered'] } },
  ecfmg_pathway_deadline: { short: 'ECFMG Pathway deadline', audience: { unlessDone: ['pathway', 'ecfmg_certified'] } },
  ranking_opens: { short: 'Rank list entry opens', audience: { unlessDone: ['rol_certified'] } },
  rol_deadline: { short: 'Rank list deadline', audience: { unlessDone: ['rol_certified'] } },
  match_week_monday: { short: 'Match Week notice' },
  match_day: { short: 'Match Day' },
};

/** The person's own dates and the milestone that makes each moot. */
const PERSONAL_SHORT: Record<PersonalDate, { short: string; unlessDone?: Profile['done'][number] }> = {
  step1_exam: { short: 'Step 1 exam', unlessDone: 'step1' },
  step2_exam: { short: 'Step 2 CK exam', unlessDone: 'step2ck' },
  step3_exam: { short: 'Step 3 exam', unlessDone: 'step3' },
  oet_exam: { short: 'OET Medicine exam', unlessDone: 'oet' },
  documents_due: { short: 'Your ERAS documents target' },
};

export interface UpcomingDeadline {
  title: string;
  /** For one SMS segment. */
  short: string;
  at: Date;
  /** A person's own date: a day, no time. */
  allDay: boolean;
  /** Planned against an estimate or one unconfirmed source: its date is never stated as fact. */
  uncertain: boolean;
}

/**
 * The next deadlines that apply to this person: season dates of their application service, not
 * made moot by what they have done, and their own exam and document dates; only while they are
 * still applying (after a result, the tracks for it say what comes next).
 */
export function upcomingDeadlines(args: {
  profile: Profile;
  /** Season dates (ISO instants) and the person's own dates (local days). */
  anchors: Record<string, string>;
  uncertain: ReadonlySet<string>;
  labels: Partial<Record<string, string>>;
  now: Date;
  zone: string;
  count: number;
}): UpcomingDeadline[] {
  const { profile, anchors, now, zone } = args;
  if (profile.outcome !== 'applying') return [];
  const found: UpcomingDeadline[] = [];
  for (const [event, spec] of Object.entries(DEADLINE_EVENTS)) {
    const value = anchors[event];
    if (!value || !spec || !audienceAllows(spec.audience, profile)) continue;
    const at = resolveAnchor(value, zone)?.toJSDate();
    if (!at || at <= now) continue;
    found.push({ title: args.labels[event] ?? spec.short, short: spec.short, at, allDay: false, uncertain: args.uncertain.has(event) });
  }
  for (const [name, spec] of Object.entries(PERSONAL_SHORT) as [PersonalDate, (typeof PERSONAL_SHORT)[PersonalDate]][]) {
    const value = anchors[name];
    if (!value || (spec.unlessDone && profile.done.includes(spec.unlessDone))) continue;
    const day = resolveAnchor(value, zone);
    if (!day || day.endOf('day').toJSDate() <= now) continue;
    found.push({ title: PERSONAL_DATES[name], short: spec.short, at: day.startOf('day').toJSDate(), allDay: true, uncertain: false });
  }
  return found.sort((a, b) => a.at.getTime() - b.at.getTime()).slice(0, args.count);
}

/** "Fri 29 Jan, 23:59 US Eastern (Sat 30 Jan, 05:59 your time): Standard NRMP registration deadline" */
export function deadlineLine(d: UpcomingDeadline, zone: string): string {
  if (d.uncertain) return `${d.title}: not announced yet; we will tell you when it is`;
  const local = DateTime.fromJSDate(d.at, { zone });
  if (d.allDay) return `${local.toFormat('ccc d LLL')}: ${d.title}`;
  const eastern = DateTime.fromJSDate(d.at, { zone: EASTERN });
  return `${eastern.toFormat('ccc d LLL, HH:mm')} US Eastern (${local.toFormat('ccc d LLL, HH:mm')} your time): ${d.title}`;
}

/** The next deadline in a few words for the welcome text: "NRMP registration deadline, Sat 30 Jan". */
export function shortDeadline(d: UpcomingDeadline | undefined, zone: string): string {
  if (!d) return 'no dates in your plan yet';
  if (d.uncertain) return `${d.short} (date not announced yet)`;
  return `${gsmSafe(d.short)}, ${DateTime.fromJSDate(d.at, { zone }).toFormat('ccc d LLL')}`;
}

/** How to talk to the coach, in one line (the welcome email). */
export const COMMANDS_LINE =
  'Text NEXT for your next dates, GOAL and a goal for the week, DONE NRMP when a step is done (also DONE ERAS, PATHWAY, STEP3 or ROL), SPECIALTY and yours, PAUSE for a break, HELP, or STOP to end.';

// ---- The phases of a season and their essentials ----------------------------------------------

const PHASES = ['pre-season', 'applications', 'interview-season', 'ranking', 'match-week', 'after-the-match'] as const;
export type Phase = (typeof PHASES)[number];

/** Where each phase begins (a season date); before the first, the pre-season. */
const PHASE_STARTS: readonly [Phase, SeasonEvent][] = [
  ['applications', 'eras_opens'],
  ['interview-season', 'programs_review_opens'],
  ['ranking', 'ranking_opens'],
  ['match-week', 'match_week_monday'],
  ['after-the-match', 'match_day'],
];

export function phaseAt(anchors: Record<string, string>, now: Date, zone: string): Phase {
  let phase: Phase = 'pre-season';
  for (const [next, event] of PHASE_STARTS) {
    const start = anchors[event] && resolveAnchor(anchors[event], zone);
    if (start && start.startOf('day').toJSDate() <= now) phase = next;
  }
  return phase;
}

const Essential = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  audience: Audience.optional(),
  /** One short paragraph, our own words. */
  text: z.string().min(20).max(600),
});
export const EssentialsTable = z.object({
  phases: z.array(z.object({ phase: z.enum(PHASES), title: z.string().min(3).max(80), items: z.array(Essential).min(2).max(8) })).length(PHASES.length),
});
export type EssentialsTable = z.infer<typeof EssentialsTable>;

/** The first three essentials of the person's phase that apply to them. */
export function essentialsFor(table: EssentialsTable, phase: Phase, profile: Profile): { title: string; items: string[] } {
  const entry = table.phases.find((p) => p.phase === phase)!;
  return { title: entry.title, items: entry.items.filter((i) => audienceAllows(i.audience, profile)).slice(0, 3).map((i) => i.text) };
}
