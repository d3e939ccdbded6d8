import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's webhook signature (X-Twilio-Signature), written out here instead of importing the
 * `twilio` package: that package is 3 MB minified and was most of the API Lambda's bundle and
 * cold start, for one HMAC. test/unit/twilio-signature.test.ts checks this against the package
 * (which stays a dev dependency for the local SMS sandbox and the tests) on random inputs.
 *
 * The signed string is the full URL Twilio called followed by every POST parameter, sorted by
 * name, as name then value with no separators; the signature is base64 HMAC-SHA1 keyed by the
 * account's auth token.
 */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((signed, name) => signed + name + params[name], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * True when `signature` is Twilio's for this request. Twilio signs the URL as it was configured,
 * which may or may not spell out the default port (and a proxy may add or drop it), so the URL is
 * tried as received, without its port and with the scheme's default port, then in the form
 * `new URL()` normalises it to, like Twilio's own helper. Comparison is constant-time.
 */
export function isSignedByTwilio(authToken: string, signature: string, url: string, params: Readonly<Record<string, string>>): boolean {
  if (signature === '' || authToken === '') return false;
  const given = Buffer.from(signature, 'utf8');
  const candidates = new Set([url, withoutPort(url), withDefaultPort(url)]);
  try {
    const normalised = new URL(url).toString();
    for (const candidate of [normalised, withoutPort(normalised), withDefaultPort(normalised)]) candidates.add(candidate);
  } catch {
    // Not a URL `new URL()` can read: only the forms as received are tried.
  }
  let valid = false;
  for (const candidate of candidates) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), 'utf8');
    // Every candidate is checked (no early return), so timing says nothing about which matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  port: string;
  rest: string;
}

function splitUrl(url: string): UrlParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // In an IPv6 literal the port's colon comes after the closing bracket.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function withoutPort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

function withDefaultPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}
