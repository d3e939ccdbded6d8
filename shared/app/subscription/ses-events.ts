/**
 * What SES reports about sent emails: a permanent bounce or a complaint suppresses the address
 * (consent revoked, pending emails cancelled), so we stop mailing addresses that cannot or do not
 * want to receive; anything else changes nothing.
 */
import * as z from 'zod';
import { Email } from '../../domain/model';
import { loggerOf } from '../../ports';
import { countPersonDetails } from '../engagement/engagement-counts';
import { DomainError } from '../../domain/errors';
import type { SubscriptionDeps } from './deps';

const Recipients = z.array(z.object({ emailAddress: z.string().max(400) }).loose()).max(200);
const SesEvent = z
  .object({
    eventType: z.string().max(40).optional(),
    notificationType: z.string().max(40).optional(),
    mail: z.object({ destination: z.array(z.string().max(400)).max(200).optional() }).loose().optional(),
    bounce: z.object({ bounceType: z.string().max(40), bouncedRecipients: Recipients.optional() }).loose().optional(),
    complaint: z.object({ complainedRecipients: Recipients.optional() }).loose().optional(),
  })
  .loose()
  .refine((e) => e.eventType || e.notificationType, 'an SES event names its eventType or notificationType');

export type SesEventOutcome = { status: 'suppressed' | 'ignored'; suppressed: number; unknown: number };

/** "Name <a@b>" or "a@b" -> a@b, lower-cased; undefined when it is not an address. */
function bareAddress(value: string): string | undefined {
  const inner = /<([^<>]+)>\s*$/.exec(value)?.[1] ?? value;
  const parsed = Email.safeParse(inner.trim());
  return parsed.success ? parsed.data : undefined;
}

/**
 * What SES reports about a sent email (docs/rules.md): a permanent bounce or any complaint suppresses
 * the address (email consent revoked with source `ses-bounce` / `ses-complaint`, pending emails
 * cancelled); a transient or undetermined bounce and every other event change nothing.
 * Replays converge: suppressing twice is suppressing once.
 */
export async function handleSesEvent(deps: Pick<SubscriptionDeps, 'store' | 'clock' | 'log'>, raw: unknown): Promise<SesEventOutcome> {
  const parsed = SesEvent.safeParse(raw);
  if (!parsed.success) throw new SesEventError('not an SES event');
  const event = parsed.data;
  const kind = event.eventType ?? event.notificationType;
  const source = kind === 'Complaint' ? 'ses-complaint' : kind === 'Bounce' && event.bounce?.bounceType === 'Permanent' ? 'ses-bounce' : undefined;
  if (!source) return { status: 'ignored', suppressed: 0, unknown: 0 };
  const listed = (source === 'ses-bounce' ? event.bounce?.bouncedRecipients : event.complaint?.complainedRecipients)?.map((r) => r.emailAddress);
  const addresses = [...new Set((listed?.length ? listed : event.mail?.destination ?? []).map(bareAddress).filter((a): a is string => a !== undefined))];
  const now = deps.clock.now();
  let suppressed = 0;
  let unknown = 0;
  for (const address of addresses) {
    const personId = await deps.store.findPersonIdByEmail(address);
    const person = personId ? await deps.store.getPerson(personId) : undefined;
    if (!person) {
      unknown++;
      continue;
    }
    const had = person.consent.email;
    // A complaint outranks an earlier bounce or unsubscribe; the same event again changes nothing.
    if (had && !(had.state === 'revoked' && (had.source === source || had.source === 'ses-complaint'))) {
      const revoked = { ...person, consent: { ...person.consent, email: { ...had, state: 'revoked' as const, source, at: now.toISOString() } } };
      await deps.store.savePerson(revoked);
      await countPersonDetails(deps, revoked, now);
    }
    await deps.store.cancelPendingMessages(person.personId, source === 'ses-bounce' ? 'bounced' : 'complained', now, 'email');
    suppressed++;
    loggerOf(deps).info('email address suppressed', { personId: person.personId, source });
  }
  return { status: suppressed > 0 ? 'suppressed' : 'ignored', suppressed, unknown };
}

/** An SES event we cannot read: a 400 to whoever posted it (functions/http.ts maps DomainErrors). */
export class SesEventError extends DomainError {
  constructor(message: string) {
    super('bad_request', message);
  }
}
