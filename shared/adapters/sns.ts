import { X509Certificate, createVerify } from 'node:crypto';
import type { SnsCheck, SnsClient, SnsMessage, SnsRefusal } from '../ports/sns';
import tls from 'node:tls';
import * as z from 'zod';

/**
 * Amazon SNS deliveries over HTTPS (how SES bounce and complaint events reach POST /webhooks/ses).
 * Anyone can POST to a public URL, so a delivery counts only when all of these hold:
 *
 * 1. Where the certificate comes from: an https URL on `sns.<region>.amazonaws.com` (`.com.cn` in
 *    China) whose region has a real region's shape (`us-east-1`, `ap-southeast-2`,
 *    `us-gov-west-1`; not `s3`, which would name another AWS service's host), with SNS's file
 *    name (`/SimpleNotificationService-<id>.pem`), no port, no credentials, no query.
 * 2. What the certificate is: valid today (not before, not after); not a CA; issued for SNS (its
 *    names match `sns.amazonaws.com` or the host it came from); and chained to a root this Node.js
 *    trusts (`tls.rootCertificates`, Mozilla's list): each link's signature is verified with the
 *    issuer's public key, each issuer must be a CA valid today, and an intermediate that SNS does
 *    not send is fetched from the certificate's own "CA Issuers" address, only from Amazon's
 *    certificate host (`*.amazontrust.com`), where its signature proves it whatever the transport.
 *    NOT checked, because node:crypto offers no way to: revocation (CRL, OCSP), name constraints,
 *    certificate policies, path length limits and key usage bits. A stolen SNS signing key would
 *    be trusted until its certificate expires.
 * 3. The signature (Signing, below) over the message's own fields.
 * 4. When it was sent: its Timestamp no older than an hour (SNS stops retrying a delivery well
 *    within that: infra/email-events.ts) and not from the future beyond a few minutes of clock
 *    skew. A captured delivery replayed later is refused.
 *
 * Signing (AWS docs, "Verifying the signatures of Amazon SNS messages"): the listed fields, each
 * as "Name\nvalue\n", in this order, those absent skipped; SignatureVersion 1 is SHA1withRSA,
 * 2 is SHA256withRSA; the signature is base64.
 */

/** A region: two letters, one or more words, a number (us-east-1, ap-southeast-2, us-gov-west-1, eu-central-2). */
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';
const SNS_CERT_HOST = new RegExp(`^sns\\.(?:${REGION}\\.amazonaws\\.com|cn-[a-z]+-\\d{1,2}\\.amazonaws\\.com\\.cn)$`);
/** The file name SNS signs with: `SimpleNotificationService-<hex id>.pem`. */
const SNS_CERT_PATH = /^\/SimpleNotificationService-[A-Za-z0-9]{1,64}\.pem$/;
/** Amazon publishes its intermediate certificates here (the "CA Issuers" address in its certificates). */
const ISSUER_HOST = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazontrust\.com$/;
/** The names an SNS signing certificate is issued for. */
const SNS_CERT_NAME = 'sns.amazonaws.com';

