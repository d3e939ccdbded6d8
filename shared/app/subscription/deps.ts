import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import * as z from 'zod';
import { currentSeason } from '../../domain/calendar';
import { audienceAllows } from '../../domain/eligibility';
import { Email, Profile, nextEnrollmentId, type Consent, type Person } from '../../domain/model';
import { DEFAULT_QUIET_HOURS, IanaZone } from '../../domain/schedule';
import { ApplicantType, LocalTime, MILESTONES, Outcome, VisaTrack, type Channel } from '../../domain/sequence';
import {
  EMAIL_CONSENT_TEXT,
  PERSONAL_DATE_NAMES,
  PERSONAL_DATES,
  SMS_CONSENT_TEXT,
  MILESTONE_LABELS,
  milestoneField,
  smsOptInRequest,
  alreadySubscribedEmail,
  confirmationEmail,
  OPTIONAL_TRACKS,
  trackField,
  type PersonalDate,
} from '../../domain/subscription-words';
import { CalendarDate, personalDateProblems } from '../../domain/personal-dates';
import { formatLocal } from '../../domain/template';
import { publicLink } from '../../domain/links';
import { TOKEN_LIFETIME_SECONDS, membershipOf, verifyToken, type MembershipRef, type TokenPurpose } from '../../domain/tokens';
import type { Clock, EmailSender, Logger, SmsSender, Store } from '../../ports';
import { loggerOf } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { definedOnly } from '../enroll';
import { loadLibrary } from '../library';
import type { Library } from '../planning';
import { replanPerson, setOutcome } from '../replan';
import { isPlanEnrollment } from '../../domain/plan';
import { calendarUrl } from '../calendar-feed';
import { personalDatesIn } from '../plan-enrollments';
import { answerMemberships, type MembershipAnswerDeps } from '../membership-answers';
import { organisationsOf, type OrganisationChoice } from '../organisations-of-person';
import { invitedNumber } from '../../domain/ownership';
import type { EngagementStore } from '../../ports/engagement';
import { countPersonDetails } from '../engagement';
import { formBudgets, mayText, type PublicFormLimits } from '../../domain/public-forms';
import type { FormLimits } from '../../ports/form-limits';
import { DomainError, PersonGone } from '../errors';
import { WHATSAPP_CONSENT_TEXT } from '../../domain/whatsapp-words';
import { oneWaySmsCountry } from '../../domain/whatsapp';
import { templateForPurpose, type WhatsAppTemplateTable } from '../../domain/whatsapp-templates';
import type { WhatsAppSender } from '../../ports';
import type { CancelReason } from '../../domain/outcome-codes';

/**
 * Everything a person does by email and browser: sign up (double opt-in), confirm, manage their
 * preferences, unsubscribe, erase their data, read their calendar feed; and what SES tells us
 * about bounces and complaints. Inputs arrive as form fields or JSON and are parsed here with
 * zod; outcomes are values the pages turn into words. Nothing here logs an address, a number or
 * anything a person wrote: ids and outcomes only.
 */

export interface SubscriptionDeps {
  store: Store;
  email: EmailSender;
  sms: SmsSender;
  clock: Clock;
  log?: Logger;
  /** Fixed content for tests; otherwise the shipped library with the calendar corrections. */
  library?: Library;
  /** Signs the links (shared/domain/tokens.ts). */
  tokenSecret: string;
  /** Where the links point: the public address of the API. */
  publicBaseUrl: string;
  /** CAN-SPAM: every email carries it, the transactional ones too. */
  postalAddress: string;
  /**
   * Counselors: "delete all my data" also takes the person's cohort memberships, and an
   * invitation's confirmation link is the person's yes to the organisation that sent it.
   */
  counselors?: Pick<CounselorStore, 'forgetPerson'> & Partial<MembershipAnswerDeps['counselors']>;
  /**
   * Which countries' numbers may be texted, by calling code (`1`, `91`, `234` ...); `*` for all.
   * A number elsewhere is refused on the forms with a plain reason.
   */
  smsCountryCodes?: readonly string[];
  /** The caps on the anonymous sign-up form (per client, per number prefix, overall), in the table. */
  publicForms?: { limits: FormLimits; caps: PublicFormLimits };
  /**
   * Where WhatsApp is set up: the forms offer it, and a number given for WhatsApp gets the one
   * approved opt-in template once the email is confirmed. Absent: no WhatsApp on the forms.
   */
  whatsapp?: WhatsAppSender;
  whatsappSetup?: { templates: WhatsAppTemplateTable; approved: ReadonlyMap<string, string> };
  /** Engagement counts of people organisations follow: a yes links them, a changed channel is counted. */
  engagement?: EngagementStore;
}

/** WhatsApp is offered where this deployment can send it. */
export const offersWhatsApp = (deps: Pick<SubscriptionDeps, 'whatsapp' | 'whatsappSetup'>) => deps.whatsapp !== undefined && deps.whatsappSetup !== undefined;

/** The organisations' side of an answer, when this deployment has it (the public API does). */
function answerDeps(deps: SubscriptionDeps): MembershipAnswerDeps | undefined {
  const c = deps.counselors;
  if (!c?.cohortsOfPerson || !c.saveCohortMember || !c.getOrganisation || !c.getCohort) return undefined;
  return {
    store: deps.store,
    clock: deps.clock,
    counselors: { cohortsOfPerson: c.cohortsOfPerson, saveCohortMember: c.saveCohortMember, getOrganisation: c.getOrganisation, getCohort: c.getCohort },
    ...definedOnly({ library: deps.library, log: deps.log, engagement: deps.engagement }),
  };
}

/** Whether a number's country may get texts from this deployment. */
const textableNumber = (deps: Pick<SubscriptionDeps, 'smsCountryCodes'>, phone: string) => deps.smsCountryCodes === undefined || mayText(deps.smsCountryCodes, phone);
const NOT_TEXTABLE = 'We cannot send texts to numbers in that country yet: leave the number out and use email.';
const NO_WHATSAPP = 'Match Coach is not on WhatsApp yet: untick WhatsApp, and choose texts or email.';
const NOT_BOTH = 'Choose WhatsApp or texts, not both: the same messages would come twice.';
/**
 * WhatsApp proposed first where texts cannot be answered: the form comes back once saying why;
 * sent again as it was, texts are kept (the person may know better).
 */
const oneWayProposal = (country: string) =>
  `From ${country}, replies to our texts cannot reach us, so check-ins, PAUSE and STOP (even the YES that starts texts) may never arrive. Tick WhatsApp instead, or send the form again to keep texts.`;

// ---- Links -------------------------------------------------------------------------------------

export const preferencesUrl = (deps: SubscriptionDeps, personId: string) => publicLink(deps, 'preferences', personId);
const confirmUrl = (deps: SubscriptionDeps, personId: string) => publicLink(deps, 'confirm', personId);

/** Why a link did not open anything: the pages say it plainly, and nothing changes. */
export type InvalidLink = { status: 'invalid-link'; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' | 'unknown_person' };

async function personOf(
  deps: SubscriptionDeps,
  token: string,
  purpose: TokenPurpose,
): Promise<{ person: Person; nonce: string; exp: number; membership?: MembershipRef } | InvalidLink> {
  const check = verifyToken(deps.tokenSecret, token, purpose, deps.clock.now());
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  const person = await deps.store.getPerson(check.payload.sub);
  if (!person) return { status: 'invalid-link', reason: 'unknown_person' };
  const membership = membershipOf(check.payload);
  return { person, nonce: check.payload.n, exp: check.payload.exp, ...(membership && { membership }) };
}

const isInvalid = (value: object): value is InvalidLink => (value as InvalidLink).status === 'invalid-link';

// ---- Form fields ---------------------------------------------------------------------------------

/** An empty form field means "not given". */
const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalField = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());

