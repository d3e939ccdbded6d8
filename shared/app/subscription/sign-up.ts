/**
 * The anonymous sign-up form (double opt-in): who is created, what an address already with us
 * gets instead, and the caps on the form. An anonymous form never writes to anyone already with
 * us, and whatever happened the page is the same, so the form reveals no address.
 */
import * as z from 'zod';
import { randomUUID } from 'node:crypto';
import { Profile, type Person } from '../../domain/model';
import { ApplicantType, VisaTrack } from '../../domain/sequence';
import { EMAIL_CONSENT_TEXT, SMS_CONSENT_TEXT, alreadySubscribedEmail } from '../../domain/subscription-words';
import { type Logger, loggerOf } from '../../ports';
import { definedOnly } from '../scheduling/enroll';
import { loadLibrary } from '../scheduling/library';
import { replanPerson } from '../scheduling/replan';
import { formBudgets } from '../../domain/public-forms';
import { PersonGone } from '../../domain/errors';
import { WHATSAPP_CONSENT_TEXT } from '../../domain/whatsapp-words';
import { oneWaySmsCountry } from '../../domain/whatsapp';
import { claimNotice, isSuppressed, pending, sendConfirmation } from './consent-requests';
import { type SubscriptionDeps, offersWhatsApp, preferencesUrl } from './deps';
import {
  textableNumber,
  NOT_TEXTABLE,
  NO_WHATSAPP,
  NOT_BOTH,
  optionalField,
  shortText,
  FormEmail,
  FormMobile,
  FormZone,
  FormSeason,
  FormAttempt,
  datesWithinSeason,
  Checked,
  FormCadence,
  dateFields,
  type FieldErrors,
  fieldErrors,
  seasonChoices,
} from './form-fields';
import { setPersonalDates, pickDates } from './personal-dates';

/**
 * WhatsApp proposed first where texts cannot be answered: the form comes back once saying why;
 * sent again as it was, texts are kept (the person may know better).
 */
const oneWayProposal = (country: string) =>
  `From ${country}, replies to our texts cannot reach us, so check-ins, PAUSE and STOP (even the YES that starts texts) may never arrive. Tick WhatsApp instead, or send the form again to keep texts.`;
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
