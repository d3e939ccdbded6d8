import * as z from 'zod';
import { assessRisk, type RiskAssessment } from '../domain/crisis';
import { askAnsweredNoReply, askDirectlyReply, crisisReply } from '../domain/safety-replies';
import { reviewInConversation } from '../domain/safety-question';
import type { CrisisResources } from '../domain/crisis-lines';
import { MAX_SMS_BODY, parseInboundSms, type InboundIntent } from '../domain/keywords';
import type { Consent, JournalEntry, Message, Person } from '../domain/model';
import { findStep } from '../domain/render';
import * as say from '../domain/sms-replies';
import { formatLocal } from '../domain/template';
import type { Clock, Logger, Store } from '../ports';
import { silentLogger } from '../ports';
import { DomainError, PersonGone, describeIssues } from './errors';
import { loadLibrary } from './library';
import type { Library } from './planning';
import { recordCheckinScore, replanPerson, updateProfile } from './replan';
import { PLAN_LIMITS, nextDeadlines } from '../domain/plan';
import { editPlan, viewPlan } from './plan';
import { answerMemberships, type MembershipAnswerDeps } from './membership-answers';
import { helpFor } from './crisis-resources';
import { askedRule, recordQuestionAsked, settleQuestion } from './safety-question';
import type { EngagementStore } from '../ports/engagement';
import { countEvent, countPersonDetails } from './engagement';
import { checkinTest } from './checkin-test';
import { isTalkRequest } from '../domain/talk-keyword';
import { askToTalk } from './talk-request';

/** Twilio's message ids: SM (SMS) or MM (MMS) and 32 hex digits. */
export const MESSAGE_SID = /^(?:SM|MM)[0-9a-fA-F]{32}$/;

export const InboundSms = z.object({
  messageSid: z.string().regex(MESSAGE_SID, 'expected a Twilio MessageSid'),
  /** The sender as Twilio gives it (E.164 for a phone; we only look it up, never trust it further). */
  from: z.string().min(1).max(64),
  to: z.string().min(1).max(64),
  /** Empty for a picture with no words. Twilio's limit is 1,600 characters; code units allow for emoji. */
  body: z.string().max(MAX_SMS_BODY * 2),
});
export type InboundSms = z.input<typeof InboundSms>;

export interface InboundSmsDeps {
  store: Store;
  clock: Clock;
  /** Fixed content for tests; otherwise the shipped library with the calendar corrections. */
  library?: Library;
  log?: Logger;
  /** Where people can write for help; the HELP reply names it. */
  helpAddress: string;
  /**
   * Counselors (issue 5): called once a risk flag is stored, to alert the person's counselors at
   * once. Its failure never costs the person their reply: the dispatcher's sweep sends it later.
   */
  onCrisisFlag?: (flag: { personId: string; eventId: string; at: string; level: 'risk' }) => Promise<unknown>;
  /**
   * The organisations' side: a YES to an organisation's invitation text is the person's yes to
   * that organisation too (the text named it). Without it, YES confirms the texts only.
   */
  memberships?: MembershipAnswerDeps['counselors'];
  /** Engagement counts of people organisations follow: replies, flags and channel changes are counted. */
  engagement?: EngagementStore;
  /** Called once a TALK is stored, to email the person's counselors at once (the sweep sends it later if this fails). */
  onTalkFlag?: (flag: { personId: string; eventId: string; at: string; level: 'talk' }) => Promise<unknown>;
}

export interface InboundSmsResult {
  /** Our TwiML replies, in order. Empty for replays, carrier keywords and unknown numbers. */
  replies: string[];
  outcome: 'duplicate' | 'unknown-number' | 'handled';
}

/** PAUSE without a number. */
export const DEFAULT_PAUSE_DAYS = 7;
/** A bare number answers our check-in for this long after it went out. */
export const SCORE_WINDOW_HOURS = 72;

/** What the person agreed to when a keyword (not a form) turned their texts on. */
export const SMS_KEYWORD_OPT_IN_TEXT =
  'Texted START, YES or UNSTOP to the Match Coach number to get coaching texts and reminders (PAUSE for a break, STOP to end, HELP for help).';
const OPT_OUT_TEXT = {
  keyword: 'Opted out by texting a carrier opt-out keyword (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE or OPTOUT).',
  'free-text': 'Opted out by asking, in their own words, for the texts to stop.',
} as const;

