import { DateTime } from 'luxon';
import type { PlanView } from '../shared/app/my-plan/plan';
import { DEADLINE_KIND_LABELS, DEADLINE_KINDS, PLAN_LIMITS, SUGGESTED_INTERNAL_DAYS, type TimelineEntry } from '../shared/domain/plan';
import { THIS_PAGE, contents, escapeHtml, page, type PageResponse } from './html';

/**
 * "My plan", reached from the signed preference link: this week's goals, a daily micro-goal,
 * the timeline of the season's official dates, the person's own dates and deadlines (each with
 * the internal deadline they chose, and our suggestion; passed ones folded away), long-term
 * goals, and a table of contents to jump between them. Every change is a plain form posted to
 * this page (no JavaScript, so the strict CSP needs no script), answered with a redirect back
 * here; a problem re-shows the page with the words beside the field that caused it, focus on
 * that field and the form opened. Built for a phone first: one column, big buttons, native
 * date inputs.
 */

const ERROR_FIELD_LABELS: Record<string, string> = {
  title: 'Title', kind: 'Kind', date: 'Date', time: 'Time', zone: 'Time zone', internalDate: 'Your own finish line',
  text: 'Goal', n: 'Goal', id: 'Plan', target: 'Date', targetDate: 'Target date', op: 'Form',
};

const day = (date: string) => DateTime.fromISO(date).toFormat('ccc d LLL yyyy');
const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
const SOURCE_LABELS: Record<TimelineEntry['source'], string> = { official: 'Official', personal: 'Your date', own: 'Your deadline' };

const SECTIONS = [
  { id: 'week', label: "This week's goals" },
  { id: 'today', label: "Today's small goal" },
  { id: 'timeline', label: 'Your timeline' },
  { id: 'add-deadline-section', label: 'Add a deadline' },
  { id: 'long-term', label: 'Long-term goals' },
] as const;

/**
 * Where a rejected edit's problem is shown: the form it came from, and the field in it. The page
 * has many small forms; the one that was sent is known by its op (and its deadline or target).
 */
interface Problem {
  field: string;
  message: string;
  op?: string;
  key?: string;
}

/** The problem's words beside a field (and the attributes that tie them together), or nothing. */
function problemAt(problem: Problem | undefined, id: string, matches: boolean): { note: string; attrs: string } {
  if (!problem || !matches) return { note: '', attrs: '' };
  return {
    note: `<span class="error" id="${id}-error">${escapeHtml(problem.message)}</span>`,
    attrs: ` aria-invalid="true" aria-describedby="${id}-error"`,
  };
}

function kindSelect(id: string, selected: string, attrs = ''): string {
  const opts = DEADLINE_KINDS.map((k) => `<option value="${k}"${k === selected ? ' selected' : ''}>${escapeHtml(DEADLINE_KIND_LABELS[k])} (finish ${SUGGESTED_INTERNAL_DAYS[k]} days ahead)</option>`).join('');
  return `<select id="${id}" name="kind" required${attrs}>${opts}</select>`;
}

/** The fields of a deadline form; a problem with one of them sits beside it. */
function deadlineFields(
  prefix: string,
  values: { title?: string; kind?: string; date?: string; time?: string; internalDate?: string },
  suggestion: string | undefined,
  problem: Problem | undefined,
): string {
  const at = (field: string) => problemAt(problem, `${prefix}-${field}`, problem?.field === field);
  // A problem with a field the form has no control for (the plan's limit, a vanished deadline) goes by the title.
  const known = ['title', 'kind', 'date', 'time', 'internalDate'];
  const title = problemAt(problem, `${prefix}-title`, problem !== undefined && (problem.field === 'title' || !known.includes(problem.field)));
  const [kind, date, time, internal] = [at('kind'), at('date'), at('time'), at('internalDate')];
  return `<label for="${prefix}-title">Title</label>${title.note}<input type="text" id="${prefix}-title" name="title" required maxlength="${PLAN_LIMITS.titleChars}" value="${escapeHtml(values.title ?? '')}"${title.attrs}>
<label for="${prefix}-kind">Kind</label>${kind.note}${kindSelect(`${prefix}-kind`, values.kind ?? 'documents', kind.attrs)}
<label for="${prefix}-date">Date</label>${date.note}<input type="date" id="${prefix}-date" name="date" required value="${escapeHtml(values.date ?? '')}"${date.attrs}>
<label for="${prefix}-time">Time (optional)</label><span class="hint">Only if it is due at a certain hour, in your time zone.</span>${time.note}<input type="time" id="${prefix}-time" name="time" value="${escapeHtml(values.time ?? '')}"${time.attrs}>
<label for="${prefix}-internalDate">Your own finish line (optional)</label><span class="hint">${suggestion ? `Suggested: ${escapeHtml(day(suggestion))}. ` : ''}Leave empty for the suggestion for its kind.</span>${internal.note}<input type="date" id="${prefix}-internalDate" name="internalDate" value="${escapeHtml(values.internalDate ?? '')}"${internal.attrs}>`;
}

