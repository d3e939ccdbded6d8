/**
 * Sending one WhatsApp message (docs/rules.md, WhatsApp): free text while the person's 24-hour
 * window is open, else an approved template; never free text outside the window.
 */
import type { Message } from '../../domain/model';
import { marketingBlockedFor, whatsappRefusal, windowOpen, WHATSAPP_REASONS, type ConversationWindow } from '../../domain/whatsapp';
import { fillTemplate, templateForPurpose, templateVariables, type TemplateVariable, type WhatsAppTemplate } from '../../domain/whatsapp-templates';
import type { WhatsAppMessage } from '../../ports';
import { handleWhatsAppRefusal } from './whatsapp-refusals';
import type { DispatchContext, Tick } from './context';
import { renderFailure, skip, type Outcome } from './outcome';
import { sendText, type TextSend } from './send-text';

/** What a WhatsApp message may say: its free text, and the template (with its values) for outside the window. */
export interface WhatsAppWords {
  text: string;
  template: WhatsAppTemplate | undefined;
  values: Partial<Record<TemplateVariable, string>>;
}

/**
 * A message for a purpose rather than a coaching step (an invitation, an announcement): the
 * purpose's approved template outside the window; inside it, the same words as free text.
 */
export async function sendPurposeTemplate(
  ctx: DispatchContext,
  tick: Tick,
  message: Message,
  purpose: 'invitation' | 'announcement',
  values: Partial<Record<TemplateVariable, string>>,
  urgent: boolean,
  deadline: Date | undefined,
): Promise<Outcome> {
  const whatsapp = ctx.settings.whatsapp;
  const template = whatsapp && templateForPurpose(whatsapp.templates, purpose);
  if (!template) return skip(WHATSAPP_REASONS.noTemplate);
  let text: string;
  try {
    text = fillTemplate(template.text, templateVariables(template, values));
  } catch (error) {
    return renderFailure(error);
  }
  return sendWhatsApp(ctx, tick, message, { text, template, values }, urgent, deadline);
}

/**
 * One WhatsApp message: free text while the person's 24-hour window is open, else the approved
 * template. A step with no template, a template Meta has not approved, or a marketing template to
 * a +1 number is skipped with its reason, never sent as free text outside the window. The window
 * is read once, before the wait for a send slot, and checked again against the time it really goes.
 */
export async function sendWhatsApp(ctx: DispatchContext, tick: Tick, message: Message, words: WhatsAppWords, urgent: boolean, deadline: Date | undefined): Promise<Outcome> {
  const { deps, log } = ctx;
  const whatsapp = deps.whatsapp;
  if (!whatsapp || !ctx.settings.whatsapp) return skip(WHATSAPP_REASONS.notConfigured);
  const window = await deps.store.getWindow(message.personId);
  const planned = whatsappContent(ctx, message, words, window, deps.clock.now());
  if (!('content' in planned)) return planned;
  const send: TextSend = async (sentAt, extras) => {
    // The wait for a slot may have run past the window's end: then it goes as the template.
    const chosen = planned.content.kind === 'text' && !windowOpen(window, sentAt) ? whatsappContent(ctx, message, words, window, sentAt) : planned;
    if (!('content' in chosen)) return chosen;
    const result = await whatsapp.send({ to: message.to, messageId: message.messageId, content: chosen.content, ...extras });
    const errorCode = result.status === 'failed' && !result.retryable ? result.whatsappErrorCode : undefined;
    const refusal = whatsappRefusal(errorCode);
    if (!refusal) return result;
    // WhatsApp said no on the create itself: the same handling as when it says so on the callback.
    await handleWhatsAppRefusal({ store: deps.store, clock: deps.clock, log, library: tick.library }, { personId: message.personId, messageId: message.messageId, errorCode });
    return { kind: 'failed', code: refusal.reason, reason: refusal.reason };
  };
  return sendText(ctx, tick, { message, channel: 'whatsapp', urgent, deadline, send });
}

/** What a WhatsApp message carries at `at`: free text inside the window, the approved template outside it. */
function whatsappContent(
  ctx: DispatchContext,
  message: Message,
  words: WhatsAppWords,
  window: ConversationWindow | undefined,
  at: Date,
): { content: WhatsAppMessage['content'] } | Extract<Outcome, { kind: 'skipped' | 'failed' }> {
  if (windowOpen(window, at)) return { content: { kind: 'text', body: words.text } };
  const template = words.template;
  if (!template) return skip(WHATSAPP_REASONS.noTemplate);
  const contentSid = ctx.settings.whatsapp?.approved.get(template.name);
  if (!contentSid) return skip(WHATSAPP_REASONS.templateNotApproved);
  if (template.category === 'marketing' && marketingBlockedFor(message.to)) return skip(WHATSAPP_REASONS.marketingToUs);
  try {
    return { content: { kind: 'template', contentSid, variables: templateVariables(template, words.values) } };
  } catch (error) {
    return renderFailure(error);
  }
}
