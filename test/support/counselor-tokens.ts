import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { jwtVerifier, localIssuer, signJwt, type LocalIssuer } from '../../shared/adapters/local-jwt';
import { localAuthenticator, type CounselorAuthenticator } from '../../shared/app/counselors/counselor-auth';
import { COUNSELOR_API_SCOPE } from '../../shared/domain/counselor';
import type { Clock } from '../../shared/ports';

/**
 * A local issuer in a temporary directory, its private key at hand so tests can forge tokens
 * (wrong algorithm, foreign key, bad claims) the way an attacker would.
 */
export interface TestIssuer extends LocalIssuer {
  dir: string;
  privateKey: KeyObject;
  kid: string;
  /** A token for this counselor, valid now, unless `claims` say otherwise. */
  tokenFor(who: { counselorId: string; orgId: string; role?: 'admin' | 'counselor' }, claims?: Record<string, unknown>, now?: Date): string;
  /** Signs any header and payload with this issuer's key (or another key). */
  forge(header: Record<string, unknown>, payload: Record<string, unknown>, key?: KeyObject): string;
  /** HS256 with the issuer's public key (PEM) as the HMAC secret: the classic algorithm confusion. */
  forgeHs256WithPublicKey(payload: Record<string, unknown>): string;
  authenticator(clock: Clock): CounselorAuthenticator;
  remove(): void;
}

export function testIssuer(): TestIssuer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-jwt-'));
  const issuer = localIssuer(dir);
  const stored = JSON.parse(fs.readFileSync(path.join(dir, 'counselor-jwt-key.json'), 'utf8')) as { kid: string; privateKeyPem: string };
  const privateKey = createPrivateKey(stored.privateKeyPem);
  return {
    ...issuer,
    dir,
    privateKey,
    kid: stored.kid,
    tokenFor(who, claims = {}, now) {
      return issuer.issue(
        { sub: who.counselorId, 'custom:orgId': who.orgId, 'custom:role': who.role ?? 'counselor', scope: COUNSELOR_API_SCOPE, ...claims },
        now ? { now } : {},
      );
    },
    forge(header, payload, key = privateKey) {
      return signJwt(header, payload, key);
    },
    forgeHs256WithPublicKey(payload) {
      const pem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
      const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: stored.kid }))}.${b64(JSON.stringify(payload))}`;
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    },
    authenticator(clock) {
      return localAuthenticator(jwtVerifier(issuer), clock);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Another RSA key: a token signed with it must fail against the issuer's JWKS. */
export const foreignKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** An API Gateway v2 event for the counselor API, as the local HTTP server builds one. */
export function counselorEvent(
  method: string,
  rawPath: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; query?: string; sourceIp?: string } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: options.query ?? '',
    headers,
    requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: options.sourceIp ?? '127.0.0.1', userAgent: 'test' } } as APIGatewayProxyEventV2['requestContext'],
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    isBase64Encoded: false,
  };
}
