import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * The limits on anonymous forms (sign-up) that keep them from being used to pump texts or mail:
 * per client address, per phone-number prefix and overall, each over an hour. Kept as counters in
 * the table, so every Lambda shares them. Which countries' numbers may be texted is configuration.
 */

export interface FormBudget {
  /** Opaque: never an address or a number (the client's address is hashed, a number cut to a prefix). */
  key: string;
  limit: number;
  windowSeconds: number;
}

export interface PublicFormLimits {
  perClientPerHour: number;
  perNumberPrefixPerHour: number;
  overallPerHour: number;
}

const HOUR = 3600;

/**
 * The budgets one form post takes from. A number counts against its prefix (the country code and
 * the next digits), which is how pumping schemes show: many made-up numbers in one range.
 */
export function formBudgets(limits: PublicFormLimits, client: { address: string; salt: string }, mobile: string | undefined): FormBudget[] {
  const clientKey = createHash('sha256').update(`${client.salt}\n${client.address}`).digest('hex').slice(0, 24);
  // Narrowest first: a post refused for its own client (or number range) uses up nothing of the
  // wider budgets, so one flooding address cannot close the form for everyone else.
  return [
    { key: `client:${clientKey}`, limit: limits.perClientPerHour, windowSeconds: HOUR },
    ...(mobile ? [{ key: `prefix:${numberPrefix(mobile)}`, limit: limits.perNumberPrefixPerHour, windowSeconds: HOUR }] : []),
    { key: 'all', limit: limits.overallPerHour, windowSeconds: HOUR },
  ];
}

/** `+` and the first six digits: a country code and the start of a range, never a whole number. */
const numberPrefix = (e164: string) => e164.slice(0, 7);

/**
 * Calling codes whose numbers may get texts (`1`, `91`, `234` ...), or every country with `*`.
 * Parsed from configuration: a comma-separated list.
 */
export const SmsCountryCodes = z
  .string()
  .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^(\*|[1-9]\d{0,3})$/, 'a calling code such as 1, 44 or 234, or *')).min(1));

export const mayText = (codes: readonly string[], e164: string) => codes.includes('*') || codes.some((code) => e164.startsWith(`+${code}`));