/** Characters no name or note needs, which would only make trouble on a page or in a calendar. */
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
const shortText = (max: number, what: string) =>
  z
    .string()
    .transform((s) => s.replace(CONTROLS, ' ').trim())
    .pipe(z.string().min(1).max(max, `${what} can be at most ${max} characters`));

const FormEmail = z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string({ error: 'Enter your email address.' }).min(1, 'Enter your email address.').pipe(Email));
/** People type numbers with spaces, dashes and brackets; what we keep is E.164. */
const FormMobile = z
  .string()
  .max(40)
  .transform((s) => s.replace(/[\s().-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'Enter your mobile number with + and your country code, like +91 98123 45678.'));
const FormZone = z.string({ error: 'Choose your time zone.' }).max(64).pipe(IanaZone);
const FormSeason = z.string({ error: 'Choose your Match year.' }).regex(/^20\d{2}$/, 'Choose your Match year.').transform(Number);
const FormAttempt = z.string({ error: 'Choose which application cycle this is.' }).regex(/^[1-9]$/, 'Choose which application cycle this is.').transform(Number);
const FormDate = CalendarDate;
/** The same season range as the plan page, the CLI and imports (shared/domain/personal-dates.ts). */
const datesWithinSeason = (form: { season: number } & Partial<Record<PersonalDate, string | undefined>>, ctx: z.RefinementCtx) => {
  for (const { name, message } of personalDateProblems(form, form.season)) ctx.addIssue({ code: 'custom', path: [name], message });
};
const Checked = z.literal('yes');
const FormCadence = z.enum(['standard', 'light'], { message: 'Choose how many texts you would like.' });
/** Interviews so far, as typed: a whole number, 0 to 80. */
const FormInterviews = z
  .string()
  .trim()
  .regex(/^\d{1,2}$/, 'Give the number of interviews as a whole number, like 4.')
  .transform(Number)
  .refine((n) => n <= 80, 'Give the number of interviews you have, up to 80.');

const dateFields = {
  step1_exam: optionalField(FormDate),
  step2_exam: optionalField(FormDate),
  step3_exam: optionalField(FormDate),
  oet_exam: optionalField(FormDate),
  documents_due: optionalField(FormDate),
} satisfies Record<PersonalDate, z.ZodType>;

const SubscribeForm = z
  .object({
    email: FormEmail,
    firstName: optionalField(shortText(60, 'A first name')),
    mobile: optionalField(FormMobile),
    smsConsent: optionalField(Checked),
    whatsappConsent: optionalField(Checked),
    /** Set by the page after it proposed WhatsApp for a number whose replies to texts never reach us. */
    smsOneWayAccepted: optionalField(Checked),
    timeZone: FormZone,
    season: FormSeason,
    visaTrack: VisaTrack,
    applicantType: ApplicantType,
    attempt: FormAttempt,
    specialty: optionalField(shortText(80, 'Specialty interest')),
    /** How many coaching texts: the weekly budget and the promise in the consent words. */
    cadence: optionalField(FormCadence),
    ...dateFields,
    /** Hidden from people (a honeypot): a bot that fills every field gets the same page, and nothing happens. */
    website: optionalField(z.string().max(500)),
  })
  .superRefine((form, ctx) => {
    const phoneChannel = form.smsConsent || form.whatsappConsent;
    if (phoneChannel && !form.mobile) ctx.addIssue({ code: 'custom', path: ['mobile'], message: 'Add your mobile number to get texts, or untick the box.' });
    if (form.mobile && !phoneChannel) ctx.addIssue({ code: 'custom', path: ['smsConsent'], message: 'Tick the box to get texts, or leave the number out.' });
    if (form.smsConsent && form.whatsappConsent) ctx.addIssue({ code: 'custom', path: ['whatsappConsent'], message: NOT_BOTH });
    datesWithinSeason(form, ctx);
  });
type SubscribeForm = z.output<typeof SubscribeForm>;

/** Field name -> the first problem with it, for the page to show beside the field. */
export type FieldErrors = Record<string, string>;

function fieldErrors(issues: readonly { path: PropertyKey[]; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= friendly(field, issue.message);
  }
  return errors;
}

/** zod's own words for an enum or a missing field are for developers; people get ours. */
function friendly(field: string, message: string): string {
  if (/^(Invalid option|Invalid input)/.test(message)) {
    const names: Record<string, string> = {
      visaTrack: 'Choose a visa track (or "not sure yet").',
      applicantType: 'Choose which kind of applicant you are.',
      outcome: 'Choose where you are in the Match.',
      email: 'Choose on or off for emails.',
      sms: 'Choose on or off for texts.',
      pause: 'Choose a pause.',
      action: 'Something was missing from the form; please try again.',
    };
    return names[field] ?? 'Please check this field.';
  }
  return message;
}

/** The Match years the form offers: the season under way and the next three. */
export function seasonChoices(now: Date): number[] {
  const current = currentSeason(now);
  return [current, current + 1, current + 2, current + 3];
}

/** What the page keeps in the form when it comes back with a problem: strings only, bounded. */
export function formEcho(raw: unknown): Record<string, string> {
  if (!raw || typeof raw !== 'object') return {};
  const echo: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw).slice(0, 60)) {
    if (typeof value === 'string' && key.length <= 40) echo[key] = value.slice(0, 300);
  }
  return echo;
}

// ---- Consent -------------------------------------------------------------------------------------

const NOTICE_GAP_MS = { 'confirm-email': 10 * 60_000, 'sms-optin': 10 * 60_000, 'whatsapp-optin': 10 * 60_000, 'already-subscribed': 24 * 3_600_000 } as const;
type Notice = keyof typeof NOTICE_GAP_MS;

const claimNotice = (deps: SubscriptionDeps, personId: string, notice: Notice) => {
  const now = deps.clock.now();
  return deps.store.claimPersonNotice(personId, notice, now, new Date(now.getTime() + NOTICE_GAP_MS[notice]));
};

/** SES told us this address bounced for good or complained: we do not email it on a form's say-so. */
const isSuppressed = (consent: Consent | undefined) => consent?.state === 'revoked' && consent.source.startsWith('ses-');

const pending = (source: string, text: string, now: Date): Consent => ({ state: 'pending', source, at: now.toISOString(), text });

async function sendConfirmation(deps: SubscriptionDeps, person: Person): Promise<'sent' | 'throttled' | 'failed'> {
  if (!person.email) return 'failed';
  if (!(await claimNotice(deps, person.personId, 'confirm-email'))) return 'throttled';
  const words = confirmationEmail({
    confirmUrl: confirmUrl(deps, person.personId),
    postalAddress: deps.postalAddress,
    validDays: Math.round(TOKEN_LIFETIME_SECONDS['confirm-email'] / 86_400),
    ...definedOnly({ firstName: person.firstName }),
  });
  const result = await deps.email.send({ to: person.email, ...words, messageId: `signup.${person.personId}.confirm-email` });
  if (result.status !== 'sent') loggerOf(deps).warn('confirmation email not sent', { personId: person.personId, reason: result.reason });
  return result.status === 'sent' ? 'sent' : 'failed';
}

