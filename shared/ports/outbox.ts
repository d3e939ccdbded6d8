import type { Channel } from '../domain/sequence';
import type { Attempt, Delivery, DueMessageRef, Message } from '../domain/model';
import type { CancelReason } from '../domain/outcome-codes';

/**
 * The outbox: messages planned for a person, the due index the dispatchers drain (queues, leases
 * on queues, claims on messages), their outcomes, cancellation and delivery reports.
 */
export interface OutboxStore {
  /**
   * Creates the message unless one with that id exists already; false when it did. A message
   * withdrawn by re-planning (skipped, reason `replanned`) or dropped by the weekly budget (skipped,
   * a reason starting `budget:`) does not count: it may be planned anew.
   */
  createMessage(message: Message): Promise<boolean>;
  getMessage(personId: string, messageId: string): Promise<Message | undefined>;
  listMessages(personId: string): Promise<Message[]>;
  /** Messages whose due time has come, oldest first, read from the sparse due index only. */
  listDueMessages(now: Date, limit: number): Promise<DueMessageRef[]>;
  /**
   * The due index's queues for one channel, urgent apart from routine (names are opaque), so a
   * dispatcher can drain each channel at its provider's pace and urgent messages first.
   */
  dueQueues(channel: Channel): { urgent: string[]; routine: string[] };
  /**
   * Up to `limit` refs due by `now` in one queue, oldest first, strictly after `after` (a ref
   * this queue returned earlier): one page of a walk through a backlog, read from the index only.
   */
  listDueInQueue(queue: string, now: Date, limit: number, after?: DueMessageRef): Promise<DueMessageRef[]>;
  /**
   * Takes or renews a short lease on a due queue for one dispatcher, so that concurrent
   * dispatchers work different queues instead of racing for the same refs (each lost race is a
   * billed, failed claim). False while another holder's lease lasts. Advisory: claims stay safe
   * without it.
   */
  leaseDueQueue(queue: string, holder: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Takes a lease on a due message. Succeeds for exactly one caller per due time until the lease
   * ends. The message stays in the due index (at its due time, so the claim costs no index
   * write); a claim on it fails while the lease lasts, and a claim after the lease ended takes
   * it over. Returns the message, or undefined if another dispatcher holds it or got there
   * first, or it is no longer due.
   */
  claimMessage(ref: DueMessageRef, lease: { token: string; until: Date; now: Date }): Promise<Message | undefined>;
  /** Records the final outcome and leaves the due index; only the lease holder may. */
  finishMessage(
    ref: { personId: string; messageId: string },
    leaseToken: string,
    final: { status: 'sent' | 'skipped' | 'failed'; attempt: Attempt; providerId?: string; reason?: string },
  ): Promise<boolean>;
  /** Gives the lease back and makes the message due again at `retryAt`. */
  releaseForRetry(ref: { personId: string; messageId: string }, leaseToken: string, retryAt: Date, attempt: Attempt): Promise<boolean>;
  /**
   * Ends every message of a person still to go out (on one channel, or all), with a reason.
   * `keepInvitations`: a counselor's invitations and announcements still waiting stay (they are
   * no steps of a lane, so re-planning is not a reason to withdraw them, and nothing would plan
   * them again; consent changes, removal and erasure are).
   */
  cancelPendingMessages(personId: string, reason: CancelReason, now: Date, channel?: Channel, options?: { keepInvitations?: boolean }): Promise<number>;
  /**
   * Records a delivery state on a message when it is later than the stored one (see
   * shared/domain/delivery.ts), as one conditional write so concurrent callbacks converge. False
   * when the stored state is as late or later, or there is no such message; otherwise the message
   * as it was just before (what the state moved from, and whose it is: engagement counts need both).
   */
  recordDelivery(ref: { personId: string; messageId: string }, delivery: Delivery): Promise<Message | false>;
}
