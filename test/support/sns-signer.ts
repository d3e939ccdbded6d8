import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSnsClient, stringToSign, type SnsClient, type SnsEnvelope } from '../../shared/adapters/sns';

/**
 * Plays Amazon SNS in tests, with a certificate chain shaped like Amazon's: a root CA (which the
 * test's SnsClient trusts in place of Node's root list), an intermediate CA that SNS does not send
 * and the client fetches from the certificate's "CA Issuers" address, and the signing certificate
 * for sns.amazonaws.com. All made by openssl (node:crypto can sign but cannot issue certificates),
 * valid from now for two days. Envelopes are signed the way SNS signs them; certificate and
 * intermediate fetches are answered from memory, so no test touches the network.
 */

export const TEST_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';
/** Where the test signing certificate says its issuer can be fetched (Amazon's host, as in real ones). */
export const TEST_ISSUER_URL = 'http://crt.test.amazontrust.com/test-intermediate.cer';

interface MintedCertificate {
  /** The signing certificate (PEM), served at `url`. */
  certificatePem: string;
  keyPem: string;
  url: string;
}

export interface FakeSns {
  certificatePem: string;
  rootPem: string;
  sign(envelope: Omit<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>, options?: { version?: '1' | '2'; certUrl?: string; with?: MintedCertificate }): SnsEnvelope;
  /**
   * Another signing certificate, served at `url`: issued by our intermediate unless `selfSigned`,
   * for `name`, naming `issuerUrl` as where its issuer is (what an attacker could try).
   */
  mint(options: { url: string; name?: string; selfSigned?: boolean; issuerUrl?: string; ca?: boolean }): MintedCertificate;
  /** An SnsClient that trusts our root only, counting fetches and recording visits. */
  client(now?: () => Date, options?: { trustedRoots?: readonly string[] }): SnsClient & { fetches: string[]; issuerFetches: string[]; visits: string[] };
  /** Deletes the keys and certificates from the temporary directory. */
  remove(): void;
}

export function createFakeSns(): FakeSns {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-sns-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  let serial = 1;
  const served = new Map<string, string>();

  /** A key and a certificate for `subject`, signed by `issuer` (or by itself), with these extensions. */
  function issue(name: string, subject: string, extensions: string[], issuer?: string, days = 2): { certificatePem: string; keyPem: string } {
    openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    fs.writeFileSync(file(`${name}.ext`), `${extensions.join('\n')}\n`);
    const signer = issuer ? ['-CA', file(`${issuer}.pem`), '-CAkey', file(`${issuer}.key`)] : ['-signkey', file(`${name}.key`)];
    openssl('x509', '-req', '-in', file(`${name}.csr`), ...signer, '-set_serial', String(serial++), '-days', String(days), '-sha256', '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`));
    return { certificatePem: fs.readFileSync(file(`${name}.pem`), 'utf8'), keyPem: fs.readFileSync(file(`${name}.key`), 'utf8') };
  }

  try {
    const caExtensions = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
    const root = issue('root', '/CN=Test Root CA', caExtensions, undefined, 3);
    issue('intermediate', '/CN=Test Intermediate CA', caExtensions, 'root', 3);
    openssl('x509', '-in', file('intermediate.pem'), '-outform', 'DER', '-out', file('intermediate.der'));
    const intermediateDer = fs.readFileSync(file('intermediate.der'));
    const issuers = new Map([[TEST_ISSUER_URL, intermediateDer]]);

    let minted = 0;
    const mint: FakeSns['mint'] = (options) => {
      const name = `leaf${minted++}`;
      const extensions = [
        `basicConstraints=critical,CA:${options.ca ? 'TRUE' : 'FALSE'}`,
        `subjectAltName=DNS:${options.name ?? 'sns.amazonaws.com'}`,
        `authorityInfoAccess=caIssuers;URI:${options.issuerUrl ?? TEST_ISSUER_URL}`,
      ];
      const made = issue(name, `/CN=${options.name ?? 'sns.amazonaws.com'}`, extensions, options.selfSigned ? undefined : 'intermediate');
      served.set(options.url, made.certificatePem);
      return { ...made, url: options.url };
    };
    const signing = mint({ url: TEST_CERT_URL });

    return {
      remove: () => fs.rmSync(dir, { recursive: true, force: true }),
      certificatePem: signing.certificatePem,
      rootPem: root.certificatePem,
      mint,
      sign(envelope, options = {}) {
        const version = options.version ?? '2';
        const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
        signer.update(stringToSign(envelope as SnsEnvelope), 'utf8');
        const key = options.with?.keyPem ?? signing.keyPem;
        return { ...envelope, SignatureVersion: version, Signature: signer.sign(key, 'base64'), SigningCertURL: options.certUrl ?? options.with?.url ?? TEST_CERT_URL };
      },
      client(now, options = {}) {
        const fetches: string[] = [];
        const issuerFetches: string[] = [];
        const visits: string[] = [];
        const client = createSnsClient({
          async fetchCertificate(url) {
            fetches.push(url);
            const pem = served.get(url);
            if (!pem) throw new Error('unknown certificate');
            return pem;
          },
          async fetchIssuer(url) {
            issuerFetches.push(url);
            const der = issuers.get(url);
            if (!der) throw new Error('unknown issuer');
            return der;
          },
          async visit(url) {
            visits.push(url);
          },
          trustedRoots: options.trustedRoots ?? [root.certificatePem],
          ...(now && { now }),
        });
        return Object.assign(client, { fetches, issuerFetches, visits });
      },
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
