import { DateTime } from 'luxon';
import { personaLibrary } from '../content';
import type { Persona } from '../content/persona';
import { computeSeasonRules, seasonEnd } from '../domain/calendar';
import { simulateSeason, type SeasonWalk } from './simulation';
import { BUDGET_REASONS, CADENCES, inBudget, isBudgetReason, weekIdOf, type BudgetReason } from '../domain/budget';

/**
 * docs/season-preview.md: what people really receive over a season, produced by walking the
 * personas through the real engine. A counselor reads it; `npm run docs:season` rewrites it and a
 * test fails when it is out of date.
 */

const FULL_SEASON_PERSONA = 'j1-kolkata';

function bodyOf(text: string): string {
  return text.split('\n\n--\n')[0]!.trim();
}

function summary(persona: Persona, walk: SeasonWalk): string[] {
  const bySequence = new Map<string, { email: number; sms: number }>();
  for (const s of walk.sends) {
    const row = bySequence.get(s.sequenceId) ?? { email: 0, sms: 0 };
    row[s.channel]++;
    bySequence.set(s.sequenceId, row);
  }
  const weeks = (seasonEnd(persona.profile.season).getTime() - Date.parse(persona.enrolledAt)) / (7 * 86_400_000);
  const routine = routineTextsPerWeek(persona, walk);
  const limit = CADENCES[persona.cadence ?? 'standard'].texts;
  const texted = walk.events.slice(1).filter((e) => !e.description.startsWith('answered'));
  const answers = walk.events.filter((e) => e.description.startsWith('answered')).length;
  return [
    `${persona.description}. Zone ${persona.timeZone}; enrolled ${persona.enrolledAt.slice(0, 10)}; ` +
      `${walk.sends.length} messages over ${Math.round(weeks)} weeks (${(walk.sends.length / weeks).toFixed(1)} a week), ` +
      `${walk.sends.filter((x) => x.channel === 'sms').length} of them texts.`,
    '',
    `Routine texts a week (weeks with any): median ${routine.median}, max ${routine.max}; weeks over the budget of ${limit}: ${routine.over}. ` +
      `${answers > 0 ? `They answered ${answers} check-ins.` : 'They never reply.'}`,
    '',
    '| track | emails | texts |',
    '|---|---:|---:|',
    ...[...bySequence].map(([sequence, n]) => `| ${sequence} | ${n.email} | ${n.sms} |`),
    '',
    ...(texted.length > 0 ? [`Events: ${texted.map((e) => `${e.description} (${e.at.toISOString().slice(0, 16)}Z)`).join('; ')}.`, ''] : []),
    ...dropped(walk),
  ];
}

function routineTextsPerWeek(persona: Persona, walk: SeasonWalk): { median: number; max: number; over: number } {
  const perWeek = new Map<string, number>();
  for (const s of walk.sends) {
    if (s.channel !== 'sms' || !s.priority || !inBudget(s.priority)) continue;
    const week = weekIdOf(s.at, persona.timeZone);
    perWeek.set(week, (perWeek.get(week) ?? 0) + 1);
  }
  const counts = [...perWeek.values()].sort((a, b) => a - b);
  const limit = CADENCES[persona.cadence ?? 'standard'].texts;
  return { median: counts[Math.floor(counts.length / 2)] ?? 0, max: counts.at(-1) ?? 0, over: counts.filter((n) => n > limit).length };
}

