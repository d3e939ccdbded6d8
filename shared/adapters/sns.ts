import { X509Certificate, createVerify } from 'node:crypto';
import * as z from 'zod';

/**
 * Amazon SNS deliveries over HTTPS (how SES bounce and complaint events reach POST /webhooks/ses).
 * Anyone can POST to a public URL, so a delivery counts only when its signature verifies against
 * the certificate SNS names, and that certificate is fetched only from an https URL on an SNS
 * host: otherwise a forger could simply point us at a certificate of their own.
 *
 * Signing (AWS docs, "Verifying the signatures of Amazon SNS messages"): the listed fields, each
 * as "Name\nvalue\n", in this order, those absent skipped; SignatureVersion 1 is SHA1withRSA,
 * 2 is SHA256withRSA; the signature is base64.
 */

export const SNS_CERT_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

const text = z.string().max(300_000);
export const SnsEnvelope = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(100),
  TopicArn: z.string().min(1).max(300),
  Message: text,
  Timestamp: z.string().min(1).max(40),
  Subject: z.string().max(200).optional(),
  Token: z.string().max(2048).optional(),
  SubscribeURL: z.string().max(2048).optional(),
  SignatureVersion: z.enum(['1', '2']).optional(),
  Signature: z.string().max(4096).optional(),
  SigningCertURL: z.string().max(2048).optional(),
});
export type SnsEnvelope = z.infer<typeof SnsEnvelope>;

const FIELDS: Record<SnsEnvelope['Type'], (keyof SnsEnvelope)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The exact bytes SNS signed for this envelope. */
export function stringToSign(envelope: SnsEnvelope): string {
  return FIELDS[envelope.Type]
    .filter((field) => envelope[field] !== undefined)
    .map((field) => `${field}\n${envelope[field]}\n`)
    .join('');
}

/** An https URL on an SNS host, or undefined: the only places we fetch from or call. */
export function snsUrl(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port || !SNS_CERT_HOST.test(url.hostname)) return undefined;
  return url;
}

export interface SnsClient {
  /** True only for a delivery SNS signed (a certificate from an SNS host, a valid signature). */
  verify(envelope: SnsEnvelope): Promise<boolean>;
  /** Visits a SubscriptionConfirmation's SubscribeURL (an SNS host only). */
  confirmSubscription(envelope: SnsEnvelope): Promise<void>;
}

export interface SnsClientOptions {
  /** Fetches a signing certificate (PEM); tests inject their own, so they never touch the network. */
  fetchCertificate(url: string): Promise<string>;
  /** Opens a SubscribeURL; tests record the call instead. */
  visit(url: string): Promise<void>;
  /** For the certificate's validity dates. */
  now?: () => Date;
}

const MAX_CACHED_CERTIFICATES = 20;

export function createSnsClient(options: SnsClientOptions): SnsClient {
  // SNS rotates certificates rarely, and each container sees one or two: cache them for the
  // container's life, bounded so a stream of forged-but-well-formed URLs cannot grow it.
  const certificates = new Map<string, Promise<X509Certificate>>();
  const now = options.now ?? (() => new Date());

  function certificate(url: URL): Promise<X509Certificate> {
    const key = url.href;
    let cached = certificates.get(key);
    if (!cached) {
      cached = options.fetchCertificate(key).then((pem) => new X509Certificate(pem));
      // A failed fetch is not remembered: the next delivery tries again.
      cached.catch(() => certificates.delete(key));
      if (certificates.size >= MAX_CACHED_CERTIFICATES) certificates.delete(certificates.keys().next().value!);
      certificates.set(key, cached);
    }
    return cached;
  }

  return {
    async verify(envelope) {
      const url = snsUrl(envelope.SigningCertURL);
      if (!url || !envelope.Signature || !envelope.SignatureVersion) return false;
      if (envelope.Type !== 'Notification' && (!envelope.Token || !envelope.SubscribeURL)) return false;
      let cert: X509Certificate;
      try {
        cert = await certificate(url);
      } catch {
        return false;
      }
      const at = now().getTime();
      const [from, to] = [Date.parse(cert.validFrom), Date.parse(cert.validTo)];
      // An unreadable validity date counts as invalid, never as "no limit".
      if (!(at >= from && at <= to)) return false;
      try {
        const verifier = createVerify(envelope.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
        verifier.update(stringToSign(envelope), 'utf8');
        return verifier.verify(cert.publicKey, envelope.Signature, 'base64');
      } catch {
        return false;
      }
    },

    async confirmSubscription(envelope) {
      const url = snsUrl(envelope.SubscribeURL);
      if (!url) throw new Error('SubscribeURL is not an SNS https URL');
      await options.visit(url.href);
    },
  };
}

/** The real network side: short timeouts, no redirects (a redirect could leave the SNS host). */
export const snsNetwork: Pick<SnsClientOptions, 'fetchCertificate' | 'visit'> = {
  async fetchCertificate(url) {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`certificate fetch answered ${response.status}`);
    const pem = await response.text();
    if (pem.length > 20_000 || !pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not a PEM certificate');
    return pem;
  },
  async visit(url) {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`SubscribeURL answered ${response.status}`);
  },
};
