import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { invitationEmail, invitationSms, joinRequestEmail } from '../../domain/invitation-words';
import type { Attempt, DueMessageRef, Message } from '../../domain/model';
import { findStep, renderEmail, renderSms, contextFor, type RenderedEmail } from '../../domain/render';
import { helplineSlot } from '../../domain/safety-replies';
import { helpFor } from '../inbound/crisis-resources';
import { isInQuietHours, outsideQuietHours, type QuietHours } from '../../domain/schedule';
import { CHANNELS, contentChannelOf, isTextChannel, type Channel, type TextChannel } from '../../domain/sequence';
import { marketingBlockedFor, whatsappRefusal, windowOpen, WHATSAPP_REASONS, type ConversationWindow, type WhatsAppReason } from '../../domain/whatsapp';
import { fillTemplate, templateForPurpose, templateForStep, templateVariables, type TemplateVariable, type WhatsAppTemplate, type WhatsAppTemplateTable } from '../../domain/whatsapp-templates';
import { whatsappFallbackEmail } from '../../domain/whatsapp-words';
import { handleWhatsAppRefusal } from '../whatsapp-refusals';
import { wordsFor } from '../../domain/eligibility';
import { slotsIn, smsSegments } from '../../domain/template';
import { TOKEN_LIFETIME_SECONDS, type MembershipRef } from '../../domain/tokens';
import { errorLogFields, PersonGone } from '../../domain/errors';
import { attemptCode, isHold, type HoldCode, type InternalFailureCode, type SendFailureCode, type SkipCode } from '../../domain/outcome-codes';
import { mayText } from '../../domain/public-forms';
import { planSlotsFor } from '../my-plan/plan-words';
import type { Clock, EmailSender, Logger, RateBudget, SendResult, SmsSender, Store, WhatsAppMessage, WhatsAppSender } from '../../ports';
import { silentLogger } from '../../ports';
import { createDueFeed } from '../scheduling/due-feed';
import { seasonDateWarnings } from '../scheduling/season-warnings';
import { loadLibrary } from '../library';
import { createPacer, type ChannelPace, type Pacer } from '../scheduling/pacer';
import { allAnchors, cursorOf, laneOf, planNextMessage, wordingFor, type Library } from '../scheduling/planning';
import { catchUpSlots, lateWording, usesCatchUp } from '../scheduling/catch-up';
import type { EngagementStore } from '../../ports/engagement';
import { countMessageOutcome, countPersonDetails } from '../engagement';
import { checkinTest } from '../checkin-test';
import { announcementEmail, announcementSms, announcementWhatsAppValues } from '../../domain/announcement';
import type { CounselorStore } from '../../ports/counselor';
import { isAcceptedMember } from '../../domain/counselor';

export interface DispatchSettings {
  leaseSeconds: number;
  /**
   * Messages in hand at once, per channel. A paced channel gets at least a quarter of its rate
   * per second (a message spends well under 250 ms in our hands besides waiting for its slot).
   */
  concurrency: number;
  /** Stop claiming new work after this long, leaving time to finish what is in hand. */
  maxDurationMs: number;
  postalAddress: string;
  /** Refs read from a due queue at a time. */
  batchSize?: number;
  maxAttempts?: number;
  /** A message with no deadline that is this late is skipped rather than sent out of context. */
  lateAfterHours?: number;
  /**
   * Signed links for a person's emails (RFC 8058 one-click unsubscribe, the preference centre)
   * and where Twilio reports an SMS's delivery. Without them emails carry no unsubscribe header.
   */
  links?: {
    unsubscribeUrl(personId: string): string;
    preferencesUrl(personId: string): string;
    smsStatusCallbackUrl?(personId: string, messageId: string): string;
    /**
     * A counselor's invitation links to the confirmation (signed as it is sent), naming the
     * membership it accepts; a join request to someone already with us links to the page where
     * they say yes or no to that organisation.
     */
    confirmUrl?(personId: string, membership?: MembershipRef): string;
    joinUrl?(personId: string, membership: MembershipRef): string;
  };
  /**
   * The providers' limits per channel (shared/config.ts). With a RateBudget in the deps, every
   * send waits for a slot of the budget all dispatchers share; without, sends are not paced.
   */
  pacing?: Partial<Record<Channel, ChannelPace>>;
  /**
   * Minutes between two routine texts to one person, as this dispatcher sees them (the tracks of
   * one person can fall due in the same minute; both reach the same tick). The later waits;
   * urgent texts never do. Absent or 0: no spacing.
   */
  textSpacingMinutes?: number;
  /** Calling codes whose numbers may get texts (SMS_COUNTRY_CODES); a text to any other is skipped. Absent: every country. */
  smsCountryCodes?: readonly string[];
  /**
   * WhatsApp: the templates as submitted to Meta (shared/content/whatsapp-templates.json) and the
   * Content SIDs of those Meta approved, by template name (WHATSAPP_TEMPLATES). Without it (or
   * without a WhatsApp sender in the deps) WhatsApp messages are skipped, `whatsapp_not_configured`.
   */
  whatsapp?: { templates: WhatsAppTemplateTable; approved: ReadonlyMap<string, string> };
}

