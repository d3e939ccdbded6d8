import * as z from 'zod';
import { assessRisk, type RiskAssessment } from '../../domain/crisis';
import { askAnsweredNoReply, askDirectlyReply, crisisReply } from '../../domain/safety-replies';
import { reviewInConversation } from '../../domain/safety-question';
import type { CrisisResources } from '../../domain/crisis-lines';
import { MAX_SMS_BODY, parseInboundSms, type InboundIntent } from '../../domain/keywords';
import type { Consent, JournalEntry, Message, Person } from '../../domain/model';
import { findStep } from '../../domain/render';
import * as say from '../../domain/sms-replies';
import { formatLocal } from '../../domain/template';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import { DomainError, PersonGone, describeIssues } from '../errors';
import { loadLibrary } from '../library';
import type { Library } from '../scheduling/planning';
import { recordCheckinScore, replanPerson, updateProfile } from '../scheduling/replan';
import { PLAN_LIMITS, nextDeadlines } from '../../domain/plan';
import { editPlan, viewPlan } from '../my-plan/plan';
import { answerMemberships, type MembershipAnswerDeps } from '../organisations/membership-answers';
import { ownRecordOf } from '../../domain/ownership';
import { helpFor } from './crisis-resources';
import { askedRule, recordQuestionAsked, settleQuestion } from './safety-question';
import { channelAddress, oneWaySmsCountry } from '../../domain/whatsapp';
import * as wa from '../../domain/whatsapp-words';
import { mayText } from '../../domain/public-forms';
import type { TextChannel } from '../../domain/sequence';
import { actOnNews } from './news-by-text';
import { noteReply } from './reply-seen';
import { humanOfferFor, LOWEST_SCORE_RULE } from './human-offer';
import { smsFrequency } from '../../domain/subscription-words';
import type { EngagementStore } from '../../ports/engagement';
import { countEvent, countPersonDetails } from '../engagement';
import { checkinTest } from '../checkin-test';
import { isTalkRequest } from '../../domain/talk-keyword';
import { askToTalk } from './talk-request';

/** Twilio's message ids: SM (SMS) or MM (MMS) and 32 hex digits. */
export const MESSAGE_SID = /^(?:SM|MM)[0-9a-fA-F]{32}$/;

const InboundSms = z
  .object({
    messageSid: z.string().regex(MESSAGE_SID, 'expected a Twilio MessageSid'),
    /**
     * The sender as Twilio gives it: E.164 for a text, `whatsapp:+E164` for a WhatsApp message.
     * We only look the number up, never trust it further.
     */
    from: z.string().min(1).max(64).refine((from) => channelAddress(from) !== undefined, 'expected whatsapp: and an E.164 number'),
    to: z.string().min(1).max(64),
    /** Empty for a picture with no words. Twilio's limit is 1,600 characters; code units allow for emoji. */
    body: z.string().max(MAX_SMS_BODY * 2),
  })
  // Twilio never mixes them: a WhatsApp message comes to our WhatsApp address, a text to our number.
  .refine((m) => channelAddress(m.from)?.channel === (m.to.startsWith('whatsapp:') ? 'whatsapp' : 'sms'), 'from and to are on different channels');
type InboundSms = z.input<typeof InboundSms>;

