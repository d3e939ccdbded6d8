import * as z from 'zod';
import { STEP_KINDS, type SequenceStep, type StepKind } from './sequence';

/**
 * WhatsApp message templates as data (shared/content/whatsapp-templates.json): what a
 * business-initiated WhatsApp message says outside the customer service window, where free text
 * is not allowed (docs/rules.md, WhatsApp). Each template is written here exactly as it is submitted
 * to Meta for approval; its Content SID (HX...) is configuration, given once Meta approved it
 * (WHATSAPP_TEMPLATES), so a template nobody approved is never sent.
 *
 * Meta's rules checked at load: lowercase names of letters, digits and underscores; placeholders
 * {{1}}..{{n}} in order, one per variable, none at the very start or end; at most 1,024
 * characters with the variables filled in (Twilio error 63021 otherwise).
 */

const TEMPLATE_CATEGORIES = ['utility', 'marketing', 'authentication'] as const;

/** What a template's placeholders are filled with, in order. */
const TEMPLATE_VARIABLES = ['text', 'orgName', 'firstName'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Messages that are not steps of a sequence but still start a conversation. */
const TEMPLATE_PURPOSES = ['opt-in-request', 'invitation', 'announcement'] as const;
export type TemplatePurpose = (typeof TEMPLATE_PURPOSES)[number];

/** Meta's limit on a template's body, placeholders filled in. */
export const TEMPLATE_MAX_CHARACTERS = 1024;

export const WhatsAppTemplate = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'template names are lowercase letters, digits and underscores'),
    category: z.enum(TEMPLATE_CATEGORIES),
    /**
     * Why this category, in Meta's terms: utility is an update the person asked for about
     * something of theirs; anything promotional or merely encouraging is marketing. Meta may
     * recategorise a template; this says what we asked for and why.
     */
    categoryBecause: z.string().min(40),
    language: z.string().regex(/^[a-z]{2}(_[A-Z]{2})?$/),
    /** Which messages use it: steps of these kinds, or one of the purposes. */
    for: z.union([z.object({ kinds: z.array(z.enum(STEP_KINDS)).min(1) }), z.object({ purpose: z.enum(TEMPLATE_PURPOSES) })]),
    variables: z.array(z.enum(TEMPLATE_VARIABLES)).max(3),
    /** The body exactly as submitted, placeholders {{1}}, {{2}} ... */
    text: z.string().min(10).max(TEMPLATE_MAX_CHARACTERS),
  })
  .superRefine((template, ctx) => {
    const placeholders = [...template.text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]);
    const expected = template.variables.map((_, i) => String(i + 1));
    if (JSON.stringify(placeholders) !== JSON.stringify(expected)) {
      ctx.addIssue({ code: 'custom', message: `template "${template.name}" must use {{1}}..{{${expected.length}}} once each, in order, one per variable` });
    }
    const trimmed = template.text.trim();
    if (/^\{\{/.test(trimmed) || /\}\}$/.test(trimmed)) {
      ctx.addIssue({ code: 'custom', message: `template "${template.name}" may not start or end with a placeholder (Meta refuses it)` });
    }
  });
export type WhatsAppTemplate = z.infer<typeof WhatsAppTemplate>;

export const WhatsAppTemplateTable = z
  .object({ templates: z.array(WhatsAppTemplate).min(1) })
  .superRefine((table, ctx) => {
    const names = new Set<string>();
    const kinds = new Set<string>();
    const purposes = new Set<string>();
    for (const template of table.templates) {
      if (names.has(template.name)) ctx.addIssue({ code: 'custom', message: `duplicate template name "${template.name}"` });
      names.add(template.name);
      const claims = 'kinds' in template.for ? template.for.kinds.map((k) => `kind ${k}`) : [`purpose ${template.for.purpose}`];
      for (const claim of claims) {
        const seen = claim.startsWith('kind') ? kinds : purposes;
        if (seen.has(claim)) ctx.addIssue({ code: 'custom', message: `two templates are for ${claim}: each message needs exactly one` });
        seen.add(claim);
      }
    }
  });
export type WhatsAppTemplateTable = z.infer<typeof WhatsAppTemplateTable>;

/** The template a step goes out with when the window is closed, by the step's kind. */
export function templateForStep(table: WhatsAppTemplateTable, step: Pick<SequenceStep, 'kind'>): WhatsAppTemplate | undefined {
  return templateForKind(table, step.kind);
}

export function templateForKind(table: WhatsAppTemplateTable, kind: StepKind): WhatsAppTemplate | undefined {
  return table.templates.find((t) => 'kinds' in t.for && t.for.kinds.includes(kind));
}

export function templateForPurpose(table: WhatsAppTemplateTable, purpose: TemplatePurpose): WhatsAppTemplate | undefined {
  return table.templates.find((t) => 'purpose' in t.for && t.for.purpose === purpose);
}

/**
 * A placeholder's value as WhatsApp accepts it: no line breaks or tabs, never more than four
 * spaces in a row (Meta refuses such parameters), never empty.
 */
export function templateValue(value: string): string {
  const flat = value.replace(/[\t\r\n\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return flat === '' ? '-' : flat;
}

/**
 * The Content API's ContentVariables for a template: {"1": ..., "2": ...}. Throws when a value the
 * template needs is missing, or the filled body would pass Meta's length limit.
 */
export function templateVariables(template: WhatsAppTemplate, values: Partial<Record<TemplateVariable, string>>): Record<string, string> {
  const variables: Record<string, string> = {};
  template.variables.forEach((name, i) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template "${template.name}" needs ${name}`);
    variables[String(i + 1)] = templateValue(value);
  });
  if (Array.from(fillTemplate(template.text, variables)).length > TEMPLATE_MAX_CHARACTERS) {
    throw new Error(`template "${template.name}" would be longer than ${TEMPLATE_MAX_CHARACTERS} characters`);
  }
  return variables;
}

/** The body a person sees: the approved text with its placeholders filled (what Twilio shows). */
export function fillTemplate(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => variables[n] ?? whole);
}

/**
 * The approved Content SIDs, by template name, as configured (`name=HX...` pairs, comma
 * separated). Only these templates are ever sent.
 */
export const ApprovedTemplates = z
  .string()
  .transform((s) => s.split(',').map((pair) => pair.trim()).filter(Boolean))
  .pipe(
    z.array(
      z
        .string()
        .regex(/^[a-z0-9_]{1,512}=HX[0-9a-fA-F]{32}$/, 'each entry is template_name=HX followed by 32 hex digits')
        .transform((pair) => pair.split('=') as [string, string]),
    ),
  )
  .transform((pairs) => new Map(pairs));

/**
 * Every step that may reach someone on WhatsApp outside the window (every step written for
 * texts: all are sent on our schedule, not in answer to the person) and has no template to go
 * with, as `sequence/step`. Must be empty: such a step would be skipped for everyone whose window
 * is closed.
 */
export function stepsWithoutTemplate(
  sequences: Iterable<{ id: string; steps: readonly Pick<SequenceStep, 'id' | 'kind' | 'channels'>[] }>,
  table: WhatsAppTemplateTable,
): string[] {
  const missing: string[] = [];
  for (const sequence of sequences) {
    for (const step of sequence.steps) {
      if (step.channels.includes('sms') && !templateForStep(table, step)) missing.push(`${sequence.id}/${step.id}`);
    }
  }
  return missing;
}
