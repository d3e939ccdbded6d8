import type { StepWords } from './eligibility';
import type { Message } from './model';
import type { Sequence, SequenceStep } from './sequence';
import { gsm7Text, renderTemplate, smsFirstName, type TemplateContext } from './template';
import { escapeHtml } from './html';

/**
 * Turns a planned message and its step into the words that go out. Email gets a text part and a
 * plain, accessible HTML part with the footer CAN-SPAM asks for; SMS gets the body alone.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface EmailFooter {
  postalAddress: string;
  /** Where the person manages or stops these emails. */
  preferencesUrl?: string;
}

/** Template slots for a message; `anchors` must include the season dates (see planning). */
export function contextFor(
  message: Pick<Message, 'firstName' | 'zone' | 'sendAt' | 'deadlineAt' | 'title'>,
  anchors: Record<string, string>,
): TemplateContext {
  return {
    title: message.title,
    firstName: message.firstName,
    zone: message.zone,
    sendAt: new Date(message.sendAt),
    deadlineAt: message.deadlineAt ? new Date(message.deadlineAt) : undefined,
    anchors,
  };
}

/**
 * What people typed goes into a text as GSM-7 only (an emoji in a name would make every text of
 * theirs UCS-2, two or three segments instead of one); the same words in an email stay as typed.
 */
export function renderSms(words: StepWords, ctx: TemplateContext): string {
  if (!words.sms) throw new Error('this step has no SMS text');
  const title = ctx.title === undefined ? undefined : gsm7Text(ctx.title) || undefined;
  const weekGoals = ctx.weekGoals === undefined ? undefined : gsm7Text(ctx.weekGoals);
  return renderTemplate(words.sms.text, { ...ctx, firstName: smsFirstName(ctx.firstName), title, weekGoals });
}

export function renderEmail(words: StepWords, ctx: TemplateContext, footer: EmailFooter): RenderedEmail {
  if (!words.email) throw new Error('this step has no email content');
  const subject = renderTemplate(words.email.subject, ctx);
  const body = renderTemplate(words.email.text, ctx);
  const footerLines = [
    'You get this because you signed up for Match Coach, coaching for the residency Match.',
    footer.preferencesUrl ? `Change what you get or unsubscribe: ${footer.preferencesUrl}` : undefined,
    footer.postalAddress,
  ].filter((l): l is string => Boolean(l));
  const text = `${body}\n\n--\n${footerLines.join('\n')}\n`;
  const paragraphs = body
    .split(/\n{2,}/)
    .map((p) => `<p style="margin:0 0 1em">${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  const footerHtml = [
    'You get this because you signed up for Match Coach, coaching for the residency Match.',
    footer.preferencesUrl
      ? `<a href="${escapeHtml(footer.preferencesUrl)}">Change what you get or unsubscribe</a>`
      : undefined,
    escapeHtml(footer.postalAddress),
  ]
    .filter(Boolean)
    .join('<br>');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;background:#ffffff">
<main style="max-width:560px;margin:0 auto;overflow-wrap:anywhere">
${paragraphs}
<hr style="border:none;border-top:1px solid #d9e2ec;margin:24px 0">
<p style="font-size:13px;color:#52606d">${footerHtml}</p>
</main>
</body></html>`;
  return { subject, text, html };
}

export function findStep(sequence: Sequence, stepId: string): SequenceStep | undefined {
  return sequence.steps.find((s) => s.id === stepId);
}
