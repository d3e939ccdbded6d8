import { DateTime } from 'luxon';
import type { PlanView } from '../shared/app/plan';
import { DEADLINE_KIND_LABELS, DEADLINE_KINDS, PLAN_LIMITS, SUGGESTED_INTERNAL_DAYS, type TimelineEntry } from '../shared/domain/plan';
import { escapeHtml, page, type PageResponse } from './html';

/**
 * "My plan" (issue 8), reached from the signed preference link: this week's goals, a daily
 * micro-goal, the timeline of the season's official dates, the person's own dates and deadlines
 * (each with the internal deadline they chose, and our suggestion), long-term goals. Every
 * change is a plain form posted to this page (no JavaScript, so the strict CSP needs no script),
 * answered with a redirect back here; a problem re-shows the page with the reason at the top.
 * Built for a phone first: one column, big buttons, native date inputs.
 */

const ERROR_FIELD_LABELS: Record<string, string> = {
  title: 'Title', kind: 'Kind', date: 'Date', time: 'Time', zone: 'Time zone', internalDate: 'Your own finish line',
  text: 'Goal', n: 'Goal', id: 'Plan', target: 'Date', targetDate: 'Target date', op: 'Form',
};

const day = (date: string) => DateTime.fromISO(date).toFormat('ccc d LLL yyyy');
const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
const SOURCE_LABELS: Record<TimelineEntry['source'], string> = { official: 'Official', personal: 'Your date', own: 'Your deadline' };

function kindSelect(id: string, selected: string): string {
  const opts = DEADLINE_KINDS.map((k) => `<option value="${k}"${k === selected ? ' selected' : ''}>${escapeHtml(DEADLINE_KIND_LABELS[k])} (finish ${SUGGESTED_INTERNAL_DAYS[k]} days ahead)</option>`).join('');
  return `<select id="${id}" name="kind" required>${opts}</select>`;
}

function deadlineFields(prefix: string, values: { title?: string; kind?: string; date?: string; time?: string; internalDate?: string }, suggestion?: string): string {
  return `<label for="${prefix}-title">Title</label><input type="text" id="${prefix}-title" name="title" required maxlength="${PLAN_LIMITS.titleChars}" value="${escapeHtml(values.title ?? '')}">
<label for="${prefix}-kind">Kind</label>${kindSelect(`${prefix}-kind`, values.kind ?? 'documents')}
<label for="${prefix}-date">Date</label><input type="date" id="${prefix}-date" name="date" required value="${escapeHtml(values.date ?? '')}">
<label for="${prefix}-time">Time (optional)</label><span class="hint">Only if it is due at a certain hour, in your time zone.</span><input type="time" id="${prefix}-time" name="time" value="${escapeHtml(values.time ?? '')}">
<label for="${prefix}-internalDate">Your own finish line (optional)</label><span class="hint">${suggestion ? `Suggested: ${escapeHtml(day(suggestion))}. ` : ''}Leave empty for the suggestion for its kind.</span><input type="date" id="${prefix}-internalDate" name="internalDate" value="${escapeHtml(values.internalDate ?? '')}">`;
}

function timelineItem(entry: TimelineEntry, index: number, today: string): string {
  if (entry.date < today && entry.source !== 'own') {
    // Passed official and personal dates stay for orientation, without forms.
    return `<li class="hint"><p>${escapeHtml(day(entry.date))} · ${escapeHtml(SOURCE_LABELS[entry.source])} (passed)<br>${escapeHtml(entry.title)}</p></li>`;
  }
  const when = `${day(entry.date)}${entry.time ? `, ${escapeHtml(entry.time)}` : ''}`;
  const finish = entry.internalDate ? `Your finish line: <strong>${escapeHtml(day(entry.internalDate))}</strong>` : `No finish line yet (suggested: ${escapeHtml(day(entry.suggestedInternalDate))})`;
  const head = `<p><strong>${escapeHtml(when)}</strong> · ${escapeHtml(SOURCE_LABELS[entry.source])}<br>${escapeHtml(entry.title)}<br><span class="hint">${finish}</span></p>`;
  const id = `t${index}`;
  if (entry.source === 'own') {
    return `<li id="${escapeHtml(entry.key)}">${head}<details><summary>Change or delete</summary>
<form method="post" action="">${hidden('op', 'update-deadline')}${hidden('id', entry.key)}
${deadlineFields(id, { title: entry.title, kind: entry.kind, date: entry.date, ...(entry.time && { time: entry.time }), ...(entry.internalDate && { internalDate: entry.internalDate }) }, entry.suggestedInternalDate)}
<button type="submit">Save this deadline</button></form>
<form method="post" action="">${hidden('op', 'delete-deadline')}${hidden('id', entry.key)}<button type="submit" class="danger">Delete this deadline</button></form>
</details></li>`;
  }
  return `<li>${head}<details><summary>Set your own finish line</summary>
<form method="post" action="">${hidden('op', 'set-internal')}${hidden('target', entry.key)}
<label for="${id}-date">Finish by</label><span class="hint">Suggested: ${escapeHtml(day(entry.suggestedInternalDate))}.</span><input type="date" id="${id}-date" name="date" required value="${escapeHtml(entry.internalDate ?? entry.suggestedInternalDate)}">
<button type="submit">Save my finish line</button></form>
${entry.internalDate ? `<form method="post" action="">${hidden('op', 'clear-internal')}${hidden('target', entry.key)}<button type="submit" class="secondary">Remove my finish line</button></form>` : ''}
</details></li>`;
}