/** What the weekly budget dropped and why, as the records say (the same reasons `matchcoach messages` shows). */
function dropped(walk: SeasonWalk): string[] {
  const byReason = new Map<BudgetReason, { email: number; sms: number; tracks: Set<string> }>();
  for (const m of walk.messages) {
    if (m.status !== 'skipped' || !isBudgetReason(m.reason)) continue;
    const row = byReason.get(m.reason) ?? { email: 0, sms: 0, tracks: new Set<string>() };
    row[m.channel === 'email' ? 'email' : 'sms']++;
    row.tracks.add(m.sequenceId);
    byReason.set(m.reason, row);
  }
  if (byReason.size === 0) return ['The weekly budget dropped nothing.', ''];
  return [
    'What the weekly budget dropped (recorded, not sent, not queued):',
    '',
    '| why | texts | emails | from |',
    '|---|---:|---:|---|',
    ...[...byReason].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reason, row]) => `| ${BUDGET_REASONS[reason]} | ${row.sms} | ${row.email} | ${[...row.tracks].sort().join(', ')} |`),
    '',
  ];
}

function entries(persona: Persona, walk: SeasonWalk, from?: Date, until?: Date): string[] {
  const lines: string[] = [];
  let month = '';
  for (const s of walk.sends) {
    if ((from && s.at < from) || (until && s.at > until)) continue;
    const local = DateTime.fromJSDate(s.at, { zone: persona.timeZone });
    const heading = local.toFormat('LLLL yyyy');
    if (heading !== month) lines.push('', `#### ${heading}`, '');
    month = heading;
    const when = local.toFormat('ccc d LLL, HH:mm');
    if (s.channel === 'sms') lines.push(`- **${when}** · text · \`${s.sequenceId}/${s.stepId}\`  \n  ${bodyOf(s.text)}`);
    else {
      const firstParagraphs = bodyOf(s.text).split(/\n{2,}/).slice(0, 2).join(' ');
      lines.push(`- **${when}** · email · \`${s.sequenceId}/${s.stepId}\`  \n  *${s.subject}*: ${firstParagraphs}`);
    }
  }
  return lines;
}

export async function renderSeasonDocument(known?: ReadonlyMap<string, SeasonWalk>): Promise<string> {
  const personas = personaLibrary();
  const out: string[] = [
    '# A season of Match Coach',
    '',
    '<!-- Generated by `npm run docs:season` from shared/content and the real engine; do not edit by hand. -->',
    '',
    'Each example applicant below was enrolled and walked through their Match season by the same code that',
    'runs in production (enrollment, the dispatcher, re-planning when their Match outcome changes), with',
    'messages sent to in-memory twins. What they text us (check-in answers, DONE NRMP, MATCHED ...) goes',
    'through the real inbound handler. Times are the applicant\'s own local time; texts never go out between',
    '21:00 and 08:00 there. Emails show their subject and first paragraphs.',
    '',
    'The weekly budget: at most 3 routine texts in a local week (1 on the lighter setting), 2 while someone',
    'is struggling, 1 in a week with two or more deadline alerts, one on the weekend; after three silent',
    'weeks one a fortnight. Deadline alerts, Match Week and the welcome are outside it. Each persona below',
    'says what it dropped and why.',
    '',
  ];
  const walks = new Map<string, SeasonWalk>();
  for (const persona of personas) walks.set(persona.id, known?.get(persona.id) ?? (await simulateSeason(persona, { until: seasonEnd(persona.profile.season) })));

  out.push('## At a glance', '');
  for (const persona of personas) out.push(`### ${persona.firstName} (\`${persona.id}\`)`, '', ...summary(persona, walks.get(persona.id)!));

  const full = personas.find((p) => p.id === FULL_SEASON_PERSONA)!;
  out.push(`## ${full.firstName}'s whole season`, '', `Every message ${full.firstName} receives, in order.`, ...entries(full, walks.get(full.id)!), '');

  for (const persona of personas.filter((p) => p.id !== FULL_SEASON_PERSONA)) {
    const matchDay = computeSeasonRules(persona.profile.season).match_day!.startOf('day');
    out.push(
      `## ${persona.firstName}: Match Week and the weeks after`,
      '',
      `From the weekend before Match Week to four weeks after Match Day.`,
      ...entries(persona, walks.get(persona.id)!, matchDay.minus({ days: 8 }).toJSDate(), matchDay.plus({ days: 28 }).toJSDate()),
      '',
    );
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