/** The one text a new number gets. Sent at once: it answers what the person did this minute. */
async function sendSmsOptInRequest(deps: SubscriptionDeps, person: Person): Promise<'sent' | 'throttled' | 'failed'> {
  if (!person.phone) return 'failed';
  if (!(await claimNotice(deps, person.personId, 'sms-optin'))) return 'throttled';
  const result = await deps.sms.send({ to: person.phone, body: smsOptInRequest(person.profile.cadence), messageId: `signup.${person.personId}.sms-optin` });
  if (result.status !== 'sent') loggerOf(deps).warn('sms opt-in request not sent', { personId: person.personId, reason: result.reason });
  return result.status === 'sent' ? 'sent' : 'failed';
}

/**
 * A number added in the preferences gets a text at once (the person proved their address), so it
 * counts against the same caps as the sign-up form: per client and per number range. Otherwise
 * many throwaway accounts could each text a range of numbers.
 */
async function numberBudgetAllows(deps: SubscriptionDeps, number: string, client: { address: string } | undefined, now: Date): Promise<boolean> {
  if (!deps.publicForms) return true;
  const budgets = formBudgets(deps.publicForms.caps, { address: client?.address ?? 'unknown', salt: deps.tokenSecret }, number).filter((b) => b.key !== 'all');
  return deps.publicForms.limits.take(budgets, now);
}

/**
 * The one WhatsApp message a new number gets: the approved opt-in template (a business may not
 * start a WhatsApp conversation with free text), asking for YES. Their YES opens the window too.
 */
async function sendWhatsAppOptInRequest(deps: SubscriptionDeps, person: Person): Promise<'sent' | 'throttled' | 'failed'> {
  const log = loggerOf(deps);
  const template = deps.whatsappSetup && templateForPurpose(deps.whatsappSetup.templates, 'opt-in-request');
  const contentSid = template && deps.whatsappSetup!.approved.get(template.name);
  if (!person.phone || !contentSid || !deps.whatsapp) {
    log.warn('whatsapp opt-in request not sent: no approved opt-in template', { personId: person.personId });
    return 'failed';
  }
  if (!(await claimNotice(deps, person.personId, 'whatsapp-optin'))) return 'throttled';
  const result = await deps.whatsapp.send({ to: person.phone, messageId: `signup.${person.personId}.whatsapp-optin`, content: { kind: 'template', contentSid, variables: {} } });
  if (result.status !== 'sent') log.warn('whatsapp opt-in request not sent', { personId: person.personId, reason: result.reason });
  return result.status === 'sent' ? 'sent' : 'failed';
}

/** A number already tied to someone else stays theirs: a form never moves it (nor says so). */
async function phoneIsFree(deps: SubscriptionDeps, phone: string, personId: string): Promise<boolean> {
  const owner = await deps.store.findPersonIdByPhone(phone);
  return owner === undefined || owner === personId;
}

// ---- Enrollments and personal dates ------------------------------------------------------------

/**
 * Puts the person's own dates on their tracks (they are enrollment anchors), enrolling them in
 * the automatic tracks their profile fits if they have none yet, so the dates have a home even
 * before anything can be planned. `dates` replaces every personal date: a missing one is removed.
 */
async function setPersonalDates(deps: SubscriptionDeps & { library: Library }, person: Person, dates: Partial<Record<PersonalDate, string>>, now: Date) {
  // Plan enrollments carry one deadline's anchors each, never the personal dates.
  const held = await deps.store.listEnrollments(person.personId);
  const active = held.filter((e) => e.status === 'active' && !isPlanEnrollment(e));
  if (active.length === 0) {
    for (const sequence of deps.library.sequences.values()) {
      // The welcome is started by the re-plan that follows a yes, never ahead of it.
      if (!sequence.autoEnroll || sequence.onJoin || !audienceAllows(sequence.audience, person.profile)) continue;
      await deps.store.saveEnrollment({
        personId: person.personId,
        enrollmentId: nextEnrollmentId(person.personId, sequence.id, held),
        sequenceId: sequence.id,
        anchors: { ...dates, enrolled: now.toISOString() } as Record<string, string>,
        enrolledAt: now.toISOString(),
        status: 'active',
      });
    }
    return;
  }
  for (const enrollment of active) {
    const kept = Object.fromEntries(Object.entries(enrollment.anchors).filter(([name]) => !(name in PERSONAL_DATES)));
    const anchors = { ...kept, ...dates } as Record<string, string>;
    if (JSON.stringify(anchors) !== JSON.stringify(enrollment.anchors)) await deps.store.saveEnrollment({ ...enrollment, anchors });
  }
}

/** The person's own dates as the forms show them (local calendar dates). */
async function personalDatesOf(store: Store, person: Person): Promise<Partial<Record<PersonalDate, string>>> {
  return personalDatesIn(await store.listEnrollments(person.personId), person.timeZone);
}

const pickDates = (form: Partial<Record<PersonalDate, string | undefined>>) =>
  definedOnly(Object.fromEntries(PERSONAL_DATE_NAMES.map((name) => [name, form[name]]))) as Partial<Record<PersonalDate, string>>;

// ---- Sign-up ---------------------------------------------------------------------------------------

export type SubscribeOutcome =
  | {
      status: 'accepted';
      /** For tests and logs only: the page is the same whatever this says (no address is revealed). */
      detail: 'new' | 'existing' | 'suppressed' | 'ignored';
      confirmation: 'sent' | 'throttled' | 'failed' | 'none';
      /** The YES text is never sent from the form itself: once the email is confirmed, or never. */
      smsRequest: 'after-confirmation' | 'none';
      /** The same for WhatsApp's opt-in message, when the person chose WhatsApp. */
      whatsappRequest?: 'after-confirmation';
    }
  /** `proposedWhatsApp`: the form comes back once to propose WhatsApp; sent again as it was, texts are kept. */
  | { status: 'invalid'; errors: FieldErrors; proposedWhatsApp?: true }
  /** Too many sign-ups from this client, for this number range, or overall this hour: nothing read or written. */
  | { status: 'too-many' };

/**
 * The sign-up form. An anonymous form never writes to anyone who is already with us.
 * 1. Parses the fields (bad input: field errors, nothing stored or sent).
 * 2. An address someone already holds is left exactly as it is, whatever its state: a confirmed
 *    one gets (at most daily) an email with its preferences link; an unconfirmed one (invited,
 *    waiting, emails turned off, unsubscribed) gets a fresh confirmation of what is stored, and
 *    changes are made in the preferences once it is confirmed; a suppressed one (bounce,
 *    complaint) gets nothing. No number from the form is attached to them.
 * 3. Anyone else is created with email consent `pending` (source `web`, the exact sentence on the
 *    page) and their tracks and dates, but nothing is planned. A number goes with them only when
 *    its country may be texted and nobody holds it; its SMS consent is `pending` too.
 * 4. Only the confirmation email goes out now (at most every 10 minutes per person). The one text
 *    asking for YES waits until the email is confirmed (or they text us first): a number typed
 *    into a form is not yet anyone's yes.
 * Whatever happened, the caller shows the same page.
 */