/** How old a delivery may be, and how far ahead of our clock (SNS's clock and ours differ a little). */
const SNS_MAX_AGE_MS = 60 * 60 * 1000;
const SNS_FUTURE_SKEW_MS = 5 * 60 * 1000;
/** Root, intermediates, leaf: Amazon's chains are two or three long. */
const MAX_CHAIN = 4;

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
// The port's shape and the schema's must stay one and the same.
const _sameShape: [SnsMessage, SnsEnvelope] = [{} as SnsEnvelope, {} as SnsMessage];
void _sameShape;

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
function snsUrl(raw: string | undefined): URL | undefined {
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

/** A SigningCertURL we will fetch: an SNS host (above), SNS's certificate file name, no query or fragment. */
function snsCertificateUrl(raw: string | undefined): URL | undefined {
  const url = snsUrl(raw);
  return url && SNS_CERT_PATH.test(url.pathname) && !url.search && !url.hash ? url : undefined;
}

export type { SnsClient } from '../ports/sns';

export interface SnsClientOptions {
  /** Fetches a signing certificate (PEM); tests inject their own, so they never touch the network. */
  fetchCertificate(url: string): Promise<string>;
  /** Fetches an issuing CA certificate (DER or PEM) from a certificate's "CA Issuers" address on Amazon's host. */
  fetchIssuer?(url: string): Promise<Buffer>;
  /** Opens a SubscribeURL; tests record the call instead. */
  visit(url: string): Promise<void>;
  /** For the certificates' validity dates and the message's age. */
  now?: () => Date;
  /** The roots a chain must end in (PEM): Node's own list unless a test brings its own. */
  trustedRoots?: readonly string[];
}

const MAX_CACHED_CERTIFICATES = 20;

/** A signing certificate and the issuers that link it to a trusted root (the root last). */
interface Chain {
  leaf: X509Certificate;
  issuers: X509Certificate[];
}

const validAt = (cert: X509Certificate, at: number) => {
  const [from, to] = [Date.parse(cert.validFrom), Date.parse(cert.validTo)];
  // An unreadable validity date counts as invalid, never as "no limit".
  return at >= from && at <= to;
};
const issuedBy = (cert: X509Certificate, issuer: X509Certificate) => {
  try {
    return issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
};
/** The "CA Issuers" addresses a certificate names (Authority Information Access). */
const caIssuerUrls = (cert: X509Certificate): string[] =>
  (cert.infoAccess ?? '')
    .split('\n')
    .map((line) => /^CA Issuers - URI:(\S+)$/.exec(line.trim())?.[1])
    .filter((url): url is string => url !== undefined);
/** Every certificate of a PEM bundle, in order. */
const pemBlocks = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

class ChainRefused extends Error {
  constructor(readonly reason: SnsRefusal) {
    super(reason);
  }
}

export function createSnsClient(options: SnsClientOptions): SnsClient {
  // SNS rotates certificates rarely, and each container sees one or two: cache them (checked) for
  // the container's life, bounded so a stream of forged-but-well-formed URLs cannot grow it.
  const chains = new Map<string, Promise<Chain>>();
  const now = options.now ?? (() => new Date());
  // Parsed on the first signed delivery, not at start: most containers never see one.
  let trusted: { roots: X509Certificate[]; prints: Set<string> } | undefined;
  const trust = () => {
    if (!trusted) {
      const roots = (options.trustedRoots ?? tls.rootCertificates).map((pem) => new X509Certificate(pem));
      trusted = { roots, prints: new Set(roots.map((root) => root.fingerprint256)) };
    }
    return trusted;
  };
  const fetchIssuer = options.fetchIssuer ?? fetchIssuerCertificate;

  /** The certificate that issued `cert`: sent along with it, a trusted root, or fetched from its CA Issuers address. */
  async function issuerOf(cert: X509Certificate, bundled: X509Certificate[]): Promise<X509Certificate> {
    const known = [...bundled, ...trust().roots].find((candidate) => issuedBy(cert, candidate));
    if (known) return known;
    for (const raw of caIssuerUrls(cert)) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        continue;
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.port || !ISSUER_HOST.test(url.hostname)) continue;
      const fetched = new X509Certificate(await fetchIssuer(url.href));
      // Whatever the transport, only its signature over `cert` makes it the issuer.
      if (issuedBy(cert, fetched)) return fetched;
    }
    throw new ChainRefused('certificate_chain');
  }

  async function chainFor(url: URL): Promise<Chain> {
    const [leafPem, ...rest] = pemBlocks(await options.fetchCertificate(url.href));
    if (!leafPem) throw new ChainRefused('certificate_unavailable');
    const leaf = new X509Certificate(leafPem);
    const bundled = rest.map((pem) => new X509Certificate(pem));
    if (leaf.ca) throw new ChainRefused('certificate_not_sns');
    if (!leaf.checkHost(SNS_CERT_NAME) && !leaf.checkHost(url.hostname)) throw new ChainRefused('certificate_not_sns');
    const issuers: X509Certificate[] = [];
    let current = leaf;
    while (!trust().prints.has(current.fingerprint256)) {
      if (issuers.length >= MAX_CHAIN) throw new ChainRefused('certificate_chain');
      current = await issuerOf(current, bundled);
      issuers.push(current);
    }
    return { leaf, issuers };
  }

  function chain(url: URL): Promise<Chain> {
    const key = url.href;
    let cached = chains.get(key);
    if (!cached) {
      cached = chainFor(url);
      // A failed fetch or check is not remembered: the next delivery tries again.
      cached.catch(() => chains.delete(key));
      if (chains.size >= MAX_CACHED_CERTIFICATES) chains.delete(chains.keys().next().value!);
      chains.set(key, cached);
    }
    return cached;
  }

  async function check(envelope: SnsEnvelope): Promise<SnsCheck> {
    if (!envelope.Signature || !envelope.SignatureVersion) return { ok: false, reason: 'unsigned' };
    if (envelope.Type !== 'Notification' && (!envelope.Token || !envelope.SubscribeURL)) return { ok: false, reason: 'unsigned' };
    const url = snsCertificateUrl(envelope.SigningCertURL);
    if (!url) return { ok: false, reason: 'certificate_url' };
    const at = now().getTime();
    // The timestamp is signed, so it is read now and trusted only once the signature verifies below.
    const sentAt = Date.parse(envelope.Timestamp);
    if (!Number.isFinite(sentAt) || at - sentAt > SNS_MAX_AGE_MS) return { ok: false, reason: 'timestamp_stale' };
    if (sentAt - at > SNS_FUTURE_SKEW_MS) return { ok: false, reason: 'timestamp_future' };
    let found: Chain;
    try {
      found = await chain(url);
    } catch (error) {
      return { ok: false, reason: error instanceof ChainRefused ? error.reason : 'certificate_unavailable' };
    }
    if (![found.leaf, ...found.issuers].every((cert) => validAt(cert, at))) return { ok: false, reason: 'certificate_dates' };
    try {
      const verifier = createVerify(envelope.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
      verifier.update(stringToSign(envelope), 'utf8');
      return verifier.verify(found.leaf.publicKey, envelope.Signature, 'base64') ? { ok: true } : { ok: false, reason: 'signature' };
    } catch {
      return { ok: false, reason: 'signature' };
    }
  }

  return {
    check,
    async verify(envelope) {
      return (await check(envelope)).ok;
    },

    acceptsSubscribeUrl(url) {
      return snsUrl(url) !== undefined;
    },

    async confirmSubscription(envelope) {
      const url = snsUrl(envelope.SubscribeURL);
      if (!url) throw new Error('SubscribeURL is not an SNS https URL');
      await options.visit(url.href);
    },
  };
}

/** An issuing CA's certificate from Amazon's certificate host: short timeout, no redirects, small. */
async function fetchIssuerCertificate(url: string): Promise<Buffer> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`issuer certificate fetch answered ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > 20_000) throw new Error('issuer certificate too large');
  return body;
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