export interface DispatchDeps {
  store: Store;
  email: EmailSender;
  sms: SmsSender;
  /** Sends WhatsApp messages; absent where WhatsApp is not set up. */
  whatsapp?: WhatsAppSender;
  clock: Clock;
  /** Fixed content for tests; otherwise loaded once per tick with the calendar corrections. */
  library?: Library;
  settings: DispatchSettings;
  log?: Logger;
  /** The shared send budget (pacing); absent in tests that do not pace. */
  budget?: RateBudget;
  /**
   * Engagement counts of people an organisation follows (their messages say so): each message
   * that goes, or fails, is counted after its outcome is recorded. Absent: nothing is counted.
   */
  engagement?: EngagementStore;
  /**
   * Memberships, read when an organisation's announcement goes (its person must still be a
   * member who said yes to it). Absent: an organisation's announcement is not sent.
   */
  counselors?: Pick<CounselorStore, 'cohortsOfPerson'>;
  /** Waits; tests on a fake clock pass one that moves the clock. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Real time, for what is shared with other dispatchers: pacing (providers count real seconds)
   * and due-queue leases. A tick run "as if" at another instant (`matchcoach tick --now`) still
   * paces and leases on the real clock, so it never holds a lease beyond real time; tests on a
   * fake clock leave this out and use `clock`.
   */
  paceClock?: Clock;
}

export interface DispatchReport {
  claimed: number;
  sent: number;
  skipped: number;
  failed: number;
  retried: number;
  /** Refs another dispatcher claimed first, or still holds: normal when ticks overlap. */
  lostRaces: number;
  /** Unexpected faults (storage errors); the lease brings those messages back. */
  errors: number;
  emailPaused: boolean;
  /** Provider answers saying we sent too fast (429): each slowed its channel down and was retried. */
  throttled: number;
  /** Send slots taken from the shared budget that nobody was waiting for in time (see PacerStats). */
  slotsExpired: number;
  /** Send slots given up because the worker woke too late to use them safely (an overloaded machine). */
  slotsLate: number;
  /** Routine texts held back because the person had just been texted (counted in `retried`). */
  spaced: number;
  /**
   * What the sends cost, per channel: the segments carriers bill for texts (one emoji can make a
   * text two or three), one per email.
   */
  segments: Record<Channel, number>;
  /** Texts that went in UCS-2 rather than GSM-7 (each costs more segments for its length). */
  ucs2Texts: number;
}

/** What a WhatsApp message may say: its free text, and the template (with its values) for outside the window. */
interface WhatsAppWords {
  text: string;
  template: WhatsAppTemplate | undefined;
  values: Partial<Record<TemplateVariable, string>>;
}

/** What became of one message; every kind but `sent` carries its code (what is decided on) and its reason in words (what is recorded). */
type Outcome =
  | { kind: 'sent'; providerId: string; sms?: SmsCost }
  | { kind: 'skipped'; code: SkipCode; reason: string }
  | { kind: 'failed'; code: SendFailureCode | InternalFailureCode | WhatsAppReason; reason: string }
  | { kind: 'retry'; code: SendFailureCode | HoldCode; reason: string; at: Date };

/** A skip's reason is its code, as stored on skipped messages since before codes existed. */
const skip = (code: SkipCode): Extract<Outcome, { kind: 'skipped' }> => ({ kind: 'skipped', code, reason: code });
/** Held back for later without any provider failing; the reason is the code. */
const hold = (code: 'quiet_hours' | 'email_paused' | 'spacing', at: Date): Extract<Outcome, { kind: 'retry' }> => ({ kind: 'retry', code, reason: code, at });

/** Urgent queues are read again this often while a routine backlog drains. */
const URGENT_RECHECK_MS = 2_000;
/** Bounds each worker's loop; a tick also ends at maxDurationMs. */
const MAX_MESSAGES_PER_WORKER = 1_000_000;
const EMAIL_PAUSE_MS = 15 * 60_000;

/** Exponential backoff from 30 s, capped at 30 min: 30 s, 1 min, 2 min, 4 min ... */
export const backoffSeconds = (attempt: number) => Math.min(30 * 2 ** (attempt - 1), 1800);

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * One dispatcher tick.
 * 1. Drains each channel on its own (a backlog of emails never holds up texts), reading its due
 *    queues urgent first, a page at a time (never who is enrolled).
 * 2. Claims each message with a conditional write and a lease; a lost race is skipped.
 * 3. Plans the lane's next message before sending, so a crash cannot break the chain.
 * 4. Checks the message is still worth sending (deadline, lateness, quiet hours for SMS).
 * 5. Waits for a slot of the shared send budget (urgent messages first), checks the deadline again,
 *    sends, and records the outcome as a value: sent, skipped or failed, or due again later.
 */