function timelineItem(entry: TimelineEntry, index: number, today: string, problem: Problem | undefined, sent: Record<string, string>): string {
  const passed = entry.date < today;
  if (passed && entry.source !== 'own') {
    // Passed official and personal dates stay for orientation, without forms.
    return `<li class="hint"><p>${escapeHtml(day(entry.date))} · ${escapeHtml(SOURCE_LABELS[entry.source])} (passed)<br>${escapeHtml(entry.title)}</p></li>`;
  }
  const when = `${day(entry.date)}${entry.time ? `, ${escapeHtml(entry.time)}` : ''}`;
  const finish = entry.internalDate ? `Your finish line: <strong>${escapeHtml(day(entry.internalDate))}</strong>` : `No finish line yet (suggested: ${escapeHtml(day(entry.suggestedInternalDate))})`;
  const head = `<p><strong>${escapeHtml(when)}</strong> · ${escapeHtml(SOURCE_LABELS[entry.source])}${passed ? ' (passed)' : ''}<br>${escapeHtml(entry.title)}<br><span class="hint">${finish}</span></p>`;
  const id = `t${index}`;
  if (entry.source === 'own') {
    const mine = problem && problem.key === entry.key && (problem.op === 'update-deadline' || problem.op === 'delete-deadline') ? problem : undefined;
    // After a problem the form shows what was sent, so nothing typed is lost.
    const values = mine?.op === 'update-deadline'
      ? sent
      : { title: entry.title, kind: entry.kind, date: entry.date, ...(entry.time && { time: entry.time }), ...(entry.internalDate && { internalDate: entry.internalDate }) };
    return `<li id="${escapeHtml(entry.key)}">${head}<details${mine ? ' open' : ''}><summary>Change or delete</summary>
<form method="post" action="${THIS_PAGE}">${hidden('op', 'update-deadline')}${hidden('id', entry.key)}
${deadlineFields(id, values, entry.suggestedInternalDate, mine)}
<button type="submit">Save this deadline</button></form>
<form method="post" action="${THIS_PAGE}">${hidden('op', 'delete-deadline')}${hidden('id', entry.key)}<button type="submit" class="danger">Delete this deadline</button></form>
</details></li>`;
  }
  const mine = problem && problem.key === entry.key && problem.op === 'set-internal' ? problem : undefined;
  const at = problemAt(mine, `${id}-date`, mine !== undefined);
  return `<li>${head}<details${mine ? ' open' : ''}><summary>Set your own finish line</summary>
<form method="post" action="${THIS_PAGE}">${hidden('op', 'set-internal')}${hidden('target', entry.key)}
<label for="${id}-date">Finish by</label><span class="hint">Suggested: ${escapeHtml(day(entry.suggestedInternalDate))}.</span>${at.note}<input type="date" id="${id}-date" name="date" required value="${escapeHtml((mine ? sent.date : undefined) ?? entry.internalDate ?? entry.suggestedInternalDate)}"${at.attrs}>
<button type="submit">Save my finish line</button></form>
${entry.internalDate ? `<form method="post" action="${THIS_PAGE}">${hidden('op', 'clear-internal')}${hidden('target', entry.key)}<button type="submit" class="secondary">Remove my finish line</button></form>` : ''}
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
  const sent = args.values ?? {};
  const problem: Problem | undefined = args.problem && {
    ...args.problem,
    ...(sent.op !== undefined && { op: sent.op }),
    ...((sent.id ?? sent.target) !== undefined && { key: sent.id ?? sent.target }),
  };
  const newDeadline = problem?.op === 'add-deadline' ? problem : undefined;
  const v = newDeadline ? sent : {};
  const status = args.saved ? '<div class="box" role="status"><p><strong>Saved.</strong> Your reminders now follow your plan.</p></div>' : '';
  // The summary at the top says what happened; the words that say what to fix sit beside the field.
  const summary = problem
    ? `<div class="box problem" role="alert"><h2>Nothing was changed</h2><p>${escapeHtml(ERROR_FIELD_LABELS[problem.field] ?? 'Form')}: ${escapeHtml(problem.message)}</p></div>`
    : '';
  const weekProblem = problemAt(problem, 'week-text', problem?.op === 'add-week-goal');
  const dailyProblem = problemAt(problem, 'daily-text', problem?.op === 'set-daily');
  const longText = problemAt(problem, 'long-text', problem?.op === 'add-long-goal' && problem.field !== 'targetDate');
  const longDate = problemAt(problem, 'long-date', problem?.op === 'add-long-goal' && problem.field === 'targetDate');
  const goals = view.weekGoals
    .map(
      (g, i) => `<li><p>${g.doneAt ? '<strong>Done:</strong> ' : ''}${escapeHtml(g.text)}</p>
${g.doneAt ? '' : `<form method="post" action="${THIS_PAGE}">${hidden('op', 'done-week-goal')}${hidden('n', String(i + 1))}<button type="submit" class="secondary">Mark goal ${i + 1} done</button></form>`}
<form method="post" action="${THIS_PAGE}">${hidden('op', 'delete-week-goal')}${hidden('n', String(i + 1))}<button type="submit" class="danger">Remove goal ${i + 1}</button></form></li>`,
    )
    .join('');
  const longTerm = view.plan.longTerm
    .map((g) => `<li><p>${escapeHtml(g.text)}${g.targetDate ? ` · by ${escapeHtml(day(g.targetDate))}` : ''}</p><form method="post" action="${THIS_PAGE}">${hidden('op', 'delete-long-goal')}${hidden('id', g.id)}<button type="submit" class="danger">Remove</button></form></li>`)
    .join('');
  // Passed dates fold away under one line, so the page opens on what is still ahead.
  const items = view.timeline.map((entry, i) => ({ entry, html: timelineItem(entry, i, view.today, problem, sent) }));
  const passed = items.filter(({ entry }) => entry.date < view.today);
  const ahead = items.filter(({ entry }) => entry.date >= view.today);
  const passedOpen = passed.some(({ entry }) => problem?.key === entry.key);
  const timeline = `${
    passed.length
      ? `<details class="passed"${passedOpen ? ' open' : ''}><summary>${passed.length} date${passed.length === 1 ? '' : 's'} already passed</summary><ol class="timeline passed">${passed.map((p) => p.html).join('')}</ol></details>`
      : ''
  }${ahead.length ? `<ol class="timeline">${ahead.map((p) => p.html).join('')}</ol>` : '<p>Nothing ahead on your timeline.</p>'}`;
  const body = `
<h1>${args.firstName ? `${escapeHtml(args.firstName)}, your` : 'Your'} plan for Match ${view.season}</h1>
${status}${summary}
<p>Your dates and goals, in your time zone (${escapeHtml(view.zone)}). Every change here moves your reminders at once. Text GOAL, GOALS, NEXT or DONE and a number to do the same by SMS.</p>
${contents(SECTIONS)}
<h2 id="week">This week's goals</h2>
${goals ? `<ol>${goals}</ol>` : '<p>No goals for this week yet. A few small, clear ones work best.</p>'}
${
  view.weekGoals.length < PLAN_LIMITS.weekGoals
    ? `<form method="post" action="${THIS_PAGE}">${hidden('op', 'add-week-goal')}<label for="week-text">A goal for this week</label>${weekProblem.note}<input type="text" id="week-text" name="text" required maxlength="${PLAN_LIMITS.goalChars}" value="${escapeHtml(problem?.op === 'add-week-goal' ? (sent.text ?? '') : '')}"${weekProblem.attrs}><button type="submit">Add this goal</button></form>`
    : `<p class="hint">A week holds up to ${PLAN_LIMITS.weekGoals} goals.</p>`
}
<h2 id="today">Today's small goal</h2>
<form method="post" action="${THIS_PAGE}">${hidden('op', 'set-daily')}<label for="daily-text">One small thing, every day (optional)</label><span class="hint">Like "one block of questions" or "a 20-minute walk". Leave empty to remove it.</span>${dailyProblem.note}<input type="text" id="daily-text" name="text" maxlength="${PLAN_LIMITS.dailyGoalChars}" value="${escapeHtml(problem?.op === 'set-daily' ? (sent.text ?? '') : (view.plan.daily ?? ''))}"${dailyProblem.attrs}><button type="submit" class="secondary">Save today's goal</button></form>
<h2 id="timeline">Your timeline</h2>
<p class="hint">Official dates come from NRMP, ERAS and ECFMG (check their pages); exam dates are edited in your <a href="${escapeHtml(args.preferencesPath)}">preferences</a>.</p>
${timeline}
<h2 id="add-deadline-section">Add a deadline</h2>
${
  view.plan.deadlines.length < PLAN_LIMITS.deadlines
    ? `<form method="post" action="${THIS_PAGE}" id="add-deadline">${hidden('op', 'add-deadline')}${deadlineFields('new', v, undefined, newDeadline)}<button type="submit">Add this deadline</button></form>`
    : `<p class="hint">Your plan holds ${PLAN_LIMITS.deadlines} deadlines, the most it can. Delete one you no longer need to add another.</p>`
}
<h2 id="long-term">Long-term goals</h2>
${longTerm ? `<ul>${longTerm}</ul>` : '<p>None yet.</p>'}
${
  view.plan.longTerm.length < PLAN_LIMITS.longTermGoals
    ? `<form method="post" action="${THIS_PAGE}">${hidden('op', 'add-long-goal')}<label for="long-text">A long-term goal</label>${longText.note}<input type="text" id="long-text" name="text" required maxlength="${PLAN_LIMITS.goalChars}" value="${escapeHtml(problem?.op === 'add-long-goal' ? (sent.text ?? '') : '')}"${longText.attrs}><label for="long-date">Target date (optional)</label>${longDate.note}<input type="date" id="long-date" name="targetDate" value="${escapeHtml(problem?.op === 'add-long-goal' ? (sent.targetDate ?? '') : '')}"${longDate.attrs}><button type="submit" class="secondary">Add this goal</button></form>`
    : ''
}
<p><a href="${escapeHtml(args.preferencesPath)}">Back to your preferences</a></p>`;
  return page({ status: args.status ?? 200, title: 'Your plan', body });
}
