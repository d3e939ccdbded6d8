import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSnsClient, stringToSign, type SnsClient, type SnsEnvelope } from '../../shared/adapters/sns';

/**
 * Plays Amazon SNS in tests: a fresh RSA key and a self-signed certificate made with openssl
 * (node:crypto can sign but cannot issue certificates), envelopes signed the way SNS signs them,
 * and an SnsClient whose certificate fetch is answered from memory, so no test touches the network.
 */

export const TEST_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';

export interface FakeSns {
  certificatePem: string;
  sign(envelope: Omit<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>, options?: { version?: '1' | '2'; certUrl?: string }): SnsEnvelope;
  /** An SnsClient that knows only our certificate, counting fetches and recording visits. */
  client(now?: () => Date): SnsClient & { fetches: string[]; visits: string[] };
}

export function createFakeSns(): FakeSns {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-sns-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=sns.amazonaws.com'], { stdio: 'ignore' });
    const keyPem = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
    const certificatePem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    return {
      certificatePem,
      sign(envelope, options = {}) {
        const version = options.version ?? '2';
        const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
        signer.update(stringToSign(envelope as SnsEnvelope), 'utf8');
        return { ...envelope, SignatureVersion: version, Signature: signer.sign(keyPem, 'base64'), SigningCertURL: options.certUrl ?? TEST_CERT_URL };
      },
      client(now) {
        const fetches: string[] = [];
        const visits: string[] = [];
        const client = createSnsClient({
          async fetchCertificate(url) {
            fetches.push(url);
            if (url !== TEST_CERT_URL) throw new Error('unknown certificate');
            return certificatePem;
          },
          async visit(url) {
            visits.push(url);
          },
          ...(now && { now }),
        });
        return Object.assign(client, { fetches, visits });
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
