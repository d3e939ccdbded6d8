/**
 * Amazon SNS as the SES events' use case sees it (shared/app/subscription/ses-notifications.ts):
 * a delivery, and a client that checks its signature and confirms a subscription. The adapter
 * (shared/adapters/sns.ts) parses deliveries into this shape and makes every check.
 */

/** One SNS delivery as posted (the fields SNS signs, and the signature). */
export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  SignatureVersion?: '1' | '2';
  Signature?: string;
  SigningCertURL?: string;
}

/** Why a delivery was not accepted: for the log (no content), and for tests to tell the refusals apart. */
export type SnsRefusal =
  | 'unsigned'
  | 'certificate_url'
  | 'certificate_unavailable'
  | 'certificate_dates'
  | 'certificate_not_sns'
  | 'certificate_chain'
  | 'signature'
  | 'timestamp_stale'
  | 'timestamp_future';
export type SnsCheck = { ok: true } | { ok: false; reason: SnsRefusal };

export interface SnsClient {
  /** Every check of a signed delivery, with the reason of the first that failed. */
  check(envelope: SnsMessage): Promise<SnsCheck>;
  /** True only for a delivery SNS signed (check() passed). */
  verify(envelope: SnsMessage): Promise<boolean>;
  /** True when a SubscribeURL is one we would visit: https on an SNS host. */
  acceptsSubscribeUrl(url: string | undefined): boolean;
  /** Visits a SubscriptionConfirmation's SubscribeURL (an SNS host only). */
  confirmSubscription(envelope: SnsMessage): Promise<void>;
}