export function createDispatcher(deps: DispatchDeps) {
  const log = deps.log ?? silentLogger;
  const s = { batchSize: 100, maxAttempts: 8, lateAfterHours: 12, ...deps.settings };
  const sleep = deps.sleep ?? realSleep;
  // One pacer per channel for the dispatcher's life: slots it holds carry over between ticks.
  const pacers = new Map<Channel, Pacer>();
  /** This dispatcher, as a holder of due-queue leases (kept across its ticks). */
  const holder = randomUUID();
  const spacing = createTextSpacing((s.textSpacingMinutes ?? 0) * 60_000);
  /** Unknown season dates this dispatcher has already warned about: once each, not every minute. */
  const warnedDates = new Set<string>();
  for (const channel of CHANNELS) {
    const pace = s.pacing?.[channel];
    if (deps.budget && pace) pacers.set(channel, createPacer(channel, pace, { budget: deps.budget, clock: deps.paceClock ?? deps.clock, sleep }));
  }

  return async function dispatchDueMessages(): Promise<DispatchReport> {
    const report: DispatchReport = {
      claimed: 0, sent: 0, skipped: 0, failed: 0, retried: 0, lostRaces: 0, errors: 0, emailPaused: false, throttled: 0, slotsExpired: 0, slotsLate: 0, spaced: 0,
      segments: { email: 0, sms: 0, whatsapp: 0 }, ucs2Texts: 0,
    };
    const before = wastedSlots();
    const startedAt = performance.now();
    const timeUp = () => performance.now() - startedAt >= s.maxDurationMs;
    const library = deps.library ?? (await loadLibrary(deps.store));
    warnAboutUnknownDates(library);
    await Promise.all(CHANNELS.map((channel) => drainChannel(channel, { report, library, timeUp })));
    const after = wastedSlots();
    report.slotsExpired = after.expired - before.expired;
    report.slotsLate = after.late - before.late;
    return report;
  };

  /**
   * A season date nobody has announced is planned against an estimate: the operator hears of it in
   * this dispatcher's log, on its first tick (start-up) and again if another date becomes unknown.
   */
  function warnAboutUnknownDates(library: Library): void {
    for (const warning of seasonDateWarnings(library.calendar, deps.clock.now())) {
      const key = `${warning.season}/${warning.event}/${warning.plannedAt}`;
      if (warnedDates.has(key)) continue;
      warnedDates.add(key);
      log.warn('season date unknown: planned against an estimate', { season: warning.season, event: warning.event, plannedAt: warning.plannedAt, detail: warning.message });
    }
  }

  function wastedSlots(): { expired: number; late: number } {
    const wasted = { expired: 0, late: 0 };
    for (const pacer of pacers.values()) {
      const { expired, late } = pacer.stats();
      wasted.expired += expired;
      wasted.late += late;
    }
    return wasted;
  }

  interface Tick {
    report: DispatchReport;
    library: Library;
    timeUp(): boolean;
    /** SES itself refused (quota, paused account): emails holding a send slot must not go either. */
    providerPausedEmail?: boolean;
  }

  /** A few workers per channel pull refs from a small local queue that one reader keeps filled. */
  async function drainChannel(channel: Channel, tick: Tick): Promise<void> {
    const pace = pacers.has(channel) ? s.pacing?.[channel] : undefined;
    const workers = Math.max(1, s.concurrency, pace ? Math.ceil(pace.perSecond / 4) : 0);
    // About one ref per worker in hand: refs read but not yet claimed are what a concurrent
    // dispatcher reading the same queue collides on (each collision is a failed claim, billed).
    const pageSize = Math.min(s.batchSize, Math.max(10, workers));
    const feed = createDueFeed(deps.store, channel, deps.clock, {
      pageSize,
      urgentRecheckMs: URGENT_RECHECK_MS,
      holder,
      ...(deps.paceClock && { leaseClock: deps.paceClock }),
    });
    const urgentRefs: DueMessageRef[] = [];
    const routineRefs: DueMessageRef[] = [];
    const inHand = () => urgentRefs.length + routineRefs.length;
    let exhausted = false;
    let reading: Promise<void> | undefined;
    const stopped = () => tick.timeUp() || (channel === 'email' && tick.report.emailPaused);

    const read = () =>
      (reading ??= (async () => {
        try {
          const page = await feed.next();
          if (page.refs.length === 0) exhausted = true;
          (page.urgent ? urgentRefs : routineRefs).push(...page.refs);
        } catch (error) {
          // Without the index there is nothing to do this tick; the next tick reads it again.
          exhausted = true;
          tick.report.errors++;
          log.error('reading the due index failed', { channel, ...errorLogFields(error) });
        } finally {
          reading = undefined;
        }
      })());

    const nextRef = async (): Promise<{ ref: DueMessageRef; urgent: boolean } | undefined> => {
      for (let tries = 0; tries < 1_000 && !stopped(); tries++) {
        const urgent = urgentRefs.length > 0;
        const ref = urgentRefs.shift() ?? routineRefs.shift();
        if (ref) {
          // Read ahead so workers never wait on the index while the budget has room.
          if (!exhausted && inHand() < workers) void read();
          return { ref, urgent };
        }
        if (exhausted) return undefined;
        await read();
      }
      return undefined;
    };

    const worker = async () => {
      for (let n = 0; n < MAX_MESSAGES_PER_WORKER; n++) {
        const next = await nextRef();
        if (!next) return;
        try {
          await dispatchOne(next.ref, next.urgent, tick);
        } catch (error) {
          tick.report.errors++;
          log.error('dispatch fault; the lease will bring the message back', {
            messageId: next.ref.messageId,
            ...errorLogFields(error),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    await feed.release().catch((error: unknown) => {
      // A lease not given back ends by itself within seconds (real time); nothing is lost.
      log.warn('due queue leases not released', { channel, ...errorLogFields(error) });
    });
  }

  async function dispatchOne(ref: DueMessageRef, urgent: boolean, tick: Tick): Promise<void> {
    const { report, library } = tick;
    const now = deps.clock.now();
    const token = randomUUID();
    const message = await deps.store.claimMessage(ref, { token, now, until: new Date(now.getTime() + s.leaseSeconds * 1000) });
    if (!message) {
      report.lostRaces++;
      return;
    }
    report.claimed++;
    // An invitation, an announcement, or a second try of a message WhatsApp refused is no step of a lane: nothing is planned after it.
    if (!message.invitation && !message.announcement && !message.fallback) {
      try {
        await planNextMessage({ store: deps.store, library }, laneOf(message), cursorOf(message), now);
      } catch (error) {
        if (!(error instanceof PersonGone)) throw error;
        // They asked us to delete everything just now: this message goes nowhere (erasure takes it).
        report.skipped++;
        log.info('person erased while their message was due: not sent', { messageId: message.messageId });
        return;
      }
    }

    const outcome = await deliver(message, now, urgent || message.urgent === true, tick);
    // When it happened: after any wait for a send slot, so the record says when it really went.
    const recordedAt = deps.clock.now();
    const attempt: Attempt = {
      at: recordedAt.toISOString(),
      outcome: outcome.kind,
      code: outcome.kind === 'sent' ? 'sent' : outcome.code,
      detail: outcome.kind === 'sent' ? 'sent' : outcome.reason,
      ...(outcome.kind === 'sent' && outcome.sms && { segments: outcome.sms.segments, encoding: outcome.sms.encoding }),
    };
    const ids = { personId: message.personId, messageId: message.messageId };
    let recorded: boolean;
    if (outcome.kind === 'retry') {
      recorded = await deps.store.releaseForRetry(ids, token, outcome.at, attempt);
      report.retried++;
    } else if (outcome.kind === 'sent') {
      recorded = await deps.store.finishMessage(ids, token, { status: 'sent', attempt, providerId: outcome.providerId });
      report.sent++;
      report.segments[message.channel] += outcome.sms?.segments ?? 1;
      if (outcome.sms?.encoding === 'UCS-2') report.ucs2Texts++;
    } else {
      const status = outcome.kind === 'skipped' ? 'skipped' : 'failed';
      recorded = await deps.store.finishMessage(ids, token, { status, attempt, reason: outcome.reason });
      report[status]++;
    }
    if (!recorded) {
      // Only possible if this send outlived its lease: the message may go out once more.
      log.warn('lease ended before the outcome was recorded', { messageId: message.messageId, outcome: outcome.kind });
    } else if (deps.engagement && (outcome.kind === 'sent' || outcome.kind === 'failed')) {
      // After the outcome is kept, never before: a count is never the reason a message goes twice.
      await countMessageOutcome({ engagement: deps.engagement, log }, message, outcome.kind, recordedAt, checkinTest(library)(message));
    }
    log.info('dispatched', {
      messageId: message.messageId,
      channel: message.channel,
      outcome: outcome.kind,
      code: attempt.code,
      detail: attempt.detail,
      ...(attempt.segments !== undefined && { segments: attempt.segments, encoding: attempt.encoding }),
    });
  }

  async function deliver(message: Message, now: Date, urgent: boolean, tick: Tick): Promise<Outcome> {
    if (message.invitation) return deliverInvitation(message, message.invitation, now, urgent, tick);
    if (message.announcement) return deliverAnnouncement(message, message.announcement, now, urgent, tick);
    const { library } = tick;
    const sequence = library.sequences.get(message.sequenceId);
    const step = sequence && findStep(sequence, message.stepId);
    if (!step) return skip('step_removed');
    const deadline = message.deadlineAt ? new Date(message.deadlineAt) : undefined;
    if (deadline && now >= deadline) return skip('past_deadline');
    if (!deadline && now.getTime() - expectedAt(message).getTime() > s.lateAfterHours * 3_600_000) {
      return skip('too_late');
    }
    const wording = wordingFor(library, message.profile);
    // Worded from the real time, not the planned one: "in 3 days" must be true when it arrives.
    const ctx = { ...contextFor(message, allAnchors(message, library.calendar)), sendAt: now, ...(wording.specialty ? { specialty: wording.specialty } : {}) };
    // Help where this person lives, for a safety step's {{helpline}}: their number when texting, else their zone.
    ctx.helpline = helplineSlot(helpFor({ ...(isTextChannel(message.channel) && { phone: message.to }), zone: message.zone }));
    let words;
    try {
      words = wordsFor(step, message.profile, new Date(message.sendAt), message.zone, library.pools, wording.uncertainDates);
    } catch (error) {
      return { kind: 'failed', code: 'content_error', reason: `content: ${(error as Error).message}` };
    }
    const late = lateWording(words, message, now);
    if (late) return skip(late);
    if (usesCatchUp(words, message.channel)) ctx.catchUp = catchUpSlots(library, message, now);
    if (step.withPlan) {
      // The person's own goals, read now (they change all week), never frozen at planning.
      const planWords = step.withPlan[contentChannelOf(message.channel)];
      const slots = await planSlotsFor(deps.store, message, now);
      const needed = planWords ? slotsIn(planWords.text).filter((s) => s === 'weekGoals' || s === 'weekSummary') : [];
      if (planWords && needed.every((s) => slots[s as keyof typeof slots] !== undefined)) {
        words = { ...words, [contentChannelOf(message.channel)]: planWords };
        Object.assign(ctx, slots);
      } else if (step.withPlan.only) return skip('nothing_from_plan');
    }

    if (message.fallback && message.channel === 'email') {
      // A WhatsApp message WhatsApp refused: its text words, by email, rendered like any coaching email.
      if (!words.sms) return skip('step_has_no_text');
      const preferencesUrl = s.links?.preferencesUrl(message.personId);
      words = { email: whatsappFallbackEmail({ text: words.sms.text, reason: message.fallback.reason, ...(preferencesUrl && { preferencesUrl }) }) };
    }

    if (isTextChannel(message.channel)) {
      if (message.channel === 'sms' && !textable(message.to)) return skip('country_not_textable');
      const quiet = quietHoursHold(message, now, deadline);
      if (quiet) return quiet;
      let body: string;
      try {
        body = renderSms(words, ctx);
      } catch (error) {
        return { kind: 'failed', code: 'render_error', reason: `render: ${(error as Error).message}` };
      }
      if (message.channel === 'sms') return sendSms(message, body, urgent, tick, deadline);
      const template = s.whatsapp && templateForStep(s.whatsapp.templates, step);
      return sendWhatsApp(message, { text: body, template, values: { text: body, ...(message.firstName && { firstName: message.firstName }) } }, urgent, tick, deadline);
    }

    if (tick.report.emailPaused) return hold('email_paused', new Date(now.getTime() + EMAIL_PAUSE_MS));
    let rendered;
    try {
      const preferencesUrl = s.links?.preferencesUrl(message.personId);
      rendered = renderEmail(words, ctx, { postalAddress: s.postalAddress, ...(preferencesUrl ? { preferencesUrl } : {}) });
    } catch (error) {
      return { kind: 'failed', code: 'render_error', reason: `render: ${(error as Error).message}` };
    }
    // docs/rules.md: every coaching email carries RFC 8058 one-click unsubscribe.
    const headers = s.links
      ? { 'List-Unsubscribe': `<${s.links.unsubscribeUrl(message.personId)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      : undefined;
    return sendEmail(message, rendered, headers, urgent, tick, deadline);
  }

  /**
   * A counselor's invitation: the invitation's own words, and the same pacing, quiet hours,
   * retries and deadline as coaching. The email is transactional like the sign-up confirmation
   * (no unsubscribe header: nothing else comes unless they accept).
   */
  /** Texts go only to the countries configuration allows (a form refuses the others; this catches any other way in). */
  function textable(phone: string): boolean {
    return s.smsCountryCodes === undefined || mayText(s.smsCountryCodes, phone);
  }

  async function deliverInvitation(message: Message, invitation: NonNullable<Message['invitation']>, now: Date, urgent: boolean, tick: Tick): Promise<Outcome> {
    const { orgName } = invitation;
    const deadline = message.deadlineAt ? new Date(message.deadlineAt) : undefined;
    if (deadline && now >= deadline) return skip('past_deadline');
    // Read now, not when it was queued: they may have said yes (or no) by themselves since, or
    // changed the address. One read per invitation; coaching messages never read the person.
    const person = await deps.store.getPerson(message.personId);
    const consent = person?.consent[message.channel];
    const address = message.channel === 'email' ? person?.email : person?.phone;
    const membership = invitation.orgId && invitation.cohortId ? { orgId: invitation.orgId, cohortId: invitation.cohortId } : undefined;
    if (invitation.join) {
      // Only ever to an address its owner confirmed, never to one a counselor typed.
      if (message.channel !== 'email' || consent?.state !== 'confirmed' || address !== message.to || !membership) return skip('invitation_not_needed');
      if (tick.report.emailPaused) return hold('email_paused', new Date(now.getTime() + EMAIL_PAUSE_MS));
      const joinUrl = s.links?.joinUrl?.(message.personId, membership);
      if (!joinUrl) return { kind: 'failed', code: 'link_not_configured', reason: 'no join link configured' };
      const words = joinRequestEmail({ orgName, joinUrl, postalAddress: s.postalAddress, validDays: Math.round(TOKEN_LIFETIME_SECONDS.join / 86_400), ...(message.firstName ? { firstName: message.firstName } : {}) });
      return sendEmail(message, words, undefined, urgent, tick, deadline);
    }
    if (consent?.state !== 'pending' || !consent.source.startsWith('counselor:') || address !== message.to) {
      return skip('invitation_not_needed');
    }
    if (message.channel === 'sms') {
      if (!textable(message.to)) return skip('country_not_textable');
      const quiet = quietHoursHold(message, now, deadline);
      if (quiet) return quiet;
      return sendSms(message, invitationSms(orgName), urgent, tick, deadline);
    }
    if (message.channel === 'whatsapp') {
      const quiet = quietHoursHold(message, now, deadline);
      if (quiet) return quiet;
      // The approved words (a template naming the organisation), as free text too if the window is open.
      const template = s.whatsapp && templateForPurpose(s.whatsapp.templates, 'invitation');
      if (!template) return skip(WHATSAPP_REASONS.noTemplate);
      let text: string;
      try {
        text = fillTemplate(template.text, templateVariables(template, { orgName }));
      } catch (error) {
        return { kind: 'failed', code: 'render_error', reason: `render: ${(error as Error).message}` };
      }
      return sendWhatsApp(message, { text, template, values: { orgName } }, urgent, tick, deadline);
    }
    if (tick.report.emailPaused) return hold('email_paused', new Date(now.getTime() + EMAIL_PAUSE_MS));
    const confirmUrl = s.links?.confirmUrl?.(message.personId, membership);
    if (!confirmUrl) return { kind: 'failed', code: 'link_not_configured', reason: 'no confirmation link configured' };
    const words = invitationEmail({
      orgName,
      confirmUrl,
      postalAddress: s.postalAddress,
      validDays: Math.round(TOKEN_LIFETIME_SECONDS['confirm-email'] / 86_400),
      ...(message.firstName ? { firstName: message.firstName } : {}),
    });
    return sendEmail(message, words, undefined, urgent, tick, deadline);
  }

  /**
   * An announcement: checked again as it goes (they may have turned the channel off, changed the
   * address, paused, or left the organisation since it was queued), then paced and held for quiet
   * hours like any message; an email carries the one-click unsubscribe like coaching emails.
   */
  async function deliverAnnouncement(message: Message, announcement: NonNullable<Message['announcement']>, now: Date, urgent: boolean, tick: Tick): Promise<Outcome> {
    const deadline = message.deadlineAt ? new Date(message.deadlineAt) : undefined;
    if (deadline && now >= deadline) return skip('past_deadline');
    const person = await deps.store.getPerson(message.personId);
    if (!person) return skip('not_consented');
    const consent = person.consent[message.channel];
    const address = message.channel === 'email' ? person.email : person.phone;
    if (consent?.state !== 'confirmed' || address !== message.to) return skip('not_consented');
    if (person.profile.pausedUntil && Date.parse(person.profile.pausedUntil) > now.getTime()) return skip('paused');
    if (announcement.orgId) {
      const memberships = deps.counselors ? await deps.counselors.cohortsOfPerson(message.personId) : [];
      if (!memberships.some((m) => m.orgId === announcement.orgId && isAcceptedMember(m))) return skip('not_a_member');
    }
    const sender = { orgName: announcement.orgName };
    if (message.channel === 'sms') {
      if (!textable(message.to)) return skip('country_not_textable');
      const quiet = quietHoursHold(message, now, deadline);
      if (quiet) return quiet;
      return sendSms(message, announcementSms(sender, announcement.text), urgent, tick, deadline);
    }
    if (message.channel === 'whatsapp') {
      const quiet = quietHoursHold(message, now, deadline);
      if (quiet) return quiet;
      // The approved announcement template outside the window; inside it, the same words as free text.
      const template = s.whatsapp && templateForPurpose(s.whatsapp.templates, 'announcement');
      if (!template) return skip(WHATSAPP_REASONS.noTemplate);
      const values = announcementWhatsAppValues(sender, announcement.text);
      let text: string;
      try {
        text = fillTemplate(template.text, templateVariables(template, values));
      } catch (error) {
        return { kind: 'failed', code: 'render_error', reason: `render: ${(error as Error).message}` };
      }
      return sendWhatsApp(message, { text, template, values }, urgent, tick, deadline);
    }
    if (tick.report.emailPaused) return hold('email_paused', new Date(now.getTime() + EMAIL_PAUSE_MS));
    const preferencesUrl = s.links?.preferencesUrl(message.personId);
    const words = announcementEmail(sender, announcement, { postalAddress: s.postalAddress, ...(preferencesUrl && { preferencesUrl }) });
    // docs/rules.md: a non-transactional email carries RFC 8058 one-click unsubscribe.
    const headers = s.links ? { 'List-Unsubscribe': `<${s.links.unsubscribeUrl(message.personId)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : undefined;
    return sendEmail(message, words, headers, urgent, tick, deadline);
  }

  /** One text, once its slot of the shared budget comes (quiet hours checked again after the wait). */
  async function sendSms(message: Message, body: string, urgent: boolean, tick: Tick, deadline: Date | undefined): Promise<Outcome> {
    const outcome = await sendText(message, 'sms', urgent, tick, deadline, async (sentAt, extras) => {
      const result = await deps.sms.send({ to: message.to, body, messageId: message.messageId, ...extras });
      if (result.status === 'failed' && result.code === 'opted_out') await honourSmsOptOut(message, sentAt);
      return result;
    });
    if (outcome.kind !== 'sent') return outcome;
    // What carriers bill for it, recorded with the attempt and counted in the tick's report.
    const { segments, encoding } = smsSegments(body);
    return { ...outcome, sms: { segments, encoding } };
  }

  /**
   * One WhatsApp message (docs/rules.md, WhatsApp): free text while the person's 24-hour window is
   * open, else the step's approved template. A step with no template, a template Meta has not
   * approved, or a marketing template to a +1 number is skipped with its reason, never sent as
   * free text outside the window. The window is read once, before the wait for a send slot, and
   * checked again against the time it really goes.
   */
  async function sendWhatsApp(message: Message, words: WhatsAppWords, urgent: boolean, tick: Tick, deadline: Date | undefined): Promise<Outcome> {
    const whatsapp = deps.whatsapp;
    if (!whatsapp || !s.whatsapp) return skip(WHATSAPP_REASONS.notConfigured);
    const window = await deps.store.getWindow(message.personId);
    const planned = whatsappContent(message, words, window, deps.clock.now());
    if (!('content' in planned)) return planned;
    return sendText(message, 'whatsapp', urgent, tick, deadline, async (sentAt, extras) => {
      // The wait for a slot may have run past the window's end: then it goes as the template.
      const chosen = planned.content.kind === 'text' && !windowOpen(window, sentAt) ? whatsappContent(message, words, window, sentAt) : planned;
      if (!('content' in chosen)) return chosen;
      const result = await whatsapp.send({ to: message.to, messageId: message.messageId, content: chosen.content, ...extras });
      const errorCode = result.status === 'failed' && !result.retryable ? result.whatsappErrorCode : undefined;
      const refusal = whatsappRefusal(errorCode);
      if (!refusal) return result;
      // WhatsApp said no on the create itself: the same handling as when it says so on the callback.
      await handleWhatsAppRefusal({ store: deps.store, clock: deps.clock, log, library: tick.library }, { personId: message.personId, messageId: message.messageId, errorCode });
      return { kind: 'failed', code: refusal.reason, reason: refusal.reason };
    });
  }

  /** What a WhatsApp message carries at `at`: free text inside the window, the approved template outside it. */
  function whatsappContent(message: Message, words: WhatsAppWords, window: ConversationWindow | undefined, at: Date): { content: WhatsAppMessage['content'] } | Extract<Outcome, { kind: 'skipped' | 'failed' }> {
    if (windowOpen(window, at)) return { content: { kind: 'text', body: words.text } };
    const template = words.template;
    if (!template) return skip(WHATSAPP_REASONS.noTemplate);
    const contentSid = s.whatsapp?.approved.get(template.name);
    if (!contentSid) return skip(WHATSAPP_REASONS.templateNotApproved);
    if (template.category === 'marketing' && marketingBlockedFor(message.to)) return skip(WHATSAPP_REASONS.marketingToUs);
    try {
      return { content: { kind: 'template', contentSid, variables: templateVariables(template, words.values) } };
    } catch (error) {
      return { kind: 'failed', code: 'render_error', reason: `render: ${(error as Error).message}` };
    }
  }

  /**
   * A message to a phone (SMS or WhatsApp), once its channel's slot of the shared budget comes:
   * spaced from the person's previous text, quiet hours checked again after the wait. `send`
   * makes the provider call, or says why the message did not go after all.
   */
  async function sendText(
    message: Message,
    channel: TextChannel,
    urgent: boolean,
    tick: Tick,
    deadline: Date | undefined,
    send: (sentAt: Date, extras: { validityPeriodSeconds?: number; statusCallbackUrl?: string }) => Promise<SendResult | Extract<Outcome, { kind: 'skipped' | 'failed' }>>,
  ): Promise<Outcome> {
    const now = deps.clock.now();
    const wait = urgent ? undefined : spacing.heldUntil(message.personId, message.messageId, now);
    if (wait) {
      // Held back only if it can still go before its deadline, quiet hours counted; else it goes now.
      const release = firstTimeOutsideQuietHours(message, wait);
      if (!(deadline && release >= deadline)) {
        tick.report.spaced++;
        return hold('spacing', release);
      }
    }
    // Counted as this person's latest text while it is on its way; given back unless it went.
    spacing.record(message.personId, message.messageId, now);
    let outcome: Outcome | undefined;
    try {
      outcome = await sendTextNow(message, channel, urgent, tick, deadline, send);
      return outcome;
    } finally {
      if (outcome?.kind !== 'sent') spacing.release(message.personId, message.messageId);
    }
  }

  async function sendTextNow(
    message: Message,
    channel: TextChannel,
    urgent: boolean,
    tick: Tick,
    deadline: Date | undefined,
    send: Parameters<typeof sendText>[5],
  ): Promise<Outcome> {
    const { report } = tick;
    const slot = await waitForSlot(channel, urgent, report, deadline);
    if (slot.kind !== 'go') return slot.outcome;
    const sentAt = deps.clock.now();
    // The slot may have moved us past 21:00 local; quiet hours hold whatever the budget says.
    const lateQuiet = quietHoursHold(message, sentAt, deadline);
    if (lateQuiet) return lateQuiet;
    const validity = deadline ? Math.min(36_000, Math.floor((deadline.getTime() - sentAt.getTime()) / 1000)) : undefined;
    const statusCallbackUrl = s.links?.smsStatusCallbackUrl?.(message.personId, message.messageId);
    const result = await send(sentAt, { ...(validity ? { validityPeriodSeconds: validity } : {}), ...(statusCallbackUrl ? { statusCallbackUrl } : {}) });
    if ('kind' in result) return result;
    noteThrottling(channel, result, report);
    return outcomeOf(result, message, deps.clock.now());
  }

  /** One email, once its slot of the shared budget comes; SES's own quota answer pauses email. */
  async function sendEmail(
    message: Message,
    rendered: RenderedEmail,
    headers: Record<string, string> | undefined,
    urgent: boolean,
    tick: Tick,
    deadline: Date | undefined,
  ): Promise<Outcome> {
    const { report } = tick;
    const slot = await waitForSlot('email', urgent, report, deadline);
    if (slot.kind !== 'go') return slot.outcome;
    // A slot is within our own daily budget, but not within SES's if SES has just said no.
    if (tick.providerPausedEmail) return hold('email_paused', new Date(deps.clock.now().getTime() + EMAIL_PAUSE_MS));
    const result = await deps.email.send({ to: message.to, ...rendered, messageId: message.messageId, ...(headers ? { headers } : {}) });
    const answeredAt = deps.clock.now();
    if (result.status === 'failed' && result.retryable && (result.code === 'quota_exceeded' || result.code === 'sending_paused')) {
      tick.providerPausedEmail = true;
      pauseEmail(report, result.reason);
      return { kind: 'retry', code: result.code, reason: result.reason, at: new Date(answeredAt.getTime() + EMAIL_PAUSE_MS) };
    }
    noteThrottling('email', result, report);
    return outcomeOf(result, message, answeredAt);
  }

  /** SMS in the person's quiet hours waits for their morning, unless the morning is too late. */
  function quietHoursHold(message: Message, at: Date, deadline: Date | undefined): Outcome | undefined {
    const morning = firstTimeOutsideQuietHours(message, at);
    if (morning === at) return undefined;
    if (deadline && morning >= deadline) return skip('past_deadline');
    return hold('quiet_hours', morning);
  }

  /**
   * Waits for this channel's next send slot (urgent messages first). A message whose deadline
   * passed while it waited is skipped, not sent late; a spent daily quota pauses email.
   */
  async function waitForSlot(
    channel: Channel,
    urgent: boolean,
    report: DispatchReport,
    deadline: Date | undefined,
  ): Promise<{ kind: 'go' } | { kind: 'hold'; outcome: Outcome }> {
    const pacer = pacers.get(channel);
    if (!pacer) return { kind: 'go' };
    const answer = await pacer.waitForSlot(urgent);
    const at = deps.clock.now();
    if (answer.kind === 'daily-quota') {
      pauseEmail(report, 'quota: daily quota reached (Match Coach budget)');
      return { kind: 'hold', outcome: { kind: 'retry', code: 'quota_exceeded', reason: 'quota: daily quota reached', at: new Date(at.getTime() + EMAIL_PAUSE_MS) } };
    }
    if (deadline && at >= deadline) return { kind: 'hold', outcome: skip('past_deadline') };
    return { kind: 'go' };
  }

  function pauseEmail(report: DispatchReport, reason: string): void {
    if (report.emailPaused) return;
    // docs/rules.md: a daily quota pauses email sending and raises an alarm (metric filter on this log).
    report.emailPaused = true;
    log.error('email sending paused by the provider', { reason, alarm: 'EmailSendingPaused' });
  }

  /** A 429 slows the whole channel down for this dispatcher; the message itself is retried. */
  function noteThrottling(channel: Channel, result: SendResult, report: DispatchReport): void {
    if (result.status !== 'failed' || !result.retryable || result.code !== 'throttled') return;
    report.throttled++;
    pacers.get(channel)?.slowDown((result.retryAfterSeconds ?? 0) * 1000);
    log.warn('provider asked us to send more slowly', { channel });
  }

  function outcomeOf(result: SendResult, message: Message, now: Date): Outcome {
    if (result.status === 'sent') return { kind: 'sent', providerId: result.providerId };
    if (!result.retryable) return { kind: 'failed', code: result.code, reason: result.reason };
    return retryDecision(result, message.attempts, s.maxAttempts, now);
  }

  /** Twilio 21610: the number replied STOP at the carrier level; we stop too, on every lane. */
  async function honourSmsOptOut(message: Message, now: Date): Promise<void> {
    const person = await deps.store.getPerson(message.personId);
    if (person?.consent.sms && person.consent.sms.state !== 'revoked') {
      await deps.store
        .savePerson({
          ...person,
          consent: { ...person.consent, sms: { ...person.consent.sms, state: 'revoked', source: 'carrier-opt-out', at: now.toISOString() } },
        })
        .then(() => countPersonDetails({ ...(deps.engagement && { engagement: deps.engagement }), log }, { ...person, consent: { ...person.consent, sms: { ...person.consent.sms!, state: 'revoked' } } }, now))
        .catch((error: unknown) => {
          // Erased meanwhile: there is no consent left to revoke.
          if (!(error instanceof PersonGone)) throw error;
        });
    }
    await deps.store.cancelPendingMessages(message.personId, 'opted_out', now, 'sms');
  }
}

/** What a text cost, as carriers count it (shared/domain/template.ts smsSegments). */
interface SmsCost {
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
}


/** At most this many people are remembered; beyond it the longest ago are forgotten first. */
const SPACING_MEMORY = 50_000;

/**
 * When each person was last texted by this dispatcher, kept for its life (across ticks, as long as
 * the Lambda container lives). Best effort by design: it costs no read or write per message, and
 * the case it is for, two tracks due the same minute, reaches one tick.
 */
function createTextSpacing(spacingMs: number) {
  type Entry = { at: number; messageId: string; before?: Entry };
  // Insertion order is (nearly) time order, an entry being deleted before it is set again: the
  // longest ago come first, which is where forgetting starts.
  const lastText = new Map<string, Entry>();
  return {
    /** For a text too soon after another one to this person, when it may go; undefined if now. */
    heldUntil(personId: string, messageId: string, now: Date): Date | undefined {
      const last = spacingMs > 0 ? lastText.get(personId) : undefined;
      // The same message again (a retry after a 429) is never held back by itself.
      if (!last || last.messageId === messageId || now.getTime() - last.at >= spacingMs) return undefined;
      return new Date(last.at + spacingMs);
    },
    record(personId: string, messageId: string, now: Date): void {
      if (spacingMs <= 0) return;
      const before = lastText.get(personId);
      lastText.delete(personId);
      lastText.set(personId, { at: now.getTime(), messageId, ...(before && before.messageId !== messageId && { before: { at: before.at, messageId: before.messageId } }) });
      for (const [id, entry] of lastText) {
        if (lastText.size <= SPACING_MEMORY && now.getTime() - entry.at < spacingMs) break;
        lastText.delete(id);
      }
    },
    /** The text did not go (held, failed, to be retried): the person's last text is the one before. */
    release(personId: string, messageId: string): void {
      const entry = lastText.get(personId);
      if (entry?.messageId !== messageId) return;
      lastText.delete(personId);
      if (entry.before) lastText.set(personId, entry.before);
    },
  };
}

/**
 * A retryable provider failure: tried again after a backoff, or given up after `maxAttempts`
 * provider failures. Decided on the attempts' codes (old attempts without one: outcome-codes.ts).
 * Holds (quiet hours, a paused email account, the spacing between texts) are no failed attempt;
 * throttling is never a reason to give up (docs/rules.md: retried, never dropped), though it
 * still backs off.
 */
export function retryDecision(
  result: Extract<SendResult, { status: 'failed'; retryable: true }>,
  attempts: readonly Attempt[],
  maxAttempts: number,
  now: Date,
): Extract<Outcome, { kind: 'failed' | 'retry' }> {
  const earlier = attempts.filter((a) => a.outcome === 'retry' && !isHold(attemptCode(a)));
  const failures = earlier.filter((a) => attemptCode(a) !== 'throttled').length + (result.code === 'throttled' ? 0 : 1);
  if (failures >= maxAttempts) return { kind: 'failed', code: result.code, reason: `gave_up: ${result.reason}` };
  const wait = Math.max(result.retryAfterSeconds ?? 0, backoffSeconds(earlier.length + 1));
  return { kind: 'retry', code: result.code, reason: result.reason, at: new Date(now.getTime() + wait * 1000) };
}

/** `at` itself when a text may go then; otherwise the end of the person's quiet hours. */
function firstTimeOutsideQuietHours(message: Message, at: Date): Date {
  const quiet = message.quietHours as QuietHours | undefined;
  if (!isInQuietHours(at, message.zone, quiet)) return at;
  return outsideQuietHours(DateTime.fromJSDate(at, { zone: message.zone }), quiet).toJSDate();
}

/**
 * When the person expects the message: its planned time, or the morning it was held for when
 * quiet hours deferred it (a nudge held overnight is on time the next morning, not 14 hours late).
 */
function expectedAt(message: Message): Date {
  const held = message.attempts.filter((a) => attemptCode(a) === 'quiet_hours').at(-1);
  if (!held) return new Date(message.sendAt);
  const quiet = message.quietHours as QuietHours | undefined;
  return outsideQuietHours(DateTime.fromISO(held.at, { zone: message.zone }), quiet).toJSDate();
}
