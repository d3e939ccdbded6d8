import type { Consent, Message } from '../../domain/model';
import { PersonGone } from '../../domain/errors';
import { whatsappRefusal, type WhatsAppReason } from '../../domain/whatsapp';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import { findStep } from '../../domain/render';
import { consentFor } from './consent-check';
import type { Library } from '../scheduling/planning';

export interface WhatsAppRefusalDeps {
  store: Store;
  clock: Clock;
  log?: Logger;
  /** Which steps also went by email (their words reached the person's email lane already). */
  library: Pick<Library, 'sequences'>;
}

export interface WhatsAppRefusalResult {
  outcome: 'ignored' | 'handled';
  reason?: WhatsAppReason;
  /** Where this message's words go instead: by email, as a template on WhatsApp, or nowhere. */
  fallback?: 'email' | 'whatsapp-template' | 'none';
}

/**
 * WhatsApp refused one of our WhatsApp messages (Twilio error 63016, 63003 or 63024, on its status
 * callback or on the create). Nothing is lost and nothing goes twice:
 * 1. Outside the window (63016): our record of the window was wrong, so it is recorded closed and
 *    the next messages go as templates.
 * 2. A number WhatsApp will not reach (63003, 63024): WhatsApp consent is revoked (source
 *    `whatsapp-unreachable`) and every WhatsApp message still to go is withdrawn.
 * 3. The refused message's words go again, once (a deterministic message id, created once): by
 *    email when the person has it confirmed and the step did not go by email already (for an
 *    unreachable number the email always goes: it asks them to choose how they want their
 *    messages); else, after a 63016, on WhatsApp again, where the closed window makes it a template.
 * A message that was itself such a second try, an invitation, or not a WhatsApp message is left
 * as it is. Callbacks repeat: every step converges (a revoked consent stays as it is, the second
 * message exists already).
 */
export async function handleWhatsAppRefusal(
  deps: WhatsAppRefusalDeps,
  input: { personId: string; messageId: string; errorCode: number | undefined },
): Promise<WhatsAppRefusalResult> {
  const refusal = whatsappRefusal(input.errorCode);
  if (!refusal) return { outcome: 'ignored' };
  const log = loggerOf(deps);
  const message = await deps.store.getMessage(input.personId, input.messageId);
  if (!message || message.channel !== 'whatsapp') return { outcome: 'ignored' };
  const now = deps.clock.now();
  try {
    if (refusal.behaviour === 'window') await deps.store.noteWindowClosed(message.personId, now);
    else await stopWhatsApp(deps.store, message.personId, now);
    const fallback = message.fallback || message.invitation ? 'none' : await queueFallback(deps, message, refusal.reason, refusal.behaviour, now);
    log.info('whatsapp refusal handled', { personId: message.personId, messageId: message.messageId, reason: refusal.reason, fallback });
    return { outcome: 'handled', reason: refusal.reason, fallback };
  } catch (error) {
    // Erased meanwhile: nothing of theirs is written again, and nothing more is sent.
    if (error instanceof PersonGone) return { outcome: 'ignored' };
    throw error;
  }
}

async function stopWhatsApp(store: Store, personId: string, now: Date): Promise<void> {
  const person = await store.getPerson(personId);
  const had = person?.consent.whatsapp;
  if (person && had && had.state !== 'revoked') {
    const whatsapp: Consent = { ...had, state: 'revoked', source: 'whatsapp-unreachable', at: now.toISOString() };
    await store.savePerson({ ...person, consent: { ...person.consent, whatsapp } });
  }
  await store.cancelPendingMessages(personId, 'whatsapp_unreachable', now, 'whatsapp');
}

async function queueFallback(
  deps: WhatsAppRefusalDeps,
  message: Message,
  reason: WhatsAppReason,
  behaviour: 'window' | 'unreachable',
  now: Date,
): Promise<'email' | 'whatsapp-template' | 'none'> {
  const person = await deps.store.getPerson(message.personId);
  if (!person) throw new PersonGone();
  const sequence = deps.library.sequences.get(message.sequenceId);
  const wentByEmail = (sequence && findStep(sequence, message.stepId))?.channels.includes('email') === true;
  const emailOn = person.email !== undefined && person.consent.email?.state === 'confirmed';
  const at = now.toISOString();
  const again = (channel: 'email' | 'whatsapp', to: string): Message => {
    const { lease: _lease, providerId: _providerId, reason: _reason, delivery: _delivery, ...kept } = message;
    return {
      ...kept,
      messageId: `${message.messageId}.fallback.${channel}`,
      channel,
      to,
      fallback: { of: message.messageId, reason },
      status: 'planned',
      // Now: a person waits for nothing, and the deadline (if any) still guards it.
      sendAt: at,
      dueAt: at,
      attempts: [],
      updatedAt: at,
    };
  };
  // The email lane carried this step already: the person has its words.
  if (behaviour === 'window' && wentByEmail && emailOn) return 'none';
  if (emailOn) {
    await deps.store.createMessage(again('email', person.email!));
    return 'email';
  }
  if (behaviour === 'window' && consentFor(person, message, 'confirmed')) {
    await deps.store.createMessage(again('whatsapp', message.to));
    return 'whatsapp-template';
  }
  return 'none';
}