export interface InboundSmsDeps {
  store: Store;
  clock: Clock;
  /** Fixed content for tests; otherwise the shipped library with the calendar corrections. */
  library?: Library;
  log?: Logger;
  /** Where people can write for help; the HELP reply names it. */
  helpAddress: string;
  /**
   * Counselors: called once a risk flag is stored, to alert the person's counselors at
   * once. Its failure never costs the person their reply: the dispatcher's sweep sends it later.
   */
  onCrisisFlag?: (flag: { personId: string; eventId: string; at: string; level: 'risk' }) => Promise<unknown>;
  /**
   * The organisations' side: a YES to an organisation's invitation text is the person's yes to
   * that organisation too (the text named it). Without it, YES confirms the texts only.
   */
  memberships?: MembershipAnswerDeps['counselors'];
  /** Where someone we do not know can sign up: START or JOIN from their number gets this link. */
  signUpUrl?: string;
  /** Where WhatsApp is set up: our WhatsApp number (E.164), named to someone who texts WHATSAPP. */
  whatsapp?: { number?: string };
  /** Calling codes whose numbers may get texts (SMS_COUNTRY_CODES), for a move from WhatsApp to texts. */
  smsCountryCodes?: readonly string[];
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
const DEFAULT_PAUSE_DAYS = 7;
/** A bare number answers our check-in for this long after it went out. */
const SCORE_WINDOW_HOURS = 72;

/** What the person agreed to when a keyword (not a form) turned their texts on. */
export const SMS_KEYWORD_OPT_IN_TEXT = `Texted START, YES or UNSTOP to the Match Coach number to get coaching texts and reminders (${smsFrequency()}; PAUSE for a break, STOP to end, HELP for help).`;
const OPT_OUT_TEXT = {
  keyword: 'Opted out by texting a carrier opt-out keyword (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE or OPTOUT).',
  'free-text': 'Opted out by asking, in their own words, for the texts to stop.',
} as const;

/**
 * One text or WhatsApp message from a person (Twilio's inbound webhook, signature already
 * checked; `from` says which: a WhatsApp message comes from `whatsapp:+E164`). Both channels get
 * the same keywords, the same screening and the same replies, each acting on its own consent; a
 * WhatsApp message also opens the person's 24-hour window (shared/domain/whatsapp.ts).
 * 1. Screens the words for risk (pure, first, so no storage fault can cost a crisis reply).
 * 2. Claims the MessageSid: a replayed webhook stops here, with no reply and no change.
 * 3. Finds the person by number; an unknown number hears only HELP (and crisis resources), or,
 *    for START or JOIN, where to sign up.
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
  const log = loggerOf(deps);
  const now = deps.clock.now();
  const screen = assessRisk(input.body);
  const { phone } = channelAddress(input.from)!;

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
      return { replies: needsResources(seen.screen) ? [crisisReply(helpFor({ phone }))] : [], outcome: 'unknown-number' };
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
  return { replies: [crisisReply(helpFor({ phone: channelAddress(input.from)!.phone }))], outcome: 'handled' };
}

type Ctx = Required<Pick<InboundSmsDeps, 'store' | 'clock' | 'log' | 'helpAddress'>> &
  Pick<InboundSmsDeps, 'whatsapp' | 'smsCountryCodes'> & {
    library: Library;
    memberships?: MembershipAnswerDeps['counselors'];
    channel: TextChannel;
    phone: string;
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
  /** A follow-up flag for their counselor (a rule id), raised last like the screen's own. */
  flag?: string;
}