/**
 * One text from a person (Twilio's inbound webhook, signature already checked).
 * 1. Screens the words for risk (pure, first, so no storage fault can cost a crisis reply).
 * 2. Claims the MessageSid: a replayed webhook stops here, with no reply and no change.
 * 3. Finds the person by number; an unknown number hears only HELP (and crisis resources).
 * 4. Risk: the crisis reply at once (a reply, so quiet hours do not apply), a support hold that
 *    pauses upbeat coaching until a human lifts it, a safety event, an alert, a `crisis_flag`
 *    log line; of the intent only an opt-out is still honoured.
 *    The middle band (shared/domain/safety-question.ts): we ask plainly whether they are thinking
 *    of harming themselves, with help in the same text, and read their next reply as the answer
 *    (a yes or anything risky is risk); the question is a follow-up flag for their counselor.
 *    Distress: kept in the journal, flagged for follow-up, a warm reply; nothing is paused.
 *    Every safety reply names help where the person lives (crisis-resources.ts).
 * 5. Acts on the intent (shared/domain/keywords.ts) and answers briefly in our own words.
 * If anything fails after the claim, the claim is released so a retry of the webhook can run again;
 * the writes are keyed by the MessageSid or idempotent, so a second run changes nothing more, with
 * one accepted exception: a risk text whose later writes failed keeps its alert (written first, on
 * purpose) and a retry adds a second alert for the same MessageSid.
 */
export async function handleInboundSms(deps: InboundSmsDeps, raw: unknown): Promise<InboundSmsResult> {
  const parsed = InboundSms.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const input = parsed.data;
  const log = deps.log ?? silentLogger;
  const now = deps.clock.now();
  const screen = assessRisk(input.body);

  let fresh: boolean;
  try {
    fresh = await deps.store.claimInboundSms(input.messageSid, now);
  } catch (error) {
    if (needsResources(screen)) return crisisDespiteFault(log, input, screen, error);
    throw error;
  }
  if (!fresh) {
    log.info('inbound sms replayed', { messageSid: input.messageSid });
    return { replies: [], outcome: 'duplicate' };
  }
  // What the conversation made of the text (an answer to the direct question can raise it), for the fault path.
  const seen = { screen };
  try {
    return await respond({ ...deps, log }, input, seen, now);
  } catch (error) {
    if (error instanceof PersonGone) {
      // Erased while this text was being handled: answered as from a number we do not know.
      log.info('inbound sms from someone erased meanwhile', { messageSid: input.messageSid });
      return { replies: needsResources(seen.screen) ? [crisisReply(helpFor({ phone: input.from }))] : [], outcome: 'unknown-number' };
    }
    await deps.store.releaseInboundSms(input.messageSid).catch(() => undefined);
    if (needsResources(seen.screen)) return crisisDespiteFault(log, input, seen.screen, error);
    throw error;
  }
}

/** Risk, or the middle band: without our records we cannot ask and wait, so resources go at once. */
const needsResources = (screen: RiskAssessment) => screen.level === 'risk' || screen.level === 'ask';

/** The person still gets the resources (chosen by their number alone); the operator gets an error to act on. */
function crisisDespiteFault(log: Logger, input: Input, screen: RiskAssessment, error: unknown): InboundSmsResult {
  const messageSid = input.messageSid;
  log.error('crisis reply sent, but its records were not stored', {
    alarm: 'CrisisFlagNotStored',
    messageSid,
    rule: screen.matched,
    // The name only: a storage error's message can echo the item it failed on, here their words.
    error: error instanceof Error ? error.name : typeof error,
  });
  return { replies: [crisisReply(helpFor({ phone: input.from }))], outcome: 'handled' };
}

type Ctx = Required<Pick<InboundSmsDeps, 'store' | 'clock' | 'log' | 'helpAddress'>> & {
  library: Library;
  memberships?: MembershipAnswerDeps['counselors'];
  engagement?: EngagementStore;
  /** Whether this person's engagement is counted (an organisation follows them). */
  followed: boolean;
};
type Input = z.infer<typeof InboundSms>;

/** What acting on an intent produced: a reply, whether it informs (kept next to a safety reply), a journal entry. */
interface Acted {
  reply?: string;
  informs?: boolean;
  entry?: Pick<JournalEntry, 'kind' | 'text' | 'inReplyTo' | 'response'>;
}

