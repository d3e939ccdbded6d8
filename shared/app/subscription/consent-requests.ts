/**
 * The messages that ask for a yes: the confirmation email, the one text asking for YES and the
 * WhatsApp opt-in template, each at most once per gap per person (claimNotice), so a form sent
 * again and again cannot flood an address or a number. Also what decides whether a number may be
 * taken (caps per client and range, nobody else holding it) and what an SES suppression means.
 */
import type { Consent, Person } from '../../domain/model';
import { smsOptInRequest, confirmationEmail } from '../../domain/subscription-words';
import { TOKEN_LIFETIME_SECONDS } from '../../domain/tokens';
import { loggerOf } from '../../ports';
import { definedOnly } from '../scheduling/enroll';
import { formBudgets } from '../../domain/public-forms';
import { templateForPurpose } from '../../domain/whatsapp-templates';
import { type SubscriptionDeps, confirmUrl } from './deps';

const NOTICE_GAP_MS = { 'confirm-email': 10 * 60_000, 'sms-optin': 10 * 60_000, 'whatsapp-optin': 10 * 60_000, 'already-subscribed': 24 * 3_600_000 } as const;
type Notice = keyof typeof NOTICE_GAP_MS;

export const claimNotice = (deps: SubscriptionDeps, personId: string, notice: Notice) => {
  const now = deps.clock.now();
  return deps.store.claimPersonNotice(personId, notice, now, new Date(now.getTime() + NOTICE_GAP_MS[notice]));
};

/** SES told us this address bounced for good or complained: we do not email it on a form's say-so. */
export const isSuppressed = (consent: Consent | undefined) => consent?.state === 'revoked' && consent.source.startsWith('ses-');

export const pending = (source: string, text: string, now: Date): Consent => ({ state: 'pending', source, at: now.toISOString(), text });

export async function sendConfirmation(deps: SubscriptionDeps, person: Person): Promise<'sent' | 'throttled' | 'failed'> {
  if (!person.email) return 'failed';
  if (!(await claimNotice(deps, person.personId, 'confirm-email'))) return 'throttled';
  const words = confirmationEmail({
    confirmUrl: confirmUrl(deps, person.personId),
    postalAddress: deps.postalAddress,
    validDays: Math.round(TOKEN_LIFETIME_SECONDS['confirm-email'] / 86_400),
    ...definedOnly({ firstName: person.firstName }),
  });
  const result = await deps.email.send({ to: person.email, ...words, messageId: `signup.${person.personId}.confirm-email` });
  if (result.status !== 'sent') loggerOf(deps).warn('confirmation email not sent', { personId: person.personId, reason: result.reason });
  return result.status === 'sent' ? 'sent' : 'failed';
}

/** The one text a new number gets. Sent at once: it answers what the person did this minute. */
export async function sendSmsOptInRequest(deps: SubscriptionDeps, person: Person): Promise<'sent' | 'throttled' | 'failed'> {
  if (!person.phone) return 'failed';
  if (!(await claimNotice(deps, person.personId, 'sms-optin'))) return 'throttled';
  const result = await deps.sms.send({ to: person.phone, body: smsOptInRequest(person.profile.cadence), messageId: `signup.${person.personId}.sms-optin` });
  if (result.status !== 'sent') loggerOf(deps).warn('sms opt-in request not sent', { personId: person.personId, reason: result.reason });
  return result.status === 'sent' ? 'sent' : 'failed';
}

/**
 * A number added in the preferences gets a text at once (the person proved their address), so it
 * counts against the same caps as the sign-up form: per client and per number range. Otherwise
 * many throwaway accounts could each text a range of numbers.
 */
export async function numberBudgetAllows(deps: SubscriptionDeps, number: string, client: { address: string } | undefined, now: Date): Promise<boolean> {
  if (!deps.publicForms) return true;
  const budgets = formBudgets(deps.publicForms.caps, { address: client?.address ?? 'unknown', salt: deps.tokenSecret }, number).filter((b) => b.key !== 'all');
  return deps.publicForms.limits.take(budgets, now);
}

/**
 * The one WhatsApp message a new number gets: the approved opt-in template (a business may not
 * start a WhatsApp conversation with free text), asking for YES. Their YES opens the window too.
 */
export async function sendWhatsAppOptInRequest(deps: SubscriptionDeps, person: Person): Promise<'sent' | 'throttled' | 'failed'> {
  const log = loggerOf(deps);
  const template = deps.whatsappSetup && templateForPurpose(deps.whatsappSetup.templates, 'opt-in-request');
  const contentSid = template && deps.whatsappSetup!.approved.get(template.name);
  if (!person.phone || !contentSid || !deps.whatsapp) {
    log.warn('whatsapp opt-in request not sent: no approved opt-in template', { personId: person.personId });
    return 'failed';
  }
  if (!(await claimNotice(deps, person.personId, 'whatsapp-optin'))) return 'throttled';
  const result = await deps.whatsapp.send({ to: person.phone, messageId: `signup.${person.personId}.whatsapp-optin`, content: { kind: 'template', contentSid, variables: {} } });
  if (result.status !== 'sent') log.warn('whatsapp opt-in request not sent', { personId: person.personId, reason: result.reason });
  return result.status === 'sent' ? 'sent' : 'failed';
}

/** A number already tied to someone else stays theirs: a form never moves it (nor says so). */
export async function phoneIsFree(deps: SubscriptionDeps, phone: string, personId: string): Promise<boolean> {
  const owner = await deps.store.findPersonIdByPhone(phone);
  return owner === undefined || owner === personId;
}
