import { DELIVERY_STATUSES, type DeliveryStatus } from './model';

/**
 * How Twilio's status callbacks for one text converge, whatever order they arrive in (docs/rules.md:
 * they may repeat and arrive out of order). Pure.
 *
 * Twilio's lifecycle for an outbound SMS (its "Outbound Message Status in Status Callbacks" guide):
 *
 *   scheduled -> accepted -> queued -> sending -> sent -> delivered | undelivered
 *                (canceled from scheduled; failed from accepted, queued or sending)
 *   (read follows delivered on channels with read receipts, never plain SMS)
 *
 * So each state has a rank, and the stored state is the highest rank seen:
 *
 *   scheduled < accepted < queued < sending < sent < canceled < failed < undelivered < delivered < read
 *
 * The terminal states (canceled, failed, undelivered, delivered) cannot follow one another in
 * that lifecycle, but carriers do sometimes report a failure and then a successful retry, so they
 * are still ordered, to make the result independent of arrival order (a total order, so "keep
 * the maximum" converges under any permutation and any duplication):
 * - every terminal state beats sent, sending, queued: the text will not move again;
 * - delivered beats undelivered and failed: a handset receipt is the strongest evidence of what
 *   the person actually got, and a later failure report for a delivered text is a carrier quirk;
 * - undelivered beats failed: the carrier saw it, which is further along than Twilio giving up;
 * - canceled is the weakest terminal state: only a scheduled text is canceled, before any send.
 */
export const DELIVERY_RANK: Readonly<Record<DeliveryStatus, number>> = Object.fromEntries(
  DELIVERY_STATUSES.map((status, rank) => [status, rank]),
) as Record<DeliveryStatus, number>;

export const isDeliveryStatus = (value: string): value is DeliveryStatus => Object.prototype.hasOwnProperty.call(DELIVERY_RANK, value);

/** True when `next` should replace `current` (a strictly later state). */
export function supersedes(next: DeliveryStatus, current: DeliveryStatus | undefined): boolean {
  return current === undefined || DELIVERY_RANK[next] > DELIVERY_RANK[current];
}

/** The states `status` replaces: what a conditional write accepts as the stored state. */
export function statusesBelow(status: DeliveryStatus): DeliveryStatus[] {
  return DELIVERY_STATUSES.filter((s) => DELIVERY_RANK[s] < DELIVERY_RANK[status]);
}

/** States where Twilio keeps an error code worth recording. */
export const isDeliveryFailure = (status: DeliveryStatus) => status === 'failed' || status === 'undelivered';