async function respond(deps: InboundSmsDeps & { log: Logger }, input: Input, seen: { screen: RiskAssessment }, now: Date): Promise<InboundSmsResult> {
  const firstScreen = seen.screen;
  const { store, log } = deps;
  const { channel, phone } = channelAddress(input.from)!;
  const personId = await store.findPersonIdByPhone(phone);
  const person = personId ? await store.getPerson(personId) : undefined;
  if (!person) {
    // A number whose person is gone (or going): a stop still withdraws whatever might be left.
    if (personId && parseInboundSms(input.body).kind === 'opt-out') await store.cancelPendingMessages(personId, 'opted_out', now, channel);
    // Nothing about whether the number is known leaks: HELP and crisis replies say nothing of it.
    // A stranger cannot be asked and followed up, so the middle band gets the resources too.
    if (needsResources(firstScreen)) {
      log.warn('crisis_flag', { messageSid: input.messageSid, rule: firstScreen.matched, knownPerson: false });
      return { replies: [crisisReply(helpFor({ phone }))], outcome: 'unknown-number' };
    }
    const intent = parseInboundSms(input.body);
    if (intent.kind === 'help') return { replies: [say.helpReply(deps.helpAddress)], outcome: 'unknown-number' };
    // START or JOIN from a number nobody holds: where to sign up (a reply to their message; nothing is stored).
    if ((intent.kind === 'opt-in' || intent.kind === 'join') && deps.signUpUrl) return { replies: [wa.signUpLinkReply(deps.signUpUrl)], outcome: 'unknown-number' };
    return { replies: [], outcome: 'unknown-number' };
  }
  // Their message opens (or renews) the 24-hour window in which we may answer WhatsApp freely.
  if (channel === 'whatsapp') await store.noteInbound(person.personId, now);

  const ctx: Ctx = {
    store,
    clock: deps.clock,
    log,
    helpAddress: deps.helpAddress,
    library: deps.library ?? (await loadLibrary(store)),
    channel,
    phone,
    ...(deps.memberships && { memberships: deps.memberships }),
    ...(deps.whatsapp && { whatsapp: deps.whatsapp }),
    ...(deps.smsCountryCodes && { smsCountryCodes: deps.smsCountryCodes }),
    ...(deps.engagement && { engagement: deps.engagement }),
    followed: person.profile.followed === true && deps.engagement !== undefined,
  };
  const latest = latestSent(await store.listMessages(person.personId), channel);
  const awaitingScore = await isAwaitingScore(ctx, person.personId, latest, now);
  const intent = parseInboundSms(input.body, { awaitingScore });
  // The open direct question and a lowest score with words can raise the screen (safety-question.ts).
  const review = reviewInConversation({ screen: firstScreen, person, intent, body: input.body, now });
  const screen = review.screen;
  seen.screen = screen;
  const help = helpFor({ phone, zone: person.timeZone });
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
      await revokeText(ctx, person.personId, intent.via, now);
      const confirmation = optOutConfirmation(channel, intent.via);
      if (confirmation) replies.push(confirmation);
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
    const { reply } = await askToTalk({ store, counselors: ctx.memberships, clock: ctx.clock, log, ...(ctx.followed && { engagement: ctx.engagement! }), ...(deps.onTalkFlag && { onTalkFlag: deps.onTalkFlag }) }, person, input.messageSid, ctx.phone);
    await store.saveJournalEntry({ ...entryIds(ids), at: nowIso, kind: 'note', text: words, ...(latest && { inReplyTo: latest.messageId }) });
    await countReply(ctx, person.personId, undefined, latest, now);
    if (person.consent.sms?.state === 'confirmed') await noteReply(ctx, person, now);
    log.info('inbound sms handled', { ...ids, intent: 'talk', risk: screen.level, replies: 1 });
    return { replies: [reply], outcome: 'handled' };
  }

  const acted = await actOn(ctx, person, intent, latest, now, help);
  // A safety line leads; a reply that informs (a pause date, an opt-out) still follows it.
  const lead =
    review.answer === 'no'
      ? askAnsweredNoReply(help)
      : screen.level === 'ask'
        ? askDirectlyReply(help)
        : screen.level === 'distress'
          ? say.distressReply(help, await humanOfferFor(ctx, person))
          : undefined;
  const replies = lead ? [lead, ...(acted.informs && acted.reply ? [acted.reply] : [])] : acted.reply ? [acted.reply] : [];
  const entry = acted.entry ?? (safety && words ? { kind: 'note' as const, text: words, ...(latest && { inReplyTo: latest.messageId }) } : undefined);
  if (entry) {
    await store.saveJournalEntry({ ...entryIds(ids), at: nowIso, ...entry, ...(safety && { safety }) });
    await countReply(ctx, person.personId, entry, latest, now);
  }
  if (review.settles) await settleQuestion(store, person.personId);
  if (screen.level === 'ask') await recordQuestionAsked({ store, log }, ids, safety!.rule, now);
  // Any text from them is a sign of life (three silent weeks slow coaching down); not a STOP.
  if (person.consent.sms?.state === 'confirmed' && intent.kind !== 'opt-out') await noteReply(ctx, person, now);
  if (screen.level === 'distress') {
    // Last, so a retry after a failure above cannot raise the same follow-up flag twice.
    await store.saveSafetyEvent({ personId: person.personId, eventId: input.messageSid, at: nowIso, kind: 'distress', rule: safety!.rule });
    log.info('distress_flag', { ...ids, rule: safety!.rule });
  } else if (acted.flag && screen.level === 'none') {
    await store.saveSafetyEvent({ personId: person.personId, eventId: input.messageSid, at: nowIso, kind: 'distress', rule: acted.flag });
    log.info('distress_flag', { ...ids, rule: acted.flag });
  }
  if ((screen.level === 'ask' || screen.level === 'distress' || (acted.flag && screen.level === 'none')) && ctx.followed) {
    await countEvent({ engagement: ctx.engagement!, log }, person.personId, { kind: 'flag', at: nowIso, reason: 'distress' });
  }
  log.info('inbound sms handled', { ...ids, intent: intent.kind, risk: screen.level, replies: replies.length });
  return { replies, outcome: 'handled' };
}

const entryIds = (ids: { personId: string; messageSid: string }) => ({ personId: ids.personId, entryId: ids.messageSid });