export async function subscribe(deps: SubscriptionDeps, raw: unknown, client?: { address: string }): Promise<SubscribeOutcome> {
  const parsed = SubscribeForm.safeParse(raw);
  if (!parsed.success) return { status: 'invalid', errors: fieldErrors(parsed.error.issues) };
  const form = parsed.data;
  const now = deps.clock.now();
  if (!seasonChoices(now).includes(form.season)) return { status: 'invalid', errors: { season: 'Choose your Match year.' } };
  if (form.whatsappConsent && !offersWhatsApp(deps)) return { status: 'invalid', errors: { whatsappConsent: NO_WHATSAPP } };
  // WhatsApp reaches every country; texts only those this deployment may text.
  if (form.mobile && form.smsConsent && !textableNumber(deps, form.mobile)) return { status: 'invalid', errors: { mobile: NOT_TEXTABLE } };
  const oneWay = form.mobile && form.smsConsent && offersWhatsApp(deps) && !form.smsOneWayAccepted ? oneWaySmsCountry(form.mobile) : undefined;
  if (oneWay) return { status: 'invalid', errors: { smsConsent: oneWayProposal(oneWay) }, proposedWhatsApp: true };
  if (deps.publicForms) {
    const budgets = formBudgets(deps.publicForms.caps, { address: client?.address ?? 'unknown', salt: deps.tokenSecret }, form.smsConsent === 'yes' || form.whatsappConsent === 'yes' ? form.mobile : undefined);
    if (!(await deps.publicForms.limits.take(budgets, now))) {
      loggerOf(deps).warn('sign-up refused: a public form limit was reached', { budgets: budgets.length });
      return { status: 'too-many' };
    }
  }
  const log = loggerOf(deps);
  const none = { confirmation: 'none', smsRequest: 'none' } as const;
  if (form.website) return { status: 'accepted', detail: 'ignored', ...none };
  // A form sent twice at once (a double click) is two sign-ups racing to create one person: the one
  // that loses is taken again, and then finds the person the other created (left as it is).
  const outcome = (await signUp(deps, form, now, log)) ?? (await signUp(deps, form, now, log));
  if (outcome) return outcome;
  log.info('sign-up raced another for the same address twice: left to the other', {});
  return { status: 'accepted', detail: 'existing', confirmation: 'throttled', smsRequest: 'none' };
}

/** Steps 2-4 of subscribe; undefined when someone else created this address's person meanwhile. */
async function signUp(deps: SubscriptionDeps, form: SubscribeForm, now: Date, log: Logger): Promise<SubscribeOutcome | undefined> {
  const none = { confirmation: 'none', smsRequest: 'none' } as const;
  const existingId = await deps.store.findPersonIdByEmail(form.email);
  const existing = existingId ? await deps.store.getPerson(existingId) : undefined;
  if (existing) {
    try {
      return await answerExisting(deps, existing, log);
    } catch (error) {
      // Erased while we looked: nothing of theirs is written, and the page is the same.
      if (!(error instanceof PersonGone)) throw error;
      return { status: 'accepted', detail: 'existing', ...none };
    }
  }

  const library = deps.library ?? (await loadLibrary(deps.store));
  const personId = randomUUID();
  const wantsNumber = form.smsConsent === 'yes' || form.whatsappConsent === 'yes';
  const withNumber = form.mobile !== undefined && wantsNumber && (await deps.store.findPersonIdByPhone(form.mobile)) === undefined;
  const onWhatsApp = withNumber && form.whatsappConsent === 'yes';
  const person: Person = {
    personId,
    createdAt: now.toISOString(),
    email: form.email,
    timeZone: form.timeZone,
    profile: Profile.parse({ season: form.season, visaTrack: form.visaTrack, applicantType: form.applicantType, attempt: form.attempt, ...definedOnly({ cadence: form.cadence }) }),
    consent: {
      email: pending('web', EMAIL_CONSENT_TEXT, now),
      ...(withNumber && (onWhatsApp ? { whatsapp: pending('web', WHATSAPP_CONSENT_TEXT, now) } : { sms: pending('web', SMS_CONSENT_TEXT, now) })),
    },
    ...definedOnly({ firstName: form.firstName, phone: withNumber ? form.mobile : undefined, specialty: form.specialty }),
  };
  // Created only while nobody holds the address or number (one of two sign-ups at once); a
  // lookup left by someone erased is no holder.
  const gone = existingId ? [existingId] : [];
  const { notCreated } = await deps.store.createPeople([{ person, enrollments: [], ...(gone.length > 0 && { replacesLookupsOf: gone }) }]);
  if (notCreated.length > 0) return undefined;
  await setPersonalDates({ ...deps, library }, person, pickDates(form), now);
  // Nothing is confirmed, so this plans nothing; it settles the tracks the profile fits.
  await replanPerson({ store: deps.store, clock: deps.clock, library }, person.personId);

  const confirmation = await sendConfirmation(deps, person);
  log.info('sign-up recorded', { personId: person.personId, detail: 'new', confirmation });
  return {
    status: 'accepted',
    detail: 'new',
    confirmation,
    smsRequest: withNumber && !onWhatsApp ? 'after-confirmation' : 'none',
    ...(onWhatsApp && { whatsappRequest: 'after-confirmation' as const }),
  };
}

/** Someone already holds the address: nothing of theirs changes; the address may get a link. */
async function answerExisting(deps: SubscriptionDeps, existing: Person, log: Logger): Promise<SubscribeOutcome> {
  if (existing.consent.email?.state === 'confirmed') {
    let confirmation: 'sent' | 'throttled' | 'failed' = 'throttled';
    if (existing.email && (await claimNotice(deps, existing.personId, 'already-subscribed'))) {
      const words = alreadySubscribedEmail({ preferencesUrl: preferencesUrl(deps, existing.personId), postalAddress: deps.postalAddress, ...definedOnly({ firstName: existing.firstName }) });
      const result = await deps.email.send({ to: existing.email, ...words, messageId: `signup.${existing.personId}.already-subscribed` });
      confirmation = result.status === 'sent' ? 'sent' : 'failed';
    }
    log.info('sign-up for a confirmed address: left unchanged', { personId: existing.personId });
    return { status: 'accepted', detail: 'existing', confirmation, smsRequest: 'none' };
  }
  if (isSuppressed(existing.consent.email)) {
    log.info('sign-up for a suppressed address: nothing sent', { personId: existing.personId });
    return { status: 'accepted', detail: 'suppressed', confirmation: 'none', smsRequest: 'none' };
  }
  const confirmation = await sendConfirmation(deps, existing);
  log.info('sign-up for an unconfirmed address: a confirmation of what is stored', { personId: existing.personId, confirmation });
  return { status: 'accepted', detail: 'existing', confirmation, smsRequest: 'none' };
}

// ---- Confirmation ----------------------------------------------------------------------------------

export type ConfirmOutcome =
  | {
      status: 'confirmed' | 'already-confirmed';
      personId: string;
      /** The organisation whose invitation this was: the person said yes to it too. */
      orgName?: string;
    }
  /** The link was used before, or the address was unsubscribed or suppressed since: nothing changed. */
  | { status: 'not-pending' }
  | InvalidLink;

/**
 * The link in the confirmation email (a sign-up's, or an organisation's invitation).
 * 1. Checks the token (signature, purpose, expiry) and finds the person.
 * 2. Already confirmed: says so and changes nothing (the second click of a single-use link).
 * 3. Spends the link's nonce with a conditional write: of two clicks at once only one goes on.
 * 4. Email consent becomes `confirmed`: with the invitation's words when the link is an
 *    invitation's (and the person's yes to that organisation is kept with its membership), with
 *    the sign-up page's words otherwise. For someone who has never had a message, their tracks
 *    start now; then everything is planned.
 * 5. A number they gave with the form now gets the one text asking for YES.
 */
