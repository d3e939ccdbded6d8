import type { Clock, Logger, Store } from '../../ports';
import type { SnsClient, SnsMessage, SnsRefusal } from '../../ports/sns';
import { handleSesEvent, SesEventError, type SesEventOutcome } from './ses-events';
import { errorLogFields } from '../../domain/errors';

/**
 * SES events, delivered by SNS to POST /webhooks/ses. A delivery counts only when SNS signed it
 * (every check is the SnsClient's); locally, beside the SES twin, an unsigned Notification is
 * accepted too (`acceptUnsigned`, so tests can inject bounces). A SubscriptionConfirmation is
 * confirmed only for our topic, and only when SNS signed it: no SNS exists locally, so an
 * unsigned confirmation is never followed anywhere.
 */

export interface SesNotificationDeps {
  sns: SnsClient;
  /** The topic SES publishes to: the only one subscribed to and read (none set: any, locally). */
  topicArn?: string;
  acceptUnsigned: boolean;
  store: Store;
  clock: Clock;
  log: Logger;
}

export type SesNotificationOutcome =
  | { kind: 'refused'; reason: SnsRefusal }
  | { kind: 'not_our_topic' }
  | { kind: 'subscription_not_ours' }
  | { kind: 'subscribe_url_not_sns' }
  | { kind: 'subscription_not_confirmed' }
  | { kind: 'subscribed' }
  | { kind: 'unsubscribe_ignored' }
  | { kind: 'message_not_json' }
  | { kind: 'event_not_understood'; message: string }
  | { kind: 'event'; outcome: SesEventOutcome };

export async function receiveSesNotification(deps: SesNotificationDeps, envelope: SnsMessage): Promise<SesNotificationOutcome> {
  const signed = envelope.Signature !== undefined;
  const check = signed ? await deps.sns.check(envelope) : deps.acceptUnsigned ? { ok: true as const } : { ok: false as const, reason: 'unsigned' as const };
  if (!check.ok) {
    // Which check failed (certificate, chain, signature, age), never what the message said.
    deps.log.warn('ses event rejected: not signed by SNS', { type: envelope.Type, reason: check.reason });
    return { kind: 'refused', reason: check.reason };
  }
  const ourTopic = deps.topicArn !== undefined && envelope.TopicArn === deps.topicArn;
  if (deps.topicArn !== undefined && !ourTopic) return { kind: 'not_our_topic' };

  if (envelope.Type === 'SubscriptionConfirmation') {
    if (!ourTopic || !signed) return { kind: 'subscription_not_ours' };
    if (!deps.sns.acceptsSubscribeUrl(envelope.SubscribeURL)) return { kind: 'subscribe_url_not_sns' };
    try {
      await deps.sns.confirmSubscription(envelope);
    } catch (error) {
      deps.log.error('sns subscription not confirmed', errorLogFields(error));
      return { kind: 'subscription_not_confirmed' };
    }
    deps.log.info('sns subscription confirmed', { topicArn: envelope.TopicArn });
    return { kind: 'subscribed' };
  }
  if (envelope.Type === 'UnsubscribeConfirmation') return { kind: 'unsubscribe_ignored' };

  let event: unknown;
  try {
    event = JSON.parse(envelope.Message);
  } catch {
    return { kind: 'message_not_json' };
  }
  try {
    return { kind: 'event', outcome: await handleSesEvent(deps, event) };
  } catch (error) {
    if (error instanceof SesEventError) return { kind: 'event_not_understood', message: error.message };
    throw error;
  }
}
