import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CounselorTokenVerifier } from '../ports/counselor-tokens';

/**
 * The local stand-in for Cognito: an RS256 issuer whose key pair is made on first start
 * and kept under the local stack's data directory, and a JWT verifier with the checks API
 * Gateway's JWT authorizer makes in AWS (algorithm, signature against the JWKS, issuer, audience,
 * expiry, not-before, token use, scope). node:crypto only: verification is a few lines, and a
 * dependency here would be one more thing that can be talked into accepting `alg: none`.
 */

export const LOCAL_ISSUER = 'https://matchcoach.local/counselor-issuer';
export const LOCAL_AUDIENCE = 'matchcoach-counselor-local';
/** A working day, like the Cognito client's tokens (infra/counselors.ts). */
const LOCAL_TOKEN_SECONDS = 12 * 60 * 60;
/** Clock skew tolerated on exp and nbf; the same order as API Gateway's. */
export const CLOCK_SKEW_SECONDS = 30;
const KEY_FILE = 'counselor-jwt-key.json';

export interface Jwk extends JsonWebKey {
  kid: string;
  alg: 'RS256';
  use: 'sig';
}
/** Where keys come from: `refresh` asks again when a token names a key not among them. */
export type JwksSource = (options?: { refresh?: boolean }) => Promise<Jwks>;

export interface Jwks {
  keys: Jwk[];
}
type JwtClaims = Record<string, unknown>;

class JwtRejected extends Error {}
/** A token naming a key the set does not hold: perhaps one the issuer added since we fetched. */
class UnknownSigningKey extends JwtRejected {}

export interface LocalIssuer {
  issuer: string;
  audience: string;
  jwks: Jwks;
  /** Signs an access token carrying `claims` plus iss, aud, iat, nbf, exp, jti and token_use. */
  issue(claims: JwtClaims, options?: { now?: Date; ttlSeconds?: number }): string;
}

/**
 * The issuer whose key lives in `dir`, made there on first use. Two processes starting at once
 * (the stack and the CLI) agree on one key: the file is created exclusively, and the loser reads
 * the winner's. The private key file is readable by its owner only.
 */
export function localIssuer(dir: string): LocalIssuer {
  const file = path.join(dir, KEY_FILE);
  let stored: { kid: string; privateKeyPem: string };
  if (fs.existsSync(file)) {
    stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  } else {
    fs.mkdirSync(dir, { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fresh = { kid: randomUUID(), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    try {
      fs.writeFileSync(file, JSON.stringify(fresh), { flag: 'wx', mode: 0o600 });
      stored = fresh;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    }
  }
  const privateKey = createPrivateKey(stored.privateKeyPem);
  const jwks: Jwks = { keys: [{ ...createPublicKey(privateKey).export({ format: 'jwk' }), kid: stored.kid, alg: 'RS256', use: 'sig' }] };
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwks,
    issue(claims, options = {}) {
      const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
      const payload = {
        ...claims,
        iss: LOCAL_ISSUER,
        aud: LOCAL_AUDIENCE,
        iat: now,
        nbf: now,
        exp: now + (options.ttlSeconds ?? LOCAL_TOKEN_SECONDS),
        jti: randomUUID(),
        token_use: 'access',
      };
      return signJwt({ alg: 'RS256', typ: 'JWT', kid: stored.kid }, payload, privateKey);
    },
  };
}

/** Builds a compact JWS: header and payload as given, signed RS256. Tests use it to forge headers. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

interface VerifyOptions {
  jwks: Jwks;
  issuer: string;
  audience: string;
  /** Every one of these must be in the space-separated `scope` claim. */
  requiredScopes: string[];
  now: Date;
}

/**
 * Verifies a compact JWS and returns its claims, or throws JwtRejected saying why. Only RS256 is
 * accepted, whatever the header asks for: `none` and the HMAC family are refused before any key is
 * touched, so a public key can never be used as an HMAC secret.
 */
function verifyJwt(token: string, options: VerifyOptions): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) throw new JwtRejected('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, 'header');
  if (header.alg !== 'RS256') throw new JwtRejected(`algorithm ${String(header.alg)} is not accepted`);
  if (header.crit !== undefined) throw new JwtRejected('critical header extensions are not supported');
  const jwk = options.jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new UnknownSigningKey('unknown signing key');
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  if (publicKey.asymmetricKeyType !== 'rsa') throw new JwtRejected('signing key is not an RSA key');
  const signature = Buffer.from(signaturePart, 'base64url');
  if (!verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), publicKey, signature)) throw new JwtRejected('bad signature');

  const claims = decodeJson(payloadPart, 'payload');
  if (claims.iss !== options.issuer) throw new JwtRejected('wrong issuer');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? claims.client_id];
  if (!audiences.includes(options.audience)) throw new JwtRejected('wrong audience');
  const now = Math.floor(options.now.getTime() / 1000);
  if (typeof claims.exp !== 'number') throw new JwtRejected('no expiry');
  if (now >= claims.exp + CLOCK_SKEW_SECONDS) throw new JwtRejected('expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now + CLOCK_SKEW_SECONDS < claims.nbf)) throw new JwtRejected('not yet valid');
  if (claims.token_use !== 'access') throw new JwtRejected('not an access token');
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  for (const scope of options.requiredScopes) if (!scopes.includes(scope)) throw new JwtRejected(`missing scope ${scope}`);
  return claims;
}

export interface JwtVerifierOptions {
  /** The keys, or where to get them (a failure there is `keysUnavailable`, never a pass). */
  jwks: Jwks | JwksSource;
  issuer: string;
  audience: string;
}

/** The CounselorTokenVerifier port over verifyJwt: the local issuer's (a LocalIssuer is its own options), or any JWKS. */
export function jwtVerifier(options: JwtVerifierOptions): CounselorTokenVerifier {
  const source = options.jwks;
  return {
    async verify(token, { requiredScopes, now }) {
      const check = (jwks: Jwks) => verifyJwt(token, { jwks, issuer: options.issuer, audience: options.audience, requiredScopes, now });
      let jwks: Jwks;
      try {
        jwks = typeof source === 'function' ? await source() : source;
      } catch (error) {
        return { ok: false, keysUnavailable: true, reason: error instanceof Error ? error.message : typeof error };
      }
      try {
        try {
          return { ok: true, claims: check(jwks) };
        } catch (error) {
          // A key the issuer added since we fetched: ask for the keys again (the source decides
          // whether it may fetch now), then check once more against what it gives.
          if (!(error instanceof UnknownSigningKey) || typeof source !== 'function') throw error;
          return { ok: true, claims: check(await source({ refresh: true })) };
        }
      } catch (error) {
        if (error instanceof JwtRejected) return { ok: false, reason: error.message };
        throw error;
      }
    },
  };
}

function decodeJson(part: string, what: string): Record<string, any> {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw new JwtRejected(`malformed ${what}`);
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
