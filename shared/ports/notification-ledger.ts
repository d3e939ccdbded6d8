/**
 * The once-only record of counselor notifications (crisis alerts, weekly digests). Email
 * providers do not deduplicate, so "sent exactly once, even under retries and crashes" is ours to
 * keep: a notification has a deterministic key, a sender first claims it with a short lease (a
 * conditional write), sends, then marks it sent. A retry finds it sent and stops; a sender that
 * crashed before sending leaves a lease that runs out, and the next run takes it over.
 */
export interface NotificationLedger {
  /**
   * Takes the right to send notification `key` until `leaseUntil`, under `token`. `sent` when it
   * went already; `busy` while another sender's lease lasts; `claimed` when it is ours to send.
   */
  claim(key: string, token: string, now: Date, leaseUntil: Date): Promise<'claimed' | 'sent' | 'busy'>;
  /** Records that it went. Only the holder of the claim may (false otherwise: the lease was lost). */
  markSent(key: string, token: string, at: Date, providerId: string): Promise<boolean>;
  /** Gives a claim back after a send that failed, so a later run may try again at once. */
  release(key: string, token: string): Promise<void>;
}