export function planPage(args: {
  view: PlanView;
  firstName?: string;
  saved?: boolean;
  problem?: { field: string; message: string };
  values?: Record<string, string>;
  preferencesPath: string;
  status?: number;
}): PageResponse {
  const { view } = args;
  const v = args.problem && args.values?.op === 'add-deadline' ? args.values : {};
  const status = args.saved ? '<div class="box" role="status"><p><strong>Saved.</strong> Your reminders now follow your plan.</p></div>' : '';
  const problem = args.problem
    ? `<div class="box problem" role="alert"><h2>Nothing was changed</h2><p>${escapeHtml(ERROR_FIELD_LABELS[args.problem.field] ?? 'Form')}: ${escapeHtml(args.problem.message)}</p></div>`
    : '';
  const goals = view.weekGoals
    .map(
      (g, i) => `<li><p>${g.doneAt ? '<strong>Done:</strong> ' : ''}${escapeHtml(g.text)}</p>
${g.doneAt ? '' : `<form method="post" action="">${hidden('op', 'done-week-goal')}${hidden('n', String(i + 1))}<button type="submit" class="secondary">Mark goal ${i + 1} done</button></form>`}
<form method="post" action="">${hidden('op', 'delete-week-goal')}${hidden('n', String(i + 1))}<button type="submit" class="danger">Remove goal ${i + 1}</button></form></li>`,
    )
    .join('');
  const longTerm = view.plan.longTerm
    .map((g) => `<li><p>${escapeHtml(g.text)}${g.targetDate ? ` · by ${escapeHtml(day(g.targetDate))}` : ''}</p><form method="post" action="">${hidden('op', 'delete-long-goal')}${hidden('id', g.id)}<button type="submit" class="danger">Remove</button></form></li>`)
    .join('');
  const body = `
<h1>${args.firstName ? `${escapeHtml(args.firstName)}, your` : 'Your'} plan for Match ${view.season}</h1>
${status}${problem}
<p>Your dates and goals, in your time zone (${escapeHtml(view.zone)}). Every change here moves your reminders at once. Text GOAL, GOALS, NEXT or DONE and a number to do the same by SMS.</p>
<h2>This week's goals</h2>
${goals ? `<ol>${goals}</ol>` : '<p>No goals for this week yet. A few small, clear ones work best.</p>'}
${
  view.weekGoals.length < PLAN_LIMITS.weekGoals
    ? `<form method="post" action="">${hidden('op', 'add-week-goal')}<label for="week-text">A goal for this week</label><input type="text" id="week-text" name="text" required maxlength="${PLAN_LIMITS.goalChars}"><button type="submit">Add this goal</button></form>`
    : `<p class="hint">A week holds up to ${PLAN_LIMITS.weekGoals} goals.</p>`
}
<h2>Today's small goal</h2>
<form method="post" action="">${hidden('op', 'set-daily')}<label for="daily-text">One small thing, every day (optional)</label><span class="hint">Like "one block of questions" or "a 20-minute walk". Leave empty to remove it.</span><input type="text" id="daily-text" name="text" maxlength="${PLAN_LIMITS.dailyGoalChars}" value="${escapeHtml(view.plan.daily ?? '')}"><button type="submit" class="secondary">Save today's goal</button></form>
<h2>Your timeline</h2>
<p class="hint">Official dates come from NRMP, ERAS and ECFMG (check their pages); exam dates are edited in your <a href="${escapeHtml(args.preferencesPath)}">preferences</a>.</p>
<ol class="timeline">${view.timeline.map((entry, i) => timelineItem(entry, i, view.today)).join('')}</ol>
<h2>Add a deadline</h2>
${
  view.plan.deadlines.length < PLAN_LIMITS.deadlines
    ? `<form method="post" action="" id="add-deadline">${hidden('op', 'add-deadline')}${deadlineFields('new', v)}<button type="submit">Add this deadline</button></form>`
    : `<p class="hint">Your plan holds ${PLAN_LIMITS.deadlines} deadlines, the most it can. Delete one you no longer need to add another.</p>`
}
<h2>Long-term goals</h2>
${longTerm ? `<ul>${longTerm}</ul>` : '<p>None yet.</p>'}
${
  view.plan.longTerm.length < PLAN_LIMITS.longTermGoals
    ? `<form method="post" action="">${hidden('op', 'add-long-goal')}<label for="long-text">A long-term goal</label><input type="text" id="long-text" name="text" required maxlength="${PLAN_LIMITS.goalChars}"><label for="long-date">Target date (optional)</label><input type="date" id="long-date" name="targetDate"><button type="submit" class="secondary">Add this goal</button></form>`
    : ''
}
<p><a href="${escapeHtml(args.preferencesPath)}">Back to your preferences</a></p>`;
  return page({ status: args.status ?? 200, title: 'Your plan', body });
}
