import * as z from 'zod';
import { smsSegments } from './template';

/**
 * Where someone can reach a person right now, by country: a crisis line and the emergency number,
 * chosen from a table of verified entries (shared/content/crisis-lines.json, validated here at
 * load). Pure: the table is passed in.
 *
 * Choice, in order:
 * 1. the phone number's calling code (+91 India, +234 Nigeria ...); +1 is shared by the US and
 *    Canada, so there the time zone breaks the tie, and a +1 number in neither country's zones is
 *    read as the US (by far the most +1 numbers; 988 and 911 also answer in Canada);
 * 2. else the person's IANA time zone (someone without a phone, or with a number from a country
 *    the table does not hold, is most likely where their clock is);
 * 3. else the international directory, with "your local emergency number".
 * A country whose crisis line we could not verify keeps its emergency number and says why in its
 * entry; the replies then point to the directory for someone to talk to. Never a guessed number.
 */

const IsoDate = z.iso.date('expected the date it was checked, as YYYY-MM-DD');

/** What someone reads in a text: plain GSM-7, so a safety reply never doubles its cost. */
const SmsWords = z
  .string()
  .min(3)
  .max(60)
  .refine((text) => smsSegments(text).encoding === 'GSM-7', 'must be plain GSM-7 (no curly quotes, accents outside GSM-7 or emoji)');

const CrisisSource = z.object({
  url: z.url({ protocol: /^https?$/, error: 'expected the http(s) address of the source' }),
  /** `official`: the service or a government says it; `secondary`: news or a directory reports it. */
  kind: z.enum(['official', 'secondary', 'directory']),
  checked: IsoDate,
});

const Sources = z.array(CrisisSource).min(1, 'every number needs at least one source');

const CrisisLine = z.object({
  name: z.string().min(2).max(80),
  /** The words a reply uses after "Please" ("call Samaritans free on 116 123"). */
  say: SmsWords,
  sources: Sources,
});

const CrisisCountry = z
  .object({
    /** ISO 3166-1 alpha-2. */
    country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO country code such as IN'),
    name: z.string().min(2).max(40),
    /** E.164 country calling code, without the plus. */
    callingCode: z.string().regex(/^[1-9]\d{0,2}$/, 'expected a calling code such as 91'),
    zones: z.array(z.string().min(2).max(64)).min(1),
    /** Null when no line could be verified: `note` then says what was found and why it is not used. */
    crisisLine: CrisisLine.nullable(),
    textLine: CrisisLine.optional(),
    emergency: z.object({
      number: z.string().regex(/^\d{3,4}$/, 'expected a short emergency number such as 112'),
      sources: Sources,
      note: z.string().max(300).optional(),
    }),
    note: z.string().max(600).optional(),
  })
  .refine((c) => c.crisisLine !== null || (c.note?.length ?? 0) > 20, {
    message: 'an entry without a crisis line must say in its note what was found and why it is not used',
    path: ['note'],
  });

export const CrisisLineTable = z
  .object({
    description: z.string().min(1),
    directory: z.object({ name: z.string().min(2), say: SmsWords, sources: Sources }),
    countries: z.array(CrisisCountry).min(1),
  })
  .superRefine((table, ctx) => {
    const seen = new Set<string>();
    const zoneOwner = new Map<string, string>();
    table.countries.forEach((c, i) => {
      if (seen.has(c.country)) ctx.addIssue({ code: 'custom', message: `${c.country} appears twice`, path: ['countries', i, 'country'] });
      seen.add(c.country);
      for (const zone of c.zones) {
        const owner = zoneOwner.get(zone);
        if (owner) ctx.addIssue({ code: 'custom', message: `${zone} is listed for both ${owner} and ${c.country}`, path: ['countries', i, 'zones'] });
        zoneOwner.set(zone, c.country);
      }
    });
  });
export type CrisisLineTable = z.infer<typeof CrisisLineTable>;
type CrisisCountry = z.infer<typeof CrisisCountry>;

/** What a reply needs: words only, already chosen for this person. */
export interface CrisisResources {
  /** ISO code of the entry used; absent when the directory is used. */
  country?: string;
  /** How it was chosen, for tests and logs (never the number itself). */
  via: 'phone' | 'zone' | 'directory';
  /** Someone to talk to: the verified crisis line, else the directory. */
  talk: string;
  /** A second way in, by text (the US Crisis Text Line). */
  text?: string;
  /** The emergency number, or "your local emergency number". */
  emergency: string;
}

/** Digits of an E.164 number, from "+91..." or Twilio's "whatsapp:+91..."; undefined otherwise. */
function callingDigits(phone: string | undefined): string | undefined {
  const match = /^(?:whatsapp:)?\+([1-9]\d{6,14})$/.exec(phone?.trim() ?? '');
  return match?.[1];
}

function byPhone(table: CrisisLineTable, phone: string | undefined, zone: string | undefined): CrisisCountry | undefined {
  const digits = callingDigits(phone);
  if (!digits) return undefined;
  const candidates = table.countries.filter((c) => digits.startsWith(c.callingCode));
  const longest = Math.max(0, ...candidates.map((c) => c.callingCode.length));
  const sharing = candidates.filter((c) => c.callingCode.length === longest);
  return sharing.find((c) => zone !== undefined && c.zones.includes(zone)) ?? sharing[0];
}

export function crisisResourcesFor(table: CrisisLineTable, who: { phone?: string; zone?: string }): CrisisResources {
  const fromPhone = byPhone(table, who.phone, who.zone);
  const entry = fromPhone ?? table.countries.find((c) => who.zone !== undefined && c.zones.includes(who.zone));
  if (!entry) return { via: 'directory', talk: table.directory.say, emergency: 'your local emergency number' };
  return {
    country: entry.country,
    via: fromPhone ? 'phone' : 'zone',
    talk: entry.crisisLine?.say ?? table.directory.say,
    ...(entry.crisisLine && entry.textLine ? { text: entry.textLine.say } : {}),
    emergency: entry.emergency.number,
  };
}