export async function confirmEmail(deps: SubscriptionDeps, token: string): Promise<ConfirmOutcome> {
  const found = await personOf(deps, token, 'confirm-email');
  if (isInvalid(found)) return found;
  const { person } = found;
  const consent = person.consent.email;
  const invitation = found.membership;
  const answers = answerDeps(deps);
  if (consent?.state === 'confirmed') {
    // Confirmed another way since (their own sign-up): an invitation's link is still their yes to
    // that organisation, once.
    if (invitation && answers && (await deps.store.consumeTokenNonce(found.nonce, new Date(found.exp * 1000)))) {
      await answerMemberships(answers, person.personId, { orgId: invitation.orgId }, 'accepted', 'email-link');
    }
    return { status: 'already-confirmed', personId: person.personId };
  }
  // Emails turned off or unsubscribed: a fresh link (a new sign-up) turns them on again, pressed
  // by the address's owner. An address SES suppressed (bounce, complaint) never comes back this way.
  const resuming = consent?.state === 'revoked' && !isSuppressed(consent) && !invitation;
  if (!consent || !person.email || !(consent.state === 'pending' || resuming)) return { status: 'not-pending' };
  if (!(await deps.store.consumeTokenNonce(found.nonce, new Date(found.exp * 1000)))) return { status: 'not-pending' };

  const now = deps.clock.now();
  // A sign-up's link confirms the sign-up page's words, even for a record an organisation made.
  const words = !resuming && (invitation || !consent.source.startsWith('counselor:')) ? { source: consent.source, text: consent.text } : { source: 'web', text: EMAIL_CONSENT_TEXT };
  try {
    const confirmed: Person = { ...person, consent: { ...person.consent, email: { ...consent, ...words, state: 'confirmed', at: now.toISOString() } } };
    // Their own sign-up claims a record an organisation made: what the organisation typed beyond
    // this address (a number, and a yes given from that number) does not come with it.
    const claimed = !invitation && person.broughtBy !== undefined ? claimFromOrganisation(confirmed) : confirmed;
    await deps.store.savePerson(claimed);
    if (claimed !== confirmed) await resetYesFromNumber(deps, person.personId, person.broughtBy!);
    if ((await deps.store.listMessages(person.personId)).every((m) => m.invitation)) {
      // Coaching starts when they say yes, not when the form was sent: "enrolled" steps count from now.
      // (A counselor's invitation is the only message someone who never said yes can have had.)
      for (const enrollment of await deps.store.listEnrollments(person.personId)) {
        if (enrollment.status !== 'active') continue;
        await deps.store.saveEnrollment({ ...enrollment, enrolledAt: now.toISOString(), anchors: { ...enrollment.anchors, enrolled: now.toISOString() } });
      }
    }
    const accepted = invitation && answers ? await answerMemberships(answers, person.personId, { orgId: invitation.orgId }, 'accepted', 'email-link') : undefined;
    await replanPerson({ store: deps.store, clock: deps.clock, ...definedOnly({ library: deps.library }) }, person.personId);
    const saved = await deps.store.getPerson(person.personId);
    if (saved?.phone && saved.consent.sms?.state === 'pending' && !saved.consent.sms.source.startsWith('counselor:')) await sendSmsOptInRequest(deps, saved);
    if (saved?.phone && saved.consent.whatsapp?.state === 'pending' && !saved.consent.whatsapp.source.startsWith('counselor:')) await sendWhatsAppOptInRequest(deps, saved);
    loggerOf(deps).info('email consent confirmed', { personId: person.personId, invitation: invitation !== undefined });
    return { status: 'confirmed', personId: person.personId, ...(accepted?.orgNames[0] && { orgName: accepted.orgNames[0] }) };
  } catch (error) {
    // Erased between the press and now: the link opens nothing any more.
    if (error instanceof PersonGone) return { status: 'invalid-link', reason: 'unknown_person' };
    throw error;
  }
}

/** The record without what an organisation brought: its number (unless the person confirmed it themselves), the mark itself. */
function claimFromOrganisation(person: Person): Person {
  const { broughtBy: _org, ...mine } = person;
  if (!invitedNumber(person.consent.sms)) return mine;
  const { phone: _phone, ...withoutNumber } = mine;
  const { sms: _sms, ...consent } = person.consent;
  return { ...withoutNumber, consent };
}

/** A yes to that organisation given by text from the number it typed is no longer theirs to count on: pending again. */
async function resetYesFromNumber(deps: SubscriptionDeps, personId: string, orgId: string): Promise<void> {
  const counselors = deps.counselors;
  if (!counselors?.cohortsOfPerson || !counselors.saveCohortMember) return;
  for (const member of await counselors.cohortsOfPerson(personId)) {
    if (member.orgId === orgId && member.consent?.state === 'accepted' && member.consent.source === 'sms-keyword') {
      await counselors.saveCohortMember({ ...member, consent: { state: 'pending', at: deps.clock.now().toISOString() } });
    }
  }
}

/**
 * What the confirmation page (GET) shows before the press that confirms: reading a link changes
 * nothing, because mail scanners open links on their own.
 */
export async function peekConfirmation(deps: SubscriptionDeps, token: string): Promise<{ status: 'pending' | 'already-confirmed'; personId: string } | { status: 'not-pending' } | InvalidLink> {
  const found = await personOf(deps, token, 'confirm-email');
  if (isInvalid(found)) return found;
  const consent = found.person.consent.email;
  if (consent?.state === 'confirmed') return { status: 'already-confirmed', personId: found.person.personId };
  const resuming = consent?.state === 'revoked' && !isSuppressed(consent) && !found.membership;
  return (consent?.state === 'pending' || resuming) && found.person.email ? { status: 'pending', personId: found.person.personId } : { status: 'not-pending' };
}

// ---- Preferences -----------------------------------------------------------------------------------

type ChannelState = 'on' | 'waiting' | 'off' | 'none';

export interface PreferencesView {
  /** Organisations that follow their coaching, or ask to: theirs to answer and to stop. */
  organisations: OrganisationChoice[];
  firstName?: string;
  /** Shown partly hidden: a forwarded link should not hand out the whole address or number. */
  emailMasked?: string;
  phoneMasked?: string;
  email: ChannelState;
  sms: ChannelState;
  whatsapp: ChannelState;
  /** Whether this deployment offers WhatsApp (the page shows its choice only then, or while it is on). */
  whatsappOffered: boolean;
  quietHours: { start: string; end: string };
  /** In their own zone and words, while a pause lasts. */
  pausedUntil?: string;
  timeZone: string;
  season: number;
  seasonChoices: number[];
  visaTrack: string;
  applicantType: string;
  attempt: number;
  outcome: string;
  dates: Partial<Record<PersonalDate, string>>;
  specialty?: string;
  cadence: 'standard' | 'light';
  /** What they have done, each with its words; ticked ones stop the reminders they make moot. */
  milestones: { milestone: string; field: string; label: string; done: boolean }[];
  interviews?: number;
  showPlanToCounselor: boolean;
  /** The tracks they may turn off, and whether each is on. */
  tracks: { sequenceId: string; label: string; on: boolean }[];
  calendarUrl: string;
  /** "My plan": the same signed preference token, another page. */
  planUrl: string;
}

const stateOf = (consent: Consent | undefined, address: string | undefined): ChannelState =>
  !address || !consent ? 'none' : consent.state === 'confirmed' ? 'on' : consent.state === 'pending' ? 'waiting' : 'off';

