/**
 * Saving the preference centre: channels on and off (each new yes asked for again), quiet hours
 * only wider, a pause, the profile, dates, tracks and milestones; then everything is re-planned so
 * what is queued matches what the person just chose.
 */
import * as z from 'zod';
import type { Consent, Person } from '../../domain/model';
import { ApplicantType, LocalTime, MILESTONES, Outcome, VisaTrack, type Channel } from '../../domain/sequence';
import { EMAIL_CONSENT_TEXT, SMS_CONSENT_TEXT, milestoneField, OPTIONAL_TRACKS, trackField } from '../../domain/subscription-words';
import { loggerOf } from '../../ports';
import { definedOnly } from '../scheduling/enroll';
import { loadLibrary } from '../scheduling/library';
import { replanPerson, setOutcome } from '../scheduling/replan';
import { countPersonDetails } from '../engagement/engagement-counts';
import { WHATSAPP_CONSENT_TEXT } from '../../domain/whatsapp-words';
import type { CancelReason } from '../../domain/outcome-codes';
import { pending, sendConfirmation, sendSmsOptInRequest, numberBudgetAllows, sendWhatsAppOptInRequest, phoneIsFree } from './consent-requests';
import { type SubscriptionDeps, offersWhatsApp, type InvalidLink, personOf, isInvalid } from './deps';
import {
  textableNumber,
  NOT_TEXTABLE,
  NO_WHATSAPP,
  NOT_BOTH,
  optionalField,
  shortText,
  FormMobile,
  FormZone,
  FormSeason,
  FormAttempt,
  datesWithinSeason,
  Checked,
  FormCadence,
  FormInterviews,
  dateFields,
  type FieldErrors,
  fieldErrors,
  seasonChoices,
} from './form-fields';
import { setPersonalDates, pickDates } from './personal-dates';
import { type PreferencesView, stateOf, viewOf } from './view-preferences';

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
