import type { InboundIntent } from '../../domain/keywords';
import type { Message, Person } from '../../domain/model';
import { PLAN_LIMITS, nextDeadlines } from '../../domain/plan';
import * as say from '../../domain/sms-replies';
import { formatLocal } from '../../domain/template';
import { editPlan, viewPlan } from '../my-plan/plan';
import type { Acted } from './intents';
import { inReplyToLatest, type InboundCtx } from './inbound-context';

type PlanIntent = Extract<InboundIntent, { kind: 'done-goal' | 'goal-add' | 'goals' | 'next' }>;

/**
 * The person's plan by text: DONE 2 (a week goal done), GOAL <words> (a goal added), GOALS (the
 * week's goals) and NEXT (the next three deadlines). Goals they send are kept in the journal too.
 */
export async function planByText(ctx: InboundCtx, person: Person, intent: PlanIntent, latest: Message | undefined, now: Date): Promise<Acted> {
  const inReplyTo = inReplyToLatest(latest);
  switch (intent.kind) {
    case 'done-goal': {
      // The answer is kept either way (the weekly summary reads it); the plan marks the goal done.
      const entry = { kind: 'checkin' as const, response: { kind: 'done-goal' as const, goal: intent.goal }, ...inReplyTo };
      const goals = (await viewPlan(ctx, person)).weekGoals;
      if (intent.goal > goals.length) return { reply: say.noSuchGoalReply(goals.length), entry };
      await editPlan(ctx, person.personId, { op: 'done-week-goal', n: intent.goal });
      return { reply: say.doneGoalReply(intent.goal), entry };
    }
    case 'goal-add': {
      // Kept in the journal too, so nothing they send is lost even when the week is full.
      const entry = { kind: 'goal' as const, text: intent.text, ...inReplyTo };
      const saved = await editPlan(ctx, person.personId, { op: 'add-week-goal', text: intent.text });
      if (saved.status !== 'saved') return { reply: say.weekFullReply(PLAN_LIMITS.weekGoals), entry };
      return { reply: say.goalAddedReply(saved.plan.week!.goals.length), entry };
    }
    case 'goals': {
      const { weekGoals } = await viewPlan(ctx, person);
      return { reply: say.goalsReply(weekGoals.map((g) => ({ text: g.text, done: g.doneAt !== undefined }))), informs: true };
    }
    case 'next': {
      const view = await viewPlan(ctx, person);
      const next = nextDeadlines(view.timeline, now, person.timeZone, 3);
      // Timed dates (official ones) in their local time; all-day dates as the day alone.
      const when = (e: (typeof next)[number]) => formatLocal(/^\d{4}-\d{2}-\d{2}$/.test(e.at) ? new Date(`${e.date}T12:00:00Z`) : new Date(e.at), /^\d{4}-\d{2}-\d{2}$/.test(e.at) ? 'UTC' : person.timeZone, !/^\d{4}-\d{2}-\d{2}$/.test(e.at));
      return { reply: say.nextReply(next.map((e) => ({ when: when(e), title: e.title }))), informs: true };
    }
  }
}