async function actOn(ctx: Ctx, person: Person, intent: InboundIntent, latest: Message | undefined, now: Date, help: CrisisResources): Promise<Acted> {
  const inReplyTo = latest ? { inReplyTo: latest.messageId } : {};
  switch (intent.kind) {
    case 'opt-out': {
      await revokeText(ctx, person.personId, intent.via, now);
      const confirmation = optOutConfirmation(ctx.channel, intent.via);
      return confirmation ? { reply: confirmation, informs: true } : {};
    }
    case 'opt-in':
    case 'join':
      return { reply: await confirmText(ctx, person.personId, now), informs: true };
    case 'help':
      return { reply: say.helpReply(ctx.helpAddress), informs: true };
    case 'switch':
      return { reply: await switchChannel(ctx, person, intent.to, now), informs: true };
  }

  const state = person.consent[ctx.channel]?.state ?? 'pending';
  if (state !== 'confirmed') {
    // Until YES (or after STOP) nothing is coached; their words are still kept, as they sent them.
    const text = intent.kind === 'free-text' || intent.kind === 'clarify' || intent.kind === 'goal-add' ? intent.text : undefined;
    const entry = text ? { kind: intent.kind === 'goal-add' ? ('goal' as const) : ('note' as const), text, ...inReplyTo } : undefined;
    const confirmFirst = ctx.channel === 'whatsapp' ? wa.whatsappConfirmFirstReply : say.confirmFirstReply;
    return state === 'revoked' ? { ...(entry && { entry }) } : { reply: confirmFirst, informs: true, ...(entry && { entry }) };
  }

  // News for the coach (an outcome, a milestone, their specialty, interviews): routed like the web form.
  const told = intent.kind === 'free-text' || intent.kind === 'clarify' ? await actOnNews(ctx, person, intent.text) : undefined;
  if (told) return { reply: told.reply, informs: true, entry: { ...told.entry, ...inReplyTo } };

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
      // The lowest score always gets a caring question and a follow-up flag for their counselor.
      const reply =
        changed && wellbeing === 'struggling' ? say.strugglingReply(help, await humanOfferFor(ctx, person)) : intent.score === 1 ? say.lowestScoreReply : say.scoreReply(intent.score);
      return {
        reply,
        entry: { kind: 'checkin', response: { kind: 'score', score: intent.score }, ...(intent.note && { text: intent.note }), ...inReplyTo },
        ...(intent.score === 1 && { flag: LOWEST_SCORE_RULE }),
      };
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

/**
 * What an opt-out is answered with: by SMS the carrier answers its own keywords (and blocks ours),
 * so only free text gets our confirmation; WhatsApp has no carrier, so we always confirm.
 */
function optOutConfirmation(channel: TextChannel, via: 'keyword' | 'free-text'): string | undefined {
  if (channel === 'whatsapp') return wa.whatsappOptOutReply;
  return via === 'free-text' ? say.optOutReply : undefined;
}

/** STOP or "please stop texting me": that channel's consent revoked with its source, nothing more goes out on it. */
async function revokeText(ctx: Ctx, personId: string, via: 'keyword' | 'free-text', now: Date): Promise<void> {
  const { channel } = ctx;
  let changed: Person | undefined;
  await changePerson(ctx, personId, (person) => {
    // The first revocation stands; a second STOP changes nothing but is still honoured below.
    if (person.consent[channel]?.state === 'revoked') return undefined;
    const text = channel === 'sms' ? OPT_OUT_TEXT[via] : wa.WHATSAPP_OPT_OUT_TEXT[via];
    const revoked: Consent = { state: 'revoked', source: `${channel}-${via === 'keyword' ? 'keyword' : 'free-text'}`, at: now.toISOString(), text };
    return (changed = { ...person, consent: { ...person.consent, [channel]: revoked } });
  });
  if (changed && ctx.followed) await countPersonDetails({ engagement: ctx.engagement!, log: ctx.log }, changed, now);
  // Same reason the dispatcher records for a carrier-level opt-out (Twilio 21610).
  await ctx.store.cancelPendingMessages(personId, 'opted_out', now, channel);
  ctx.log.info(`${channel} consent revoked`, { personId, via });
}

/**
 * START/YES/UNSTOP/JOIN on this channel: its double opt-in completed (or consent given again),
 * then its messages are planned. Coaching comes on one phone channel at a time: confirming
 * WhatsApp ends texts (source `switched-to-whatsapp`) and the other way round, tracks kept.
 */
async function confirmText(ctx: Ctx, personId: string, now: Date): Promise<string> {
  const { channel } = ctx;
  const other = channel === 'sms' ? 'whatsapp' : 'sms';
  let invitedBy: string | undefined;
  let switched = false;
  let confirmed: Person | undefined;
  const changed = await changePerson(ctx, personId, (person) => {
    const had = person.consent[channel];
    if (had?.state === 'confirmed') return undefined;
    // Only while the record is still the organisation's own: once the person has confirmed
    // anything themselves, a YES from the number the organisation typed answers nothing for them.
    if (had?.state === 'pending' && had.source.startsWith('counselor:') && person.broughtBy && ownRecordOf(person, person.broughtBy)) invitedBy = person.broughtBy;
    // A pending consent keeps the words they agreed to on the form: YES confirms exactly those.
    const keywordText = channel === 'sms' ? SMS_KEYWORD_OPT_IN_TEXT : wa.WHATSAPP_KEYWORD_OPT_IN_TEXT;
    const confirmedConsent: Consent = { state: 'confirmed', source: `${channel}-keyword`, at: now.toISOString(), text: had?.state === 'pending' ? had.text : keywordText };
    const was = person.consent[other];
    switched = was?.state === 'confirmed';
    const ended: Consent | undefined = switched ? { ...was!, state: 'revoked', source: `switched-to-${channel}`, at: now.toISOString() } : undefined;
    return (confirmed = { ...person, consent: { ...person.consent, [channel]: confirmedConsent, ...(ended && { [other]: ended }) } });
  });
  if (!changed) return channel === 'sms' ? say.alreadyOptedInReply : wa.whatsappAlreadyOptedInReply;
  if (confirmed && ctx.followed) await countPersonDetails({ engagement: ctx.engagement!, log: ctx.log }, confirmed, now);
  if (switched) await ctx.store.cancelPendingMessages(personId, `switched-to-${channel}`, now, other);
  // The invitation named the organisation that brought them: YES is their yes to it too.
  if (invitedBy && ctx.memberships) {
    await answerMemberships({ store: ctx.store, clock: ctx.clock, log: ctx.log, library: ctx.library, counselors: ctx.memberships, ...(ctx.engagement && { engagement: ctx.engagement }) }, personId, { orgId: invitedBy }, 'accepted', `${channel}-keyword`);
  }
  await replanPerson(ctx, personId);
  ctx.log.info(`${channel} consent confirmed`, { personId, switched });
  if (switched) return channel === 'whatsapp' ? wa.switchedToWhatsAppReply : say.optInReply;
  return channel === 'sms' ? say.optInReply : wa.whatsappOptInReply;
}

/**
 * WHATSAPP or TEXTS: the person moves their coaching to the other phone channel, tracks kept.
 * Texted WHATSAPP: we cannot start WhatsApp for them (it must be their own message there, which
 * also proves the number is on WhatsApp), so the reply says how. TEXTS on WhatsApp: texts are
 * confirmed from their own number's message and WhatsApp ends, unless texts cannot reach their
 * country; where replies to texts cannot reach us, the reply says what that breaks.
 */
async function switchChannel(ctx: Ctx, person: Person, to: TextChannel, now: Date): Promise<string> {
  if (to === ctx.channel) return to === 'sms' && person.consent.sms?.state === 'confirmed' ? wa.alreadyOnTextsReply : confirmText(ctx, person.personId, now);
  if (to === 'whatsapp') return ctx.whatsapp ? wa.howToSwitchToWhatsAppReply(ctx.whatsapp.number) : wa.whatsappUnavailableReply;
  if (ctx.smsCountryCodes && !mayText(ctx.smsCountryCodes, ctx.phone)) return wa.cannotTextReply;
  await changePerson(ctx, person.personId, (current) => {
    const sms: Consent =
      current.consent.sms?.state === 'confirmed'
        ? current.consent.sms
        : { state: 'confirmed', source: 'whatsapp-keyword', at: now.toISOString(), text: wa.SMS_BY_WHATSAPP_KEYWORD_TEXT };
    const had = current.consent.whatsapp;
    const whatsapp: Consent | undefined = had && had.state !== 'revoked' ? { ...had, state: 'revoked', source: 'switched-to-sms', at: now.toISOString() } : had;
    return { ...current, consent: { ...current.consent, sms, ...(whatsapp && { whatsapp }) } };
  });
  await ctx.store.cancelPendingMessages(person.personId, 'switched-to-sms', now, 'whatsapp');
  await replanPerson(ctx, person.personId);
  ctx.log.info('moved from whatsapp to sms', { personId: person.personId });
  const country = oneWaySmsCountry(ctx.phone);
  return country ? wa.switchedToSmsOneWayReply(country) : wa.switchedToSmsReply;
}

/** When a message went out: its sent attempt, else its last change. */
const sentAt = (m: Message) => Date.parse(m.attempts.filter((a) => a.outcome === 'sent').at(-1)?.at ?? m.updatedAt);

/** The last message we sent them on this channel: what DONE, SKIP or a score answers. */
function latestSent(messages: readonly Message[], channel: TextChannel): Message | undefined {
  let latest: Message | undefined;
  for (const m of messages) {
    if (m.channel !== channel || m.status !== 'sent') continue;
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