export function maskEmail(email: string): string {
  const [local, domain] = email.split('@') as [string, string];
  return `${local.slice(0, 1)}${'•'.repeat(Math.min(6, Math.max(3, local.length - 1)))}@${domain}`;
}
export const maskPhone = (phone: string) => `${phone.slice(0, 3)}${'•'.repeat(Math.max(3, phone.length - 6))}${phone.slice(-3)}`;

async function viewOf(deps: SubscriptionDeps, person: Person): Promise<PreferencesView> {
  const now = deps.clock.now();
  const paused = person.profile.pausedUntil && Date.parse(person.profile.pausedUntil) > now.getTime() ? new Date(person.profile.pausedUntil) : undefined;
  const counselors = deps.counselors;
  return {
    organisations: counselors?.cohortsOfPerson && counselors.getOrganisation ? await organisationsOf({ cohortsOfPerson: counselors.cohortsOfPerson, getOrganisation: counselors.getOrganisation }, person.personId) : [],
    email: stateOf(person.consent.email, person.email),
    sms: stateOf(person.consent.sms, person.phone),
    whatsapp: stateOf(person.consent.whatsapp, person.phone),
    whatsappOffered: offersWhatsApp(deps),
    quietHours: person.quietHours ?? DEFAULT_QUIET_HOURS,
    timeZone: person.timeZone,
    season: person.profile.season,
    seasonChoices: [...new Set([person.profile.season, ...seasonChoices(now)])].sort(),
    visaTrack: person.profile.visaTrack,
    applicantType: person.profile.applicantType,
    attempt: person.profile.attempt,
    outcome: person.profile.outcome,
    dates: await personalDatesOf(deps.store, person),
    showPlanToCounselor: person.showPlanToCounselor === true,
    cadence: person.profile.cadence ?? 'standard',
    milestones: MILESTONES.map((m) => ({ milestone: m, field: milestoneField(m), label: MILESTONE_LABELS[m], done: person.profile.done.includes(m) })),
    ...(person.interviews && { interviews: person.interviews.count }),
    tracks: OPTIONAL_TRACKS.map(({ sequenceId, label }) => ({ sequenceId, label, on: !person.profile.mutedSequences?.includes(sequenceId) })),
    calendarUrl: calendarUrl(deps, person),
    planUrl: publicLink(deps, 'plan', person.personId),
    ...definedOnly({
      firstName: person.firstName,
      emailMasked: person.email && maskEmail(person.email),
      phoneMasked: person.phone && maskPhone(person.phone),
      pausedUntil: paused && formatLocal(paused, person.timeZone, true),
      specialty: person.specialty,
    }),
  };
}

export type PreferencesOutcome = { status: 'ok'; view: PreferencesView } | InvalidLink;

/** The preference centre as it stands, for the page. Reading changes nothing. */
export async function viewPreferences(deps: SubscriptionDeps, token: string): Promise<PreferencesOutcome> {
  const found = await personOf(deps, token, 'preferences');
  if (isInvalid(found)) return found;
  return { status: 'ok', view: await viewOf(deps, found.person) };
}

/** docs/rules.md: no texts from 21:00 to 08:00 local. People may widen that window, never narrow it. */
export const QUIET_START_CHOICES = ['18:00', '19:00', '20:00', '21:00'] as const;
export const QUIET_END_CHOICES = ['08:00', '09:00', '10:00', '11:00', '12:00'] as const;
export const PAUSE_CHOICES = ['keep', 'none', '3', '7', '14', '30', '60', '90'] as const;

const OnOff = z.enum(['on', 'off']);
const PreferencesForm = z.object({
  action: z.literal('save'),
  email: OnOff,
  sms: optionalField(OnOff),
  mobile: optionalField(FormMobile),
  smsConsent: optionalField(Checked),
  whatsapp: optionalField(OnOff),
  whatsappConsent: optionalField(Checked),
  quietStart: LocalTime.refine((t) => t >= '14:00' && t <= '21:00', 'Quiet hours can start earlier than 21:00, not later.'),
  quietEnd: LocalTime.refine((t) => t >= '08:00' && t <= '12:00', 'Quiet hours can end later than 08:00, not earlier.'),
  pause: z.enum(PAUSE_CHOICES),
  timeZone: FormZone,
  season: FormSeason,
  visaTrack: VisaTrack,
  applicantType: ApplicantType,
  attempt: FormAttempt,
  outcome: Outcome,
  firstName: optionalField(shortText(60, 'A first name')),
  specialty: optionalField(shortText(80, 'Specialty interest')),
  cadence: optionalField(FormCadence),
  interviews: optionalField(FormInterviews),
  /** `shown` when the page carried the milestone boxes: only then does an unticked box undo one. */
  milestones: optionalField(z.literal('shown')),
  ...(Object.fromEntries(MILESTONES.map((m) => [milestoneField(m), optionalField(Checked)])) as Record<string, ReturnType<typeof optionalField<typeof Checked>>>),
  showPlanToCounselor: optionalField(Checked),
  /**
   * `shown` when the page carried the track checkboxes: only then does an unticked box turn a
   * track off (a form without them, an older page or a script, changes no track).
   */
  tracks: optionalField(z.literal('shown')),
  ...(Object.fromEntries(OPTIONAL_TRACKS.map((t) => [trackField(t.sequenceId), optionalField(Checked)])) as Record<string, ReturnType<typeof optionalField<typeof Checked>>>),
  ...dateFields,
}).superRefine(datesWithinSeason);

export type UpdatePreferencesOutcome =
  | {
      status: 'saved';
      view: PreferencesView;
      /** What the page should mention: a confirmation email or a YES text on its way (or not). */
      notes: (
        | 'email-confirmation-sent'
        | 'email-confirmation-recent'
        | 'email-confirmation-failed'
        | 'email-off'
        | 'sms-request-sent'
        | 'sms-off'
        | 'sms-needs-number'
        | 'whatsapp-request-sent'
        | 'whatsapp-off'
        | 'paused'
        | 'resumed'
      )[];
    }
  | { status: 'invalid'; errors: FieldErrors; view: PreferencesView }
  | InvalidLink;

/**
 * Saves the preference centre.
 * - Emails off: consent revoked (source `preferences`), pending emails cancelled. On again after
 *   an opt-out: back to `pending` with a fresh confirmation email (double opt-in again).
 * - Texts off: consent revoked, pending texts cancelled. On: consent `pending` (their number, the
 *   box ticked) and one text asking for YES.
 * - WhatsApp the same way (the approved opt-in template asks for YES); texts or WhatsApp, not
 *   both. Moving from one to the other in one save keeps every track.
 * - Quiet hours only wider than 21:00-08:00; a pause of N days (profile.pausedUntil); zone,
 *   season, visa track, applicant type, cycle, dates, specialty, the counselor choice.
 * - A changed outcome goes through setOutcome; either way everything is re-planned.
 */
