import { ShippedCalendarData, type CalendarData } from '../domain/calendar';
import { CrisisLineTable } from '../domain/crisis-lines';
import crisisLinesJson from './crisis-lines.json';
import whatsappTemplatesJson from './whatsapp-templates.json';
import { WhatsAppTemplateTable } from '../domain/whatsapp-templates';
import { ContentPool, Sequence } from '../domain/sequence';
import calendarJson from './calendar.json';
import personasJson from './personas.json';
import specialtiesJson from './specialties.json';
import essentialsJson from './essentials.json';
import { EssentialsTable } from '../domain/catch-up';
import { SpecialtyTable } from '../domain/specialty';
import { Persona } from './persona';
import gentleCare from './pools/gentle-care.json';
import interviewPractice from './pools/interview-practice.json';
import recoveryCheckin from './pools/recovery-checkin.json';
import weeklyCheckin from './pools/weekly-checkin.json';
import reflectionQuestions from './pools/reflection-questions.json';
import selfCarePool from './pools/self-care.json';
import gettingStarted from './sequences/getting-started.json';
import interviewSeason from './sequences/interview-season.json';
import matchWeek from './sequences/match-week.json';
import matchedTransition from './sequences/matched-transition.json';
import personalPlan from './sequences/personal-plan.json';
import planDeadlines from './sequences/plan-deadlines.json';
import preSeason from './sequences/pre-season.json';
import seasonDeadlines from './sequences/season-deadlines.json';
import selfCare from './sequences/self-care.json';
import unmatchedRecovery from './sequences/unmatched-recovery.json';
import weeklyReflection from './sequences/weekly-reflection.json';
import welcome from './sequences/welcome.json';
import keepInTouch from './sequences/keep-in-touch.json';

/**
 * The coaching library, loaded and validated once. A malformed sequence or calendar file fails
 * here, at start-up and in the tests, with the zod message naming the bad field.
 */

// Static imports, so the Lambda bundle carries the library (esbuild inlines JSON).
const SEQUENCE_FILES: Record<string, unknown> = {
  'getting-started.json': gettingStarted,
  'season-deadlines.json': seasonDeadlines,
  'personal-plan.json': personalPlan,
  'weekly-reflection.json': weeklyReflection,
  'self-care.json': selfCare,
  'interview-season.json': interviewSeason,
  'match-week.json': matchWeek,
  'unmatched-recovery.json': unmatchedRecovery,
  'matched-transition.json': matchedTransition,
  'plan-deadlines.json': planDeadlines,
  'pre-season.json': preSeason,
  'welcome.json': welcome,
  'keep-in-touch.json': keepInTouch,
};

const POOL_FILES: Record<string, unknown> = {
  'reflection-questions.json': reflectionQuestions,
  'self-care.json': selfCarePool,
  'gentle-care.json': gentleCare,
  'weekly-checkin.json': weeklyCheckin,
  'interview-practice.json': interviewPractice,
  'recovery-checkin.json': recoveryCheckin,
};

export class ContentError extends Error {}

export function parsePools(files: Record<string, unknown>): Map<string, ContentPool> {
  const pools = new Map<string, ContentPool>();
  for (const [file, json] of Object.entries(files)) {
    const parsed = ContentPool.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ContentError(`pool file ${file} is invalid: ${problems}`);
    }
    pools.set(parsed.data.id, parsed.data);
  }
  return pools;
}

/** Every pool a sequence names must exist: checked once, at load. */
function checkPoolReferences(sequences: Map<string, Sequence>, pools: Map<string, ContentPool>): void {
  for (const sequence of sequences.values()) {
    for (const step of sequence.steps) {
      for (const ref of [step.pool, step.gentle?.pool]) {
        if (ref && !pools.has(ref.name)) throw new ContentError(`sequence ${sequence.id} step ${step.id} uses unknown pool "${ref.name}"`);
      }
    }
  }
}

export function parseSequences(files: Record<string, unknown>): Map<string, Sequence> {
  const library = new Map<string, Sequence>();
  for (const [file, json] of Object.entries(files)) {
    const parsed = Sequence.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ContentError(`sequence file ${file} is invalid: ${problems}`);
    }
    if (library.has(parsed.data.id)) throw new ContentError(`sequence id ${parsed.data.id} appears twice`);
    library.set(parsed.data.id, parsed.data);
  }
  return library;
}

let sequences: Map<string, Sequence> | undefined;
let pools: Map<string, ContentPool> | undefined;
export function sequenceLibrary(): Map<string, Sequence> {
  if (!sequences) {
    const parsed = parseSequences(SEQUENCE_FILES);
    checkPoolReferences(parsed, poolLibrary());
    sequences = parsed;
  }
  return sequences;
}

export function poolLibrary(): Map<string, ContentPool> {
  pools ??= parsePools(POOL_FILES);
  return pools;
}

let calendar: CalendarData | undefined;
export function calendarData(): CalendarData {
  if (!calendar) {
    const parsed = ShippedCalendarData.safeParse(calendarJson);
    if (!parsed.success) throw new ContentError(`calendar.json is invalid: ${parsed.error.message}`);
    calendar = parsed.data;
  }
  return calendar;
}

let personas: Persona[] | undefined;
/** Example applicants used by previews, the season document and the walk-through tests. */
export function personaLibrary(): Persona[] {
  if (!personas) {
    const parsed = Persona.array().safeParse((personasJson as { personas: unknown }).personas);
    if (!parsed.success) throw new ContentError(`personas.json is invalid: ${parsed.error.message}`);
    personas = parsed.data;
  }
  return personas;
}

let specialties: SpecialtyTable | undefined;
/** Application service, program signals and early matches per specialty, each fact with its source. */
export function specialtyTable(): SpecialtyTable {
  if (!specialties) {
    const parsed = SpecialtyTable.safeParse(specialtiesJson);
    if (!parsed.success) throw new ContentError(`specialties.json is invalid: ${parsed.error.message}`);
    specialties = parsed.data;
  }
  return specialties;
}

let essentials: EssentialsTable | undefined;
/** The essentials of each phase of a season, for the welcome's catch-up (shared/domain/catch-up.ts). */
export function essentialsTable(): EssentialsTable {
  if (!essentials) {
    const parsed = EssentialsTable.safeParse(essentialsJson);
    if (!parsed.success) throw new ContentError(`essentials.json is invalid: ${parsed.error.message}`);
    essentials = parsed.data;
  }
  return essentials;
}

let crisisLines: CrisisLineTable | undefined;
/** Crisis lines and emergency numbers by country, each with its sources (shared/domain/crisis-lines.ts). */
export function crisisLineTable(): CrisisLineTable {
  if (!crisisLines) {
    const parsed = CrisisLineTable.safeParse(crisisLinesJson);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ContentError(`crisis-lines.json is invalid: ${problems}`);
    }
    crisisLines = parsed.data;
  }
  return crisisLines;
}

let templates: WhatsAppTemplateTable | undefined;
/** The WhatsApp templates as submitted to Meta (shared/domain/whatsapp-templates.ts). */
export function whatsappTemplateTable(): WhatsAppTemplateTable {
  if (!templates) {
    const parsed = WhatsAppTemplateTable.safeParse(whatsappTemplatesJson);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ContentError(`whatsapp-templates.json is invalid: ${problems}`);
    }
    templates = parsed.data;
  }
  return templates;
}