async function respond(deps: InboundSmsDeps & { log: Logger }, input: Input, seen: { screen: RiskAssessment }, now: Date): Promise<InboundSmsResult> {
  const firstScreen = seen.screen;
  const { store, log } = deps;
  const personId = await store.findPersonIdByPhone(input.from);
  const person = personId ? await store.getPerson(personId) : undefined;
  if (!person) {
    // A number whose person is gone (or going): a stop still withdraws whatever might be left.
    if (personId && parseInboundSms(input.body).kind === 'opt-out') await store.cancelPendingMessages(personId, 'opted_out', now, 'sms');
    // Nothing about whether the number is known leaks: HELP and crisis replies say nothing of it.
    // A stranger cannot be asked and followed up, so the middle band gets the resources too.
    if (needsResources(firstScreen)) {
      log.warn('crisis_flag', { messageSid: input.messageSid, rule: firstScreen.matched, knownPerson: false });
      return { replies: [crisisReply(helpFor({ phone: input.from }))], outcome: 'unknown-number' };
    }
    const intent = parseInboundSms(input.body);
    return { replies: intent.kind === 'help' ? [say.helpReply(deps.helpAddress)] : [], outcome: 'unknown-number' };
  }

  const ctx: Ctx = {
    store,
    clock: deps.clock,
    log,
    helpAddress: deps.helpAddress,
    library: deps.library ?? (await loadLibrary(store)),
    ...(deps.memberships && { memberships: deps.memberships }),
    ...(deps.engagement && { engagement: deps.engagement }),
    followed: person.profile.followed === true && deps.engagement !== undefined,
  };
  const latest = latestSentSms(await store.listMessages(person.personId));
  const awaitingScore = await isAwaitingScore(ctx, person.personId, latest, now);
  const intent = parseInboundSms(input.body, { awaitingScore });
  // The open direct question and a lowest score with words can raise the screen (safety-question.ts).
  const review = reviewInConversation({ screen: firstScreen, person, intent, body: input.body, now });
  const screen = review.screen;
  seen.screen = screen;
  const help = helpFor({ phone: input.from, zone: person.timeZone });
  const ids = { personId: person.personId, messageSid: input.messageSid };
  const nowIso = now.toISOString();
  // The direct question is kept as a follow-up (distress) flag whose rule says it was asked.
  const safety =
    screen.level === 'none' ? undefined : screen.level === 'ask' ? { level: 'distress' as const, rule: askedRule(screen.matched) } : { level: screen.level, rule: screen.matched ?? `${screen.level}:unknown` };
  const words = input.body.trim().slice(0, MAX_SMS_BODY);

  if (screen.level === 'risk') {
    // Logged before any write, so the alarm fires even if the writes below fail.
    log.warn('crisis_flag', { ...ids, rule: safety!.rule, knownPerson: true });
    const replies = [crisisReply(help)];
    // The alert first: of everything below it is what a human most needs to see.
    await store.saveSafetyEvent({ personId: person.personId, eventId: input.messageSid, at: nowIso, kind: 'risk', rule: safety!.rule });
    if (!person.profile.supportHold) {
      await updateProfile(ctx, person.personId, (profile) => ({ profile: { ...profile, supportHold: true } }));
    }
    if (review.settles) await settleQuestion(store, person.personId);
    if (intent.kind === 'opt-out') {
      await revokeSms(ctx, person.personId, intent.via, now);
      if (intent.via === 'free-text') replies.push(say.optOutReply);
    }
    await store.saveJournalEntry({ ...entryIds(ids), at: nowIso, kind: 'note', text: words, ...(latest && { inReplyTo: latest.messageId }), safety: safety! });
    await countReply(ctx, person.personId, undefined, latest, now);
    if (ctx.followed) await countEvent({ engagement: ctx.engagement!, log }, person.personId, { kind: 'flag', at: nowIso, reason: 'crisis' });
    if (deps.onCrisisFlag) {
      await deps.onCrisisFlag({ personId: person.personId, eventId: input.messageSid, at: nowIso, level: 'risk' }).catch((error: unknown) =>
        log.error('counselor crisis alert not sent now; the next tick sweeps it', { ...ids, error: error instanceof Error ? error.name : typeof error }),
      );
    }
    return { replies, outcome: 'handled' };
  }

  // TALK: they ask for a person to reach them (its own module; a risky text never gets here).
  if (screen.level === 'none' && ctx.memberships && isTalkRequest(input.body)) {
    const { reply } = await askToTalk({ store, counselors: ctx.memberships, clock: ctx.clock, log, ...(ctx.followed && { engagement: ctx.engagement! }), ...(deps.onTalkFlag && { onTalkFlag: deps.onTalkFlag }) }, person, input.messageSid, input.from);
    await store.saveJournalEntry({ ...entryIds(ids), at: nowIso, kind: 'note', text: words, ...(latest && { inReplyTo: latest.messageId }) });
    await countReply(ctx, person.personId, undefined, latest, now);
    log.info('inbound sms handled', { ...ids, intent: 'talk', risk: screen.level, replies: 1 });
    return { replies: [reply], outcome: 'handled' };
  }

  const acted = await actOn(ctx, person, intent, latest, now, help);
  // A safety line leads; a reply that informs (a pause date, an opt-out) still follows it.
  const lead =
    review.answer === 'no' ? askAnsweredNoReply(help) : screen.level === 'ask' ? askDirectlyReply(help) : screen.level === 'distress' ? say.distressReply(help) : undefined;
  const replies = lead ? [lead, ...(acted.informs && acted.reply ? [acted.reply] : [])] : acted.reply ? [acted.reply] : [];
  const entry = acted.entry ?? (safety && words ? { kind: 'note' as const, text: words, ...(latest && { inReplyTo: latest.messageId }) } : undefined);
  if (entry) {
    await store.saveJournalEntry({ ...entryIds(ids), at: nowIso, ...entry, ...(safety && { safety }) });
    await countReply(ctx, person.personId, entry, latest, now);
  }
  if (review.settles) await settleQuestion(store, person.personId);
  if (screen.level === 'ask') await recordQuestionAsked({ store, log }, ids, safety!.rule, now);
  if (screen.level === 'distress') {
    // Last, so a retry after a failure above cannot raise the same follow-up flag twice.
    await store.saveSafetyEvent({ personId: person.personId, eventId: input.messageSid, at: nowIso, kind: 'distress', rule: safety!.rule });
    log.info('distress_flag', { ...ids, rule: safety!.rule });
  }
  if ((screen.level === 'ask' || screen.level === 'distress') && ctx.followed) {
    await countEvent({ engagement: ctx.engagement!, log }, person.personId, { kind: 'flag', at: nowIso, reason: 'distress' });
  }
  log.info('inbound sms handled', { ...ids, intent: intent.kind, risk: screen.level, replies: replies.length });
  return { replies, outcome: 'handled' };
}