export async function updatePreferences(deps: SubscriptionDeps, token: string, raw: unknown, client?: { address: string }): Promise<UpdatePreferencesOutcome> {
  const found = await personOf(deps, token, 'preferences');
  if (isInvalid(found)) return found;
  const current = found.person;
  const now = deps.clock.now();
  const parsed = PreferencesForm.safeParse(raw);
  if (!parsed.success) return { status: 'invalid', errors: fieldErrors(parsed.error.issues), view: await viewOf(deps, current) };
  const form = parsed.data;
  const errors: FieldErrors = {};
  if (!seasonChoices(now).includes(form.season) && form.season !== current.profile.season) errors.season = 'Choose your Match year.';

  const notes: Extract<UpdatePreferencesOutcome, { status: 'saved' }>['notes'] = [];
  let consent = { ...current.consent };
  let phone = current.phone;
  const cancel: { channel: Channel; reason: CancelReason }[] = [];
  let sendEmailConfirmation = false;
  let askSms = false;

  const emailState = stateOf(current.consent.email, current.email);
  if (form.email === 'off' && (emailState === 'on' || emailState === 'waiting')) {
    consent.email = { ...current.consent.email!, state: 'revoked', source: 'preferences', at: now.toISOString() };
    cancel.push({ channel: 'email', reason: 'unsubscribed' });
    notes.push('email-off');
  } else if (form.email === 'on' && emailState === 'off') {
    consent.email = pending('preferences', EMAIL_CONSENT_TEXT, now);
    sendEmailConfirmation = true;
  } else if (form.email === 'on' && emailState === 'waiting') {
    sendEmailConfirmation = true;
  }

  const smsState = stateOf(current.consent.sms, current.phone);
  if (form.sms === 'off' && (smsState === 'on' || smsState === 'waiting')) {
    consent.sms = { ...current.consent.sms!, state: 'revoked', source: 'preferences', at: now.toISOString() };
    cancel.push({ channel: 'sms', reason: 'sms-off' });
    notes.push('sms-off');
  } else if (form.sms === 'on' && (smsState === 'off' || smsState === 'none')) {
    const number = form.mobile ?? current.phone;
    if (!number) errors.mobile = 'Add your mobile number to get texts.';
    else if (!textableNumber(deps, number)) errors.mobile = NOT_TEXTABLE;
    else if (form.smsConsent !== 'yes') errors.smsConsent = 'Tick the box to agree to texts.';
    else if (!(await numberBudgetAllows(deps, number, client, now))) errors.mobile = 'Too many numbers have been added from here in the last hour: please try again later.';
    else if (await phoneIsFree(deps, number, current.personId)) {
      phone = number;
      consent.sms = pending('preferences', SMS_CONSENT_TEXT, now);
      askSms = true;
    }
    // A number tied to someone else is left alone, and the page words it so as not to say so.
    if (!errors.mobile && !errors.smsConsent) notes.push('sms-request-sent');
  }

  // WhatsApp, the other way to reach the same number: one of the two at a time.
  let askWhatsApp = false;
  const whatsappState = stateOf(current.consent.whatsapp, current.phone);
  if (form.whatsapp === 'off' && (whatsappState === 'on' || whatsappState === 'waiting')) {
    consent.whatsapp = { ...current.consent.whatsapp!, state: 'revoked', source: 'preferences', at: now.toISOString() };
    cancel.push({ channel: 'whatsapp', reason: 'whatsapp-off' });
    notes.push('whatsapp-off');
  } else if (form.whatsapp === 'on' && (whatsappState === 'off' || whatsappState === 'none')) {
    const number = form.mobile ?? current.phone;
    if (!offersWhatsApp(deps)) errors.whatsapp = NO_WHATSAPP;
    else if (!number) errors.mobile = 'Add your mobile number to get WhatsApp messages.';
    else if (form.whatsappConsent !== 'yes') errors.whatsappConsent = 'Tick the box to agree to WhatsApp messages.';
    else if (!(await numberBudgetAllows(deps, number, client, now))) errors.mobile = 'Too many numbers have been added from here in the last hour: please try again later.';
    else if (await phoneIsFree(deps, number, current.personId)) {
      phone = number;
      consent.whatsapp = pending('preferences', WHATSAPP_CONSENT_TEXT, now);
      askWhatsApp = true;
    }
    if (!errors.whatsapp && !errors.mobile && !errors.whatsappConsent) notes.push('whatsapp-request-sent');
  }
  const reaches = (c: Consent | undefined) => c?.state === 'confirmed' || c?.state === 'pending';
  if (reaches(consent.sms) && reaches(consent.whatsapp)) errors.whatsapp = NOT_BOTH;
  if (Object.keys(errors).length > 0) return { status: 'invalid', errors, view: await viewOf(deps, current) };

  let pausedUntil = current.profile.pausedUntil;
  if (form.pause === 'none') {
    if (pausedUntil) notes.push('resumed');
    pausedUntil = undefined;
  } else if (form.pause !== 'keep') {
    pausedUntil = new Date(now.getTime() + Number(form.pause) * 86_400_000).toISOString();
    notes.push('paused');
  }
  const muted =
    form.tracks === 'shown'
      ? OPTIONAL_TRACKS.filter((t) => (form as Record<string, unknown>)[trackField(t.sequenceId)] !== 'yes').map((t) => t.sequenceId)
      : (current.profile.mutedSequences ?? []);
  const done =
    form.milestones === 'shown' ? MILESTONES.filter((m) => (form as Record<string, unknown>)[milestoneField(m)] === 'yes') : current.profile.done;
  const { pausedUntil: _dropped, mutedSequences: _muted, cadence: _cadence, ...profileRest } = current.profile;
  const next: Person = {
    ...current,
    consent,
    timeZone: form.timeZone,
    quietHours: { start: form.quietStart, end: form.quietEnd },
    showPlanToCounselor: form.showPlanToCounselor === 'yes',
    profile: {
      ...profileRest,
      season: form.season,
      visaTrack: form.visaTrack,
      applicantType: form.applicantType,
      attempt: form.attempt,
      done,
      ...definedOnly({ pausedUntil, mutedSequences: muted.length > 0 ? muted : undefined, cadence: form.cadence ?? current.profile.cadence }),
    },
  };
  // What they tell us of their interviews is kept with when they said it; a number left as it was keeps its day.
  if (form.interviews !== undefined && form.interviews !== current.interviews?.count) next.interviews = { count: form.interviews, at: now.toISOString() };
  // Optional fields left empty are removed, not kept: the form shows what is stored.
  for (const [field, value] of [['firstName', form.firstName], ['specialty', form.specialty], ['phone', phone]] as const) {
    if (value === undefined) delete next[field];
    else next[field] = value;
  }
  await deps.store.savePerson(next);
  await countPersonDetails(deps, next, now);
  for (const { channel, reason } of cancel) await deps.store.cancelPendingMessages(current.personId, reason, now, channel);

  const library = deps.library ?? (await loadLibrary(deps.store));
  await setPersonalDates({ ...deps, library }, next, pickDates(form), now);
  const planDeps = { store: deps.store, clock: deps.clock, library };
  if (form.outcome !== current.profile.outcome) await setOutcome(planDeps, current.personId, form.outcome);
  else await replanPerson(planDeps, current.personId);

  const saved = (await deps.store.getPerson(current.personId))!;
  if (sendEmailConfirmation) {
    const sent = await sendConfirmation(deps, saved);
    notes.push(sent === 'throttled' ? 'email-confirmation-recent' : sent === 'sent' ? 'email-confirmation-sent' : 'email-confirmation-failed');
  }
  if (askSms) await sendSmsOptInRequest(deps, saved);
  if (askWhatsApp) await sendWhatsAppOptInRequest(deps, saved);
  loggerOf(deps).info('preferences saved', { personId: current.personId, notes });
  return { status: 'saved', view: await viewOf(deps, saved), notes };
}

export type EraseOutcome = { status: 'erased'; items: number } | InvalidLink;

/**
 * "Delete all my data": everything about the person goes (Store.erasePerson). The log line says
 * only how many items went: no id, because after this nothing should lead back to them.
 */
