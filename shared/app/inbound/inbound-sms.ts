import * as z from 'zod';
import { assessRisk, type RiskAssessment } from '../../domain/crisis';
import { MAX_SMS_BODY, parseInboundSms } from '../../domain/keywords';
import type { Person } from '../../domain/model';
import { crisisReply } from '../../domain/safety-replies';
import { reviewInConversation } from '../../domain/safety-question';
import type { TextChannel } from '../../domain/sequence';
import { isTalkRequest } from '../../domain/talk-keyword';
import { channelAddress } from '../../domain/whatsapp';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import type { EngagementStore } from '../../ports/engagement';
import { DomainError, PersonGone, describeIssues } from '../../domain/errors';
import { loadLibrary } from '../scheduling/library';
import type { MembershipAnswerDeps } from '../organisations/membership-answers';
import type { Library } from '../scheduling/planning';
import { isAwaitingScore, latestSent } from './checkin-answer';
import { countInboundText } from './count-inbound';
import { helpFor } from '../safety/crisis-resources';
import type { InboundCtx, InboundText } from './inbound-context';
import { answerOrdinaryText } from './ordinary-text';
import { answerRisk, type CrisisAlert } from './risk-text';
import { askedRule } from './safety-question';
import { answerTalk, type TalkDeps } from './talk-request';
import { answerUnknownNumber } from './unknown-number';

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
type Input = z.infer<typeof InboundSms>;

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
  onCrisisFlag?: CrisisAlert;
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
  onTalkFlag?: TalkDeps['onTalkFlag'];
}

export interface InboundSmsResult {
  /** Our TwiML replies, in order. Empty for replays, carrier keywords and unknown numbers. */
  replies: string[];
  outcome: 'duplicate' | 'unknown-number' | 'handled';
}

/**
 * One text or WhatsApp message from a person (Twilio's inbound webhook, signature already
 * checked; `from` says which: a WhatsApp message comes from `whatsapp:+E164`). Both channels get
 * the same keywords, the same screening and the same replies, each acting on its own consent; a
 * WhatsApp message also opens the person's 24-hour window (shared/domain/whatsapp.ts).
 * 1. Screens the words for risk (pure, first, so no storage fault can cost a crisis reply).
 * 2. Claims the MessageSid: a replayed webhook stops here, with no reply and no change.
 * 3. Finds the person by number; an unknown number hears only HELP (and crisis resources), or,
 *    for START or JOIN, where to sign up.
 * 4. Risk (risk-text.ts): the crisis reply at once (a reply, so quiet hours do not apply), a
 *    support hold that pauses upbeat coaching until a human lifts it, a safety event, an alert, a
 *    `crisis_flag` log line; of the intent only an opt-out is still honoured.
 *    TALK with nothing risky in it (talk-request.ts): their counselors are asked to reach them.
 * 5. Anything else (ordinary-text.ts): acts on the intent (intents.ts) and answers briefly in our
 *    own words. The middle band (shared/domain/safety-question.ts): we ask plainly whether they are
 *    thinking of harming themselves, with help in the same text, and read their next reply as the
 *    answer (a yes or anything risky is risk); the question is a follow-up flag for their counselor.
 *    Distress: kept in the journal, flagged for follow-up, a warm reply; nothing is paused.
 *    Every safety reply names help where the person lives (shared/app/safety/crisis-resources.ts).
 * 6. Keeps the text in their journal, counts it for their organisations (count-inbound.ts), then
 *    follows up: alerts, and flags raised last.
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

/** Everything after the claim, for a text we have not seen before. */
async function respond(deps: InboundSmsDeps & { log: Logger }, input: Input, seen: { screen: RiskAssessment }, now: Date): Promise<InboundSmsResult> {
  const { store } = deps;
  const { channel, phone } = channelAddress(input.from)!;
  const personId = await store.findPersonIdByPhone(phone);
  const person = personId ? await store.getPerson(personId) : undefined;
  if (!person) {
    const replies = await answerUnknownNumber(deps, { messageSid: input.messageSid, body: input.body, phone, channel, screen: seen.screen, ...(personId && { personId }) }, now);
    return { replies, outcome: 'unknown-number' };
  }
  // Their message opens (or renews) the 24-hour window in which we may answer WhatsApp freely.
  if (channel === 'whatsapp') await store.noteInbound(person.personId, now);

  const ctx = await contextFor(deps, person, channel, phone);
  const text = await readText(ctx, person, input, seen.screen, now);
  seen.screen = text.review.screen;
  const level = text.review.screen.level;
  const answered =
    level === 'risk'
      ? await answerRisk(ctx, text, deps.onCrisisFlag)
      : level === 'none' && ctx.memberships && isTalkRequest(input.body)
        ? await answerTalk({ ...ctx, memberships: ctx.memberships }, text, deps.onTalkFlag)
        : await answerOrdinaryText(ctx, text);
  // Kept, counted, then followed up (alerts, flags raised last), whichever way it was answered.
  if (answered.entry) {
    await store.saveJournalEntry({ personId: person.personId, entryId: input.messageSid, at: now.toISOString(), ...answered.entry, ...(text.safety && { safety: text.safety }) });
  }
  await countInboundText(ctx, person.personId, { ...answered.counted, ...(answered.entry && { entry: answered.entry }), ...(text.latest && { latest: text.latest }) }, now);
  await answered.followUp?.();
  return { replies: answered.replies, outcome: 'handled' };
}

async function contextFor(deps: InboundSmsDeps & { log: Logger }, person: Person, channel: TextChannel, phone: string): Promise<InboundCtx> {
  return {
    store: deps.store,
    clock: deps.clock,
    log: deps.log,
    helpAddress: deps.helpAddress,
    library: deps.library ?? (await loadLibrary(deps.store)),
    channel,
    phone,
    ...(deps.memberships && { memberships: deps.memberships }),
    ...(deps.whatsapp && { whatsapp: deps.whatsapp }),
    ...(deps.smsCountryCodes && { smsCountryCodes: deps.smsCountryCodes }),
    ...(deps.engagement && { engagement: deps.engagement }),
    followed: person.profile.followed === true && deps.engagement !== undefined,
  };
}

/** What a known person's text says: its intent in the light of our last message, and what the screen makes of it. */
async function readText(ctx: InboundCtx, person: Person, input: Input, firstScreen: RiskAssessment, now: Date): Promise<InboundText> {
  const latest = latestSent(await ctx.store.listMessages(person.personId), ctx.channel);
  const awaitingScore = await isAwaitingScore(ctx, person.personId, latest, now);
  const intent = parseInboundSms(input.body, { awaitingScore });
  // The open direct question and a lowest score with words can raise the screen (safety-question.ts).
  const review = reviewInConversation({ screen: firstScreen, person, intent, body: input.body, now });
  const screen = review.screen;
  // The direct question is kept as a follow-up (distress) flag whose rule says it was asked.
  const safety =
    screen.level === 'none' ? undefined : screen.level === 'ask' ? { level: 'distress' as const, rule: askedRule(screen.matched) } : { level: screen.level, rule: screen.matched ?? `${screen.level}:unknown` };
  return {
    ids: { personId: person.personId, messageSid: input.messageSid },
    person,
    intent,
    review,
    ...(safety && { safety }),
    words: input.body.trim().slice(0, MAX_SMS_BODY),
    ...(latest && { latest }),
    help: helpFor({ phone: ctx.phone, zone: person.timeZone }),
    now,
  };
}