const entryIds = (ids: { personId: string; messageSid: string }) => ({ personId: ids.personId, entryId: ids.messageSid });

async function actOn(ctx: Ctx, person: Person, intent: InboundIntent, latest: Message | undefined, now: Date, help: CrisisResources): Promise<Acted> {
  const inReplyTo = latest ? { inReplyTo: latest.messageId } : {};
  switch (intent.kind) {
    case 'opt-out':
      await revokeSms(ctx, person.personId, intent.via, now);
      // The carrier answers its own keywords (and blocks ours); free text gets one confirmation.
      return intent.via === 'free-text' ? { reply: say.optOutReply, informs: true } : {};
    case 'opt-in':
      return { reply: await confirmSms(ctx, person.personId, now), informs: true };
    case 'help':
      return { reply: say.helpReply(ctx.helpAddress), informs: true };
  }

  const state = person.consent.sms?.state ?? 'pending';
  if (state !== 'confirmed') {
    // Until YES (or after STOP) nothing is coached; their words are still kept, as they sent them.
    const text = intent.kind === 'free-text' || intent.kind === 'clarify' || intent.kind === 'goal-add' ? intent.text : undefined;
    const entry = text ? { kind: intent.kind === 'goal-add' ? ('goal' as const) : ('note' as const), text, ...inReplyTo } : undefined;
    return state === 'revoked' ? { ...(entry && { entry }) } : { reply: say.confirmFirstReply, informs: true, ...(entry && { entry }) };
  }

  switch (intent.kind) {
    case 'pause': {
      const until = new Date(now.getTime() + (intent.days ?? DEFAULT_PAUSE_DAYS) * 86_400_000);
      await updateProfile(ctx, person.personId, (profile) => ({ profile: { ...profile, pausedUntil: until.toISOString() } }));
      return { reply: say.pauseReply(formatLocal(until, person.timeZone, false)), informs: true };
    }
    case 'resume': {
      const { pausedUntil } = person.profile;
      // Only a human lifts a support hold (resumeCoaching); RESUME ends the person's own pause.
      if (pausedUntil) {
        await updateProfile(ctx, person.personId, ({ pausedUntil: _ended, ...profile }) => ({ profile }));
      }
      const paused = pausedUntil !== undefined && Date.parse(pausedUntil) > now.getTime();
      const reply = person.profile.supportHold ? say.resumeHeldReply : paused ? say.resumeReply : say.resumeNotPausedReply;
      return { reply, informs: true };
    }
    case 'done':
      return { reply: say.doneReply, entry: { kind: 'checkin', response: { kind: 'done' }, ...inReplyTo } };
    case 'skip':
      return { reply: say.skipReply, entry: { kind: 'checkin', response: { kind: 'skip' }, ...inReplyTo } };
    case 'done-goal': {
      // The answer is kept either way (the weekly summary reads it); the plan marks the goal done.
      const entry = { kind: 'checkin' as const, response: { kind: 'done-goal' as const, goal: intent.goal }, ...inReplyTo };
      const goals = (await viewPlan(ctx, person)).weekGoals;
      if (intent.goal > goals.length) return { reply: say.noSuchGoalReply(goals.length), entry };
      await editPlan(ctx, person.personId, { op: 'done-week-goal', n: intent.goal });
      return { reply: say.doneGoalReply(intent.goal), entry };
    }
    case 'score': {
      const { wellbeing, changed } = await recordCheckinScore(ctx, person.personId, intent.score);
      const reply = changed && wellbeing === 'struggling' ? say.strugglingReply(help) : say.scoreReply(intent.score);
      return { reply, entry: { kind: 'checkin', response: { kind: 'score', score: intent.score }, ...(intent.note && { text: intent.note }), ...inReplyTo } };
    }
    case 'clarify':
      // An unclear answer to a check-in is still something they told us: it goes in the journal.
      return {
        reply: say.clarifyReply(intent.reason),
        ...(intent.reason === 'score-not-understood' && intent.text && { entry: { kind: 'note' as const, text: intent.text, ...inReplyTo } }),
      };
    case 'free-text':
      if (!intent.text) return {};
      // "GOALZ", "NXT": a lone capitalised word reads as a command we do not know, and gets one
      // line of help; it is still kept, like any text.
      if (/^[A-Z]{3,12}[?!.]?$/.test(intent.text)) return { reply: say.unknownCommandReply, entry: { kind: 'note', text: intent.text, ...inReplyTo } };
      return { reply: say.journalReply, entry: { kind: 'note', text: intent.text, ...inReplyTo } };
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

/** Re-read before each change: an earlier step of this same text may have saved the person. */
async function changePerson(ctx: Ctx, personId: string, change: (person: Person) => Person | undefined): Promise<boolean> {
  const person = await ctx.store.getPerson(personId);
  if (!person) throw new PersonGone();
  const next = change(person);
  if (!next) return false;
  await ctx.store.savePerson(next);
  return true;
}

/**
 * A followed person's text, counted: that they replied, whether it was the first answer to a
 * check-in (read after it is stored: the entries answering the same text), and the score.
 */
async function countReply(ctx: Ctx, personId: string, entry: Pick<JournalEntry, 'response' | 'inReplyTo'> | undefined, latest: Message | undefined, now: Date): Promise<void> {
  if (!ctx.followed) return;
  let answered: { checkinSentAt: string } | undefined;
  if (entry?.response && latest && entry.inReplyTo === latest.messageId && checkinTest(ctx.library)(latest)) {
    const answers = (await ctx.store.listJournalEntries(personId, { inReplyTo: latest.messageId })).filter((e) => e.response);
    if (answers.length === 1) answered = { checkinSentAt: latest.attempts.filter((a) => a.outcome === 'sent').at(-1)?.at ?? latest.sendAt };
  }
  const score = entry?.response?.kind === 'score' ? entry.response.score : undefined;
  await countEvent({ engagement: ctx.engagement!, log: ctx.log }, personId, { kind: 'reply', at: now.toISOString(), ...(answered && { answered }), ...(score !== undefined && { score }) });
}

/** STOP or "please stop texting me": consent revoked with its source, nothing more goes out by SMS. */
async function revokeSms(ctx: Ctx, personId: string, via: 'keyword' | 'free-text', now: Date): Promise<void> {
  let changed: Person | undefined;
  await changePerson(ctx, personId, (person) => {
    // The first revocation stands; a second STOP changes nothing but is still honoured below.
    if (person.consent.sms?.state === 'revoked') return undefined;
    const sms: Consent = { state: 'revoked', source: via === 'keyword' ? 'sms-keyword' : 'sms-free-text', at: now.toISOString(), text: OPT_OUT_TEXT[via] };
    return (changed = { ...person, consent: { ...person.consent, sms } });
  });
  if (changed && ctx.followed) await countPersonDetails({ engagement: ctx.engagement!, log: ctx.log }, changed, now);
  // Same reason the dispatcher records for a carrier-level opt-out (Twilio 21610).
  await ctx.store.cancelPendingMessages(personId, 'opted_out', now, 'sms');
  ctx.log.info('sms consent revoked', { personId, via });
}

/** START/YES/UNSTOP: SMS double opt-in completed (or consent given again), then texts are planned. */
async function confirmSms(ctx: Ctx, personId: string, now: Date): Promise<string> {
  let invitedBy: string | undefined;
  let confirmed: Person | undefined;
  const changed = await changePerson(ctx, personId, (person) => {
    const had = person.consent.sms;
    if (had?.state === 'confirmed') return undefined;
    if (had?.state === 'pending' && had.source.startsWith('counselor:')) invitedBy = person.broughtBy;
    // A pending consent keeps the words they agreed to on the form: YES confirms exactly those.
    const sms: Consent = { state: 'confirmed', source: 'sms-keyword', at: now.toISOString(), text: had?.state === 'pending' ? had.text : SMS_KEYWORD_OPT_IN_TEXT };
    return (confirmed = { ...person, consent: { ...person.consent, sms } });
  });
  if (!changed) return say.alreadyOptedInReply;
  if (confirmed && ctx.followed) await countPersonDetails({ engagement: ctx.engagement!, log: ctx.log }, confirmed, now);
  // The invitation text named the organisation that brought them: YES is their yes to it too.
  if (invitedBy && ctx.memberships) {
    await answerMemberships({ store: ctx.store, clock: ctx.clock, log: ctx.log, library: ctx.library, counselors: ctx.memberships, ...(ctx.engagement && { engagement: ctx.engagement }) }, personId, { orgId: invitedBy }, 'accepted', 'sms-keyword');
  }
  await replanPerson(ctx, personId);
  ctx.log.info('sms consent confirmed', { personId });
  return say.optInReply;
}

/** When a message went out: its sent attempt, else its last change. */
const sentAt = (m: Message) => Date.parse(m.attempts.filter((a) => a.outcome === 'sent').at(-1)?.at ?? m.updatedAt);

/** The last text we sent them: what DONE, SKIP or a score answers. */
function latestSentSms(messages: readonly Message[]): Message | undefined {
  let latest: Message | undefined;
  for (const m of messages) {
    if (m.channel !== 'sms' || m.status !== 'sent') continue;
    if (!latest || sentAt(m) >= sentAt(latest)) latest = m;
  }
  return latest;
}

/**
 * A bare number (or an unclear answer) reads as a check-in score only while our last text was a
 * check-in, recent, and not yet scored: "4" after a nudge is news, and "thanks!" after a score
 * is not a badly typed score.
 */
async function isAwaitingScore(ctx: Ctx, personId: string, latest: Message | undefined, now: Date): Promise<boolean> {
  if (!latest || now.getTime() - sentAt(latest) > SCORE_WINDOW_HOURS * 3_600_000) return false;
  const sequence = ctx.library.sequences.get(latest.sequenceId);
  if (!sequence || findStep(sequence, latest.stepId)?.kind !== 'checkin') return false;
  const answers = await ctx.store.listJournalEntries(personId, { inReplyTo: latest.messageId });
  return !answers.some((a) => a.response?.kind === 'score');
}