export async function eraseMyData(deps: SubscriptionDeps, token: string): Promise<EraseOutcome> {
  const now = deps.clock.now();
  const check = verifyToken(deps.tokenSecret, token, 'preferences', now);
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  // The mark first: from then on nothing new is written for them (a membership included), so
  // what the steps below delete is everything there will ever be.
  await deps.store.beginErasure(check.payload.sub, now);
  const memberships = (await deps.counselors?.forgetPerson(check.payload.sub)) ?? 0;
  const items = memberships + (await deps.store.erasePerson(check.payload.sub, now));
  loggerOf(deps).info('person erased on request', { items });
  return { status: 'erased', items };
}

/** For the confirmation-of-deletion step: the link must work before we ask "are you sure?". */
export async function checkPreferencesLink(deps: SubscriptionDeps, token: string): Promise<{ status: 'ok' } | InvalidLink> {
  const found = await personOf(deps, token, 'preferences');
  return isInvalid(found) ? found : { status: 'ok' };
}

// ---- Unsubscribe -------------------------------------------------------------------------------------

export type UnsubscribeSource = 'one-click' | 'unsubscribe-page';
export type UnsubscribeOutcome = { status: 'unsubscribed' | 'already-unsubscribed'; personId?: string } | Exclude<InvalidLink, { reason: 'unknown_person' }>;

/**
 * RFC 8058 one-click (source `one-click`) or the button on the page (`unsubscribe-page`): email
 * consent revoked and pending emails cancelled, at once. Idempotent: a second POST, or one for a
 * person who has erased their data, changes nothing and still answers "unsubscribed".
 */
export async function unsubscribe(deps: SubscriptionDeps, token: string, source: UnsubscribeSource): Promise<UnsubscribeOutcome> {
  const found = await personOf(deps, token, 'unsubscribe');
  if (isInvalid(found)) {
    if (found.reason !== 'unknown_person') return found as Exclude<InvalidLink, { reason: 'unknown_person' }>;
    // Erased (or being erased): whatever of theirs might still be planned is withdrawn all the same.
    const check = verifyToken(deps.tokenSecret, token, 'unsubscribe', deps.clock.now());
    if (check.ok) await deps.store.cancelPendingMessages(check.payload.sub, 'unsubscribed', deps.clock.now(), 'email');
    return { status: 'already-unsubscribed' };
  }
  const { person } = found;
  const now = deps.clock.now();
  const had = person.consent.email;
  if (had && had.state !== 'revoked') {
    const revoked = { ...person, consent: { ...person.consent, email: { ...had, state: 'revoked' as const, source, at: now.toISOString() } } };
    await deps.store.savePerson(revoked).then(
      () => countPersonDetails(deps, revoked, now),
      (error: unknown) => {
        // Erased meanwhile: nothing left to revoke; what might still be planned is withdrawn below.
        if (!(error instanceof PersonGone)) throw error;
      },
    );
  }
  // Even when already revoked: a message planned by a race since then must not go either.
  await deps.store.cancelPendingMessages(person.personId, 'unsubscribed', now, 'email');
  const status = had && had.state !== 'revoked' ? 'unsubscribed' : 'already-unsubscribed';
  loggerOf(deps).info('email unsubscribe', { personId: person.personId, source, status });
  return { status, personId: person.personId };
}

/** The unsubscribe page (GET): checks the link, changes nothing. */
export async function checkUnsubscribeLink(deps: SubscriptionDeps, token: string): Promise<{ status: 'ok' } | InvalidLink> {
  const check = verifyToken(deps.tokenSecret, token, 'unsubscribe', deps.clock.now());
  return check.ok ? { status: 'ok' } : { status: 'invalid-link', reason: check.reason };
}

// ---- SES events --------------------------------------------------------------------------------------

const Recipients = z.array(z.object({ emailAddress: z.string().max(400) }).loose()).max(200);
const SesEvent = z
  .object({
    eventType: z.string().max(40).optional(),
    notificationType: z.string().max(40).optional(),
    mail: z.object({ destination: z.array(z.string().max(400)).max(200).optional() }).loose().optional(),
    bounce: z.object({ bounceType: z.string().max(40), bouncedRecipients: Recipients.optional() }).loose().optional(),
    complaint: z.object({ complainedRecipients: Recipients.optional() }).loose().optional(),
  })
  .loose()
  .refine((e) => e.eventType || e.notificationType, 'an SES event names its eventType or notificationType');

export type SesEventOutcome = { status: 'suppressed' | 'ignored'; suppressed: number; unknown: number };

/** "Name <a@b>" or "a@b" -> a@b, lower-cased; undefined when it is not an address. */
function bareAddress(value: string): string | undefined {
  const inner = /<([^<>]+)>\s*$/.exec(value)?.[1] ?? value;
  const parsed = Email.safeParse(inner.trim());
  return parsed.success ? parsed.data : undefined;
}

/**
 * What SES reports about a sent email (docs/rules.md): a permanent bounce or any complaint suppresses
 * the address (email consent revoked with source `ses-bounce` / `ses-complaint`, pending emails
 * cancelled); a transient or undetermined bounce and every other event change nothing.
 * Replays converge: suppressing twice is suppressing once.
 */
export async function handleSesEvent(deps: Pick<SubscriptionDeps, 'store' | 'clock' | 'log'>, raw: unknown): Promise<SesEventOutcome> {
  const parsed = SesEvent.safeParse(raw);
  if (!parsed.success) throw new SesEventError('not an SES event');
  const event = parsed.data;
  const kind = event.eventType ?? event.notificationType;
  const source = kind === 'Complaint' ? 'ses-complaint' : kind === 'Bounce' && event.bounce?.bounceType === 'Permanent' ? 'ses-bounce' : undefined;
  if (!source) return { status: 'ignored', suppressed: 0, unknown: 0 };
  const listed = (source === 'ses-bounce' ? event.bounce?.bouncedRecipients : event.complaint?.complainedRecipients)?.map((r) => r.emailAddress);
  const addresses = [...new Set((listed?.length ? listed : event.mail?.destination ?? []).map(bareAddress).filter((a): a is string => a !== undefined))];
  const now = deps.clock.now();
  let suppressed = 0;
  let unknown = 0;
  for (const address of addresses) {
    const personId = await deps.store.findPersonIdByEmail(address);
    const person = personId ? await deps.store.getPerson(personId) : undefined;
    if (!person) {
      unknown++;
      continue;
    }
    const had = person.consent.email;
    // A complaint outranks an earlier bounce or unsubscribe; the same event again changes nothing.
    if (had && !(had.state === 'revoked' && (had.source === source || had.source === 'ses-complaint'))) {
      const revoked = { ...person, consent: { ...person.consent, email: { ...had, state: 'revoked' as const, source, at: now.toISOString() } } };
      await deps.store.savePerson(revoked);
      await countPersonDetails(deps, revoked, now);
    }
    await deps.store.cancelPendingMessages(person.personId, source === 'ses-bounce' ? 'bounced' : 'complained', now, 'email');
    suppressed++;
    loggerOf(deps).info('email address suppressed', { personId: person.personId, source });
  }
  return { status: suppressed > 0 ? 'suppressed' : 'ignored', suppressed, unknown };
}

/** An SES event we cannot read: a 400 to whoever posted it (functions/http.ts maps DomainErrors). */
export class SesEventError extends DomainError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

// ---- Calendar feed -----------------------------------------------------------------------------------

// The feed, its links and "reset my calendar link" live in ./calendar-feed.ts.
export { calendarFeed } from '../calendar-feed';
