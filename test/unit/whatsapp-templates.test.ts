import { poolLibrary, sequenceLibrary, whatsappTemplateTable } from '../../shared/content';
import {
  ApprovedTemplates,
  WhatsAppTemplateTable,
  fillTemplate,
  stepsWithoutTemplate,
  templateForKind,
  templateForPurpose,
  templateForStep,
  templateValue,
  templateVariables,
  TEMPLATE_MAX_CHARACTERS,
} from '../../shared/domain/whatsapp-templates';

/**
 * The WhatsApp templates as data: every step that may go outside the 24-hour window has one, each
 * says honestly which category it needs, and each obeys Meta's rules for what may be submitted.
 */

const table = whatsappTemplateTable();

describe('every business-initiated step maps to a template', () => {
  it('has a template for every step written for texts, in every sequence', () => {
    expect(stepsWithoutTemplate(sequenceLibrary().values(), table)).toEqual([]);
  });

  it('names the steps left without one when a template is missing (the check can fail)', () => {
    const withoutCheckins = WhatsAppTemplateTable.parse({ templates: table.templates.filter((t) => !('kinds' in t.for && t.for.kinds.includes('checkin'))) });
    const missing = stepsWithoutTemplate(sequenceLibrary().values(), withoutCheckins);
    expect(missing.length).toBeGreaterThan(0);
    for (const id of missing) {
      const [sequenceId, stepId] = id.split('/') as [string, string];
      expect(sequenceLibrary().get(sequenceId)!.steps.find((s) => s.id === stepId)!.kind).toBe('checkin');
    }
  });

  it('fits every step\'s longest words, pool items and gentle words included, within Meta\'s limit', () => {
    let longest = 0;
    for (const sequence of sequenceLibrary().values()) {
      for (const step of sequence.steps) {
        if (!step.channels.includes('sms')) continue;
        const template = templateForStep(table, step)!;
        const texts = [step.sms?.text, step.gentle?.sms?.text, step.ifDateUncertain?.sms?.text, step.withPlan?.sms?.text];
        for (const pool of [step.pool, step.gentle?.pool]) {
          if (pool) texts.push(...poolLibrary().get(pool.name)!.items.map((item) => item.sms.text));
        }
        for (const text of texts.filter((t): t is string => t !== undefined)) {
          // Slots grow when filled: the longest ones (a helpline, a week's goals) get 300 characters, the rest 80.
          const filled = text.replace(/\{\{\s*([\w:]+)\s*\}\}/g, (_slot, name: string) => 'x'.repeat(/helpline|weekGoals|weekSummary|signals|earlyMatch|usClocks/.test(name) ? 300 : 80));
          const variables = templateVariables(template, { text: filled });
          longest = Math.max(longest, Array.from(fillTemplate(template.text, variables)).length);
        }
      }
    }
    expect(longest).toBeGreaterThan(0);
    expect(longest).toBeLessThanOrEqual(TEMPLATE_MAX_CHARACTERS);
  });
});

describe('categories, honestly', () => {
  it('sends deadline alerts with a utility template', () => {
    expect(templateForKind(table, 'deadline')?.category).toBe('utility');
  });

  it('does not pass coaching off as utility: nudges, check-ins and reflections ask for marketing', () => {
    for (const kind of ['nudge', 'checkin', 'reflection'] as const) expect(templateForKind(table, kind)?.category).toBe('marketing');
  });

  it('has the opt-in request as utility (it answers the person\'s own request) and the invitation as marketing', () => {
    expect(templateForPurpose(table, 'opt-in-request')?.category).toBe('utility');
    const invitation = templateForPurpose(table, 'invitation')!;
    expect(invitation.category).toBe('marketing');
    expect(invitation.variables).toEqual(['orgName']);
  });

  it('gives every template a reason for its category, and a way to stop', () => {
    for (const template of table.templates) {
      expect(template.categoryBecause.length).toBeGreaterThan(40);
      expect(template.text).toMatch(/\bSTOP\b/);
      expect(template.text).toMatch(/Match Coach/);
    }
  });
});

describe("Meta's rules for templates, checked at load", () => {
  const valid = { name: 'x_template', category: 'utility', categoryBecause: 'A reminder the person asked for about something of theirs.', language: 'en', for: { kinds: ['deadline'] }, variables: ['text'], text: 'Reminder: {{1}} Reply STOP to end.' };

  it('accepts a well-formed template', () => {
    expect(WhatsAppTemplateTable.safeParse({ templates: [valid] }).success).toBe(true);
  });

  it.each([
    ['a placeholder at the start', { text: '{{1}} is due. Reply STOP to end.' }],
    ['a placeholder at the end', { text: 'Reminder: {{1}}' }],
    ['placeholders out of order', { variables: ['text', 'orgName'], text: 'Reminder: {{2}} from {{1}}. Reply STOP.' }],
    ['fewer placeholders than variables', { variables: ['text', 'orgName'], text: 'Reminder: {{1}} Reply STOP.' }],
    ['an upper-case name', { name: 'Deadline' }],
    ['an unknown category', { category: 'service' }],
  ])('refuses %s', (_what, change) => {
    expect(WhatsAppTemplateTable.safeParse({ templates: [{ ...valid, ...change }] }).success).toBe(false);
  });

  it('refuses two templates for the same kind of step', () => {
    expect(WhatsAppTemplateTable.safeParse({ templates: [valid, { ...valid, name: 'y_template' }] }).success).toBe(false);
  });

  it('fills placeholders with values WhatsApp accepts: no line breaks, tabs or runs of spaces', () => {
    expect(templateValue('Line one\nline two\t\tand     more')).toBe('Line one line two and more');
    expect(templateValue('   ')).toBe('-');
    const template = templateForKind(table, 'deadline')!;
    expect(() => templateVariables(template, {})).toThrow(/needs text/);
    expect(() => templateVariables(template, { text: 'y'.repeat(TEMPLATE_MAX_CHARACTERS) })).toThrow(/longer than/);
  });
});

describe('approved Content SIDs from configuration', () => {
  it('reads name=HX pairs', () => {
    const sid = `HX${'a'.repeat(32)}`;
    expect(ApprovedTemplates.parse(`deadline_alert=${sid}, coaching_nudge=HX${'b'.repeat(32)}`)).toEqual(
      new Map([
        ['deadline_alert', sid],
        ['coaching_nudge', `HX${'b'.repeat(32)}`],
      ]),
    );
    expect(ApprovedTemplates.parse('')).toEqual(new Map());
  });

  it('refuses anything that is not a Content SID', () => {
    expect(ApprovedTemplates.safeParse('deadline_alert=MG0123').success).toBe(false);
    expect(ApprovedTemplates.safeParse('deadline_alert').success).toBe(false);
  });
});
