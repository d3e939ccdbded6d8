import * as z from 'zod';

/**
 * Specialties as the coaching needs them: which application service a specialty uses (ERAS, or
 * ResidencyCAS for OB/GYN and emergency medicine), how many program signals it allows, and
 * whether it runs an early match outside NRMP's main calendar. The facts are data
 * (shared/content/specialties.json), each with its source, season and the day it was checked.
 * A person names their specialty in their own words; `specialtyOf` recognises it or leaves it
 * unknown, and unknown means the ERAS path with general words.
 */

const APPLICATION_SYSTEMS = ['eras', 'residencycas'] as const;
export const ApplicationSystem = z.enum(APPLICATION_SYSTEMS);
export type ApplicationSystem = z.infer<typeof ApplicationSystem>;

export const SourcedFact = z.object({
  /** What the source is, in words a reader can find again. */
  source: z.string().min(3),
  url: z.url().optional(),
  /** The day someone last checked the fact against its source. */
  checked: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2026-12-07'),
});
export type SourcedFact = z.infer<typeof SourcedFact>;

export const Specialty = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/),
  /** As it reads in a sentence: "internal medicine". */
  name: z.string().min(2).max(40),
  /** Ways people write it, compared after lower-casing and dropping punctuation. */
  aliases: z.array(z.string().min(2).max(60)).min(1),
  applicationSystem: ApplicationSystem,
  /** The signal allowance in the season named, as short words for a message: "3 gold and 12 silver". */
  signals: SourcedFact.extend({ count: z.string().min(1).max(30), season: z.number().int().min(2024).max(2100) }).optional(),
  /** A match of its own, outside NRMP's main calendar, in a few words. */
  earlyMatch: SourcedFact.extend({ name: z.string().min(2).max(40) }).optional(),
  /** Where the application system is not ERAS: the source that says so. */
  applicationSource: SourcedFact.optional(),
});
export type Specialty = z.infer<typeof Specialty>;

export const SpecialtyTable = z
  .object({ specialties: z.array(Specialty).min(1) })
  .superRefine((table, ctx) => {
    const seen = new Map<string, string>();
    for (const s of table.specialties) {
      if (s.applicationSystem !== 'eras' && !s.applicationSource) {
        ctx.addIssue({ code: 'custom', message: `${s.id}: an application system other than ERAS needs its source` });
      }
      for (const alias of [s.name, ...s.aliases].map(normalise)) {
        const other = seen.get(alias);
        if (other && other !== s.id) ctx.addIssue({ code: 'custom', message: `"${alias}" names both ${other} and ${s.id}` });
        seen.set(alias, s.id);
      }
    }
  });
export type SpecialtyTable = z.infer<typeof SpecialtyTable>;

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The specialty a person's own words name, if we recognise it; "internal medicine or FM" is not one. */
export function specialtyOf(words: string | undefined, table: SpecialtyTable): Specialty | undefined {
  if (!words) return undefined;
  const wanted = normalise(words);
  return table.specialties.find((s) => [s.name, ...s.aliases].some((alias) => normalise(alias) === wanted));
}

/** The profile fields a recognised specialty sets; nothing for an unknown one (the ERAS path). */
export function specialtyProfile(words: string | undefined, table: SpecialtyTable | undefined): { specialty?: string; applicationSystem?: ApplicationSystem } {
  const specialty = table && specialtyOf(words, table);
  return specialty ? { specialty: specialty.id, applicationSystem: specialty.applicationSystem } : {};
}

/** What a message may say about the person's specialty: its name and signal allowance. */
export function specialtyWords(id: string | undefined, table: SpecialtyTable | undefined): { name: string; signals?: string; earlyMatch?: string } | undefined {
  const specialty = id ? table?.specialties.find((s) => s.id === id) : undefined;
  if (!specialty) return undefined;
  const signals = specialty.signals;
  return {
    name: specialty.name,
    ...(signals ? { signals: `${signals.count} (AAMC's table for the ${signals.season} season)` } : {}),
    ...(specialty.earlyMatch ? { earlyMatch: specialty.earlyMatch.name } : {}),
  };
}
