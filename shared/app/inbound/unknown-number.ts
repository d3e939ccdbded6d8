import type { RiskAssessment } from '../../domain/crisis';
import { parseInboundSms } from '../../domain/keywords';
import { crisisReply } from '../../domain/safety-replies';
import type { TextChannel } from '../../domain/sequence';
import * as say from '../../domain/sms-replies';
import * as wa from '../../domain/whatsapp-words';
import type { Logger, Store } from '../../ports';
import { helpFor } from '../safety/crisis-resources';

/**
 * A text from a number nobody holds (or whose person is gone or going). Nothing about whether the
 * number is known leaks: HELP and crisis replies say nothing of it. A stranger cannot be asked
 * and followed up, so the middle band of the safety screen gets the resources too.
 */
export async function answerUnknownNumber(
  deps: { store: Pick<Store, 'cancelPendingMessages'>; log: Logger; helpAddress: string; signUpUrl?: string },
  text: { messageSid: string; body: string; phone: string; channel: TextChannel; personId?: string; screen: RiskAssessment },
  now: Date,
): Promise<string[]> {
  const intent = parseInboundSms(text.body);
  // A number whose person is gone (or going): a stop still withdraws whatever might be left.
  if (text.personId && intent.kind === 'opt-out') await deps.store.cancelPendingMessages(text.personId, 'opted_out', now, text.channel);
  if (text.screen.level === 'risk' || text.screen.level === 'ask') {
    deps.log.warn('crisis_flag', { messageSid: text.messageSid, rule: text.screen.matched, knownPerson: false });
    return [crisisReply(helpFor({ phone: text.phone }))];
  }
  if (intent.kind === 'help') return [say.helpReply(deps.helpAddress)];
  // START or JOIN from a number nobody holds: where to sign up (a reply to their message; nothing is stored).
  if ((intent.kind === 'opt-in' || intent.kind === 'join') && deps.signUpUrl) return [wa.signUpLinkReply(deps.signUpUrl)];
  return [];
}
