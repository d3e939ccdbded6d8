/**
 * One member as a counselor gives it (JSON or a mapped CSV row), checked so that nothing in it can
 * run as a spreadsheet formula once exported; what each row comes to, and the summary and
 * duplicate keys an upload (JSON or CSV) reports with.
 */
import { DateTime } from 'luxon';
import * as z from 'zod';
import { E164, Email } from '../../domain/model';
import { IanaZone } from '../../domain/schedule';
import { ApplicantType, VisaTrack } from '../../domain/sequence';

/**
 * Spreadsheet formula injection: a cell starting with one of these runs as a formula when someone
 * opens an export in a spreadsheet. Names and dates never need them; a phone number's leading +
 * is allowed only as a plain number (checked apart, see MemberInput).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const looksLikeFormula = (value: string) => FORMULA_START.test(value);
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

export const plainText = (max: number, what: string) =>
  z
    .string()
    .max(max, `${what} can be at most ${max} characters`)
    .refine((s) => !looksLikeFormula(s), `${what} starts with = + - @ or a tab, like a spreadsheet formula`)
    .refine((s) => !CONTROLS.test(s), `${what} holds control characters`)
    .transform((s) => s.trim())
    .pipe(z.string().min(1, `${what} is empty`));

const MemberDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date like 2027-01-20')
  .refine((s) => {
    const d = DateTime.fromISO(s, { zone: 'utc' });
    return d.isValid && d.year >= 2020 && d.year <= 2100;
  }, 'that date does not exist');

/** One member, as a counselor gives it (a JSON object, or a CSV row after its header is mapped). */
export const MemberInput = z
  .object({
    email: z.string().max(254).refine((s) => !looksLikeFormula(s), 'email starts with = + - @ or a tab, like a spreadsheet formula').transform((s) => s.trim()).pipe(Email).optional(),
    /** E.164, spaces, dashes and brackets allowed: people write numbers that way. */
    phone: z
      .string()
      .max(40)
      .refine((s) => !/^[=\-@\t\r]/.test(s), 'phone starts with = - @ or a tab, like a spreadsheet formula')
      .transform((s) => s.replace(/[\s().-]/g, ''))
      .pipe(E164)
      .optional(),
    /**
     * How the invitation reaches the phone: a text (the default) or WhatsApp (an approved template
     * naming the organisation). WhatsApp only where the organisation has the person's agreement
     * to be contacted on WhatsApp (Meta's rule); nothing more comes until the person says YES.
     */
    phoneChannel: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(['sms', 'whatsapp'], 'phone_channel is sms or whatsapp')).optional(),
    firstName: plainText(60, 'name').optional(),
    timeZone: z.string().max(64).refine((s) => !looksLikeFormula(s), 'time zone starts with = + - @ or a tab, like a spreadsheet formula').pipe(IanaZone),
    visaTrack: VisaTrack.optional(),
    applicantType: ApplicantType.optional(),
    attempt: z.number().int().min(1).max(9).optional(),
    step1_exam: MemberDate.optional(),
    step2_exam: MemberDate.optional(),
    step3_exam: MemberDate.optional(),
    oet_exam: MemberDate.optional(),
    documents_due: MemberDate.optional(),
  })
  .strict()
  .refine((m) => m.email || m.phone, { message: 'give an email address, a phone number, or both' });
export type MemberInput = z.output<typeof MemberInput>;

export type RowOutcome =
  | { status: 'added' | 'updated' | 'unchanged'; personId: string; notes?: string[] }
  | { status: 'rejected'; reason: string };

const rejected = (reason: string): RowOutcome => ({ status: 'rejected', reason });

export interface MembersReport {
  rows: (RowOutcome & { row: number })[];
  summary: Record<RowOutcome['status'], number>;
}

export const summarise = (rows: readonly { status: RowOutcome['status'] }[]): MembersReport['summary'] => {
  const summary = { added: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const row of rows) summary[row.status]++;
  return summary;
};

/** Duplicates inside one upload: the second and later rows naming the same email or phone. */
export function duplicateKeys(input: MemberInput): string[] {
  return [input.email && `email:${input.email}`, input.phone && `phone:${input.phone}`].filter((k): k is string => Boolean(k));
}
