/**
 * The fields the sign-up and preferences forms share: zod schemas that trim and bound what people
 * type, field errors in people's words, which Match years and numbers the forms accept, and what
 * a form echoes back when it returns with a problem. One place so both forms refuse alike.
 */
import * as z from 'zod';
import { currentSeason } from '../../domain/calendar';
import { Email } from '../../domain/model';
import { IanaZone } from '../../domain/schedule';
import type { PersonalDate } from '../../domain/subscription-words';
import { CalendarDate, personalDateProblems } from '../../domain/personal-dates';
import { mayText } from '../../domain/public-forms';
import type { SubscriptionDeps } from './deps';

/** Whether a number's country may get texts from this deployment. */
export const textableNumber = (deps: Pick<SubscriptionDeps, 'smsCountryCodes'>, phone: string) => deps.smsCountryCodes === undefined || mayText(deps.smsCountryCodes, phone);
export const NOT_TEXTABLE = 'We cannot send texts to numbers in that country yet: leave the number out and use email.';
export const NO_WHATSAPP = 'Match Coach is not on WhatsApp yet: untick WhatsApp, and choose texts or email.';
export const NOT_BOTH = 'Choose WhatsApp or texts, not both: the same messages would come twice.';

/** An empty form field means "not given". */
const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
export const optionalField = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());

/** Characters no name or note needs, which would only make trouble on a page or in a calendar. */
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
export const shortText = (max: number, what: string) =>
  z
    .string()
    .transform((s) => s.replace(CONTROLS, ' ').trim())
    .pipe(z.string().min(1).max(max, `${what} can be at most ${max} characters`));

export const FormEmail = z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string({ error: 'Enter your email address.' }).min(1, 'Enter your email address.').pipe(Email));
/** People type numbers with spaces, dashes and brackets; what we keep is E.164. */
export const FormMobile = z
  .string()
  .max(40)
  .transform((s) => s.replace(/[\s().-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'Enter your mobile number with + and your country code, like +91 98123 45678.'));
export const FormZone = z.string({ error: 'Choose your time zone.' }).max(64).pipe(IanaZone);
export const FormSeason = z.string({ error: 'Choose your Match year.' }).regex(/^20\d{2}$/, 'Choose your Match year.').transform(Number);
export const FormAttempt = z.string({ error: 'Choose which application cycle this is.' }).regex(/^[1-9]$/, 'Choose which application cycle this is.').transform(Number);
const FormDate = CalendarDate;
/** The same season range as the plan page, the CLI and imports (shared/domain/personal-dates.ts). */
export const datesWithinSeason = (form: { season: number } & Partial<Record<PersonalDate, string | undefined>>, ctx: z.RefinementCtx) => {
  for (const { name, message } of personalDateProblems(form, form.season)) ctx.addIssue({ code: 'custom', path: [name], message });
};
export const Checked = z.literal('yes');
export const FormCadence = z.enum(['standard', 'light'], { message: 'Choose how many texts you would like.' });
/** Interviews so far, as typed: a whole number, 0 to 80. */
export const FormInterviews = z
  .string()
  .trim()
  .regex(/^\d{1,2}$/, 'Give the number of interviews as a whole number, like 4.')
  .transform(Number)
  .refine((n) => n <= 80, 'Give the number of interviews you have, up to 80.');

export const dateFields = {
  step1_exam: optionalField(FormDate),
  step2_exam: optionalField(FormDate),
  step3_exam: optionalField(FormDate),
  oet_exam: optionalField(FormDate),
  documents_due: optionalField(FormDate),
} satisfies Record<PersonalDate, z.ZodType>;


/** Field name -> the first problem with it, for the page to show beside the field. */
export type FieldErrors = Record<string, string>;

export function fieldErrors(issues: readonly { path: PropertyKey[]; message: string }[]): FieldErrors {
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
