import * as z from 'zod';
import { isDeliveryFailure, isDeliveryStatus } from '../../domain/delivery';
import type { Delivery } from '../../domain/model';
import type { Clock, Logger, OutboxStore } from '../../ports';
import { loggerOf } from '../../ports';
import { DomainError, describeIssues } from '../../domain/errors';
import { MESSAGE_SID } from '../inbound/inbound-sms';
import type { EngagementStore } from '../../ports/engagement';
import { countEvent } from '../engagement/engagement-counts';

const DeliveryStatusInput = z.object({
  /** Our ids, from the callback URL the dispatcher gave Twilio (signed with it). */
  personId: z.string().min(1).max(200),
  messageId: z.string().min(1).max(400),
  messageSid: z.string().regex(MESSAGE_SID, 'expected a Twilio MessageSid'),
  /** Any well-formed state name: Twilio may add states, which are ignored rather than refused. */
  status: z.string().regex(/^[a-z_]{1,32}$/, 'expected a Twilio message status'),
  errorCode: z.number().int().min(0).max(999_999).optional(),
});
type DeliveryStatusInput = z.input<typeof DeliveryStatusInput>;

export interface DeliveryStatusResult {
  /** `recorded`: a later state than the stored one; `stale`: as late or earlier, or no such message; `ignored`: a state we do not track. */
  outcome: 'recorded' | 'stale' | 'ignored';
}

/**
 * One Twilio status callback for one of our texts.
 * 1. Validates it; a state name we do not know is acknowledged and ignored.
 * 2. Records it on the message only if it is later than what is stored (shared/domain/delivery.ts),
 *    in one conditional write: repeated and out-of-order callbacks converge to the latest state.
 * 3. Failed and undelivered texts keep Twilio's error code, and are logged (ids and code only).
 * 4. For someone an organisation follows, the move (from the state it replaced) is counted.
 */
export async function recordDeliveryStatus(deps: { store: OutboxStore; clock: Clock; log?: Logger; engagement?: EngagementStore }, raw: unknown): Promise<DeliveryStatusResult> {
  const parsed = DeliveryStatusInput.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const { personId, messageId, status, errorCode } = parsed.data;
  const log = loggerOf(deps);
  if (!isDeliveryStatus(status)) {
    log.warn('delivery status not tracked', { messageId, status });
    return { outcome: 'ignored' };
  }
  const delivery: Delivery = {
    status,
    at: deps.clock.now().toISOString(),
    ...(isDeliveryFailure(status) && errorCode !== undefined ? { errorCode } : {}),
  };
  const recorded = await deps.store.recordDelivery({ personId, messageId }, delivery);
  if (recorded && isDeliveryFailure(status)) log.warn('sms not delivered', { personId, messageId, status, errorCode });
  if (recorded && recorded.profile.followed && !recorded.invitation && recorded.status === 'sent' && deps.engagement) {
    await countEvent({ engagement: deps.engagement, log }, personId, { kind: 'delivery', at: delivery.at, ...(recorded.delivery && { before: recorded.delivery.status }), after: status });
  }
  return { outcome: recorded ? 'recorded' : 'stale' };
}
