import * as z from 'zod';

/**
 * The fields of a multipart/form-data body (RFC 7578): RFC 8058 one-click unsubscribes, and forms
 * on our own pages, may be posted this way. Our own parser rather than a streaming library (busboy
 * was 20 KB of the public API's bundle): bodies here are small and already in memory
 * (request.ts bounds them), so the whole body is read at once.
 *
 * Fields, and files only where the caller names them (`files`: the dashboard's CSV upload). Any
 * other file part (one with a filename, or of type application/octet-stream) is skipped. A file's
 * bytes are bounded by the body's own limit, which its caller sets. Anything malformed, or over a
 * limit, is an outcome with a reason, never a guess at what the sender meant: a 400.
 */

export const MULTIPART_LIMITS = {
  /** Distinct field names. Our largest form has about 20 fields. */
  fields: 50,
  /** Fields and skipped files together. */
  parts: 60,
  /** Per field value, in bytes. A value over it is refused, not cut short. */
  fieldBytes: 8 * 1024,
  /** A part's header section, in bytes. */
  headerBytes: 8 * 1024,
} as const;

export type MultipartFields = { ok: true; fields: Record<string, string>; files: Record<string, Buffer> } | { ok: false; reason: string };

/** RFC 9110 section 5.6.2. */
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const IS_TOKEN = new RegExp(`^${TOKEN}$`);

/** RFC 2046 section 5.1.1: 1 to 70 characters of this set, the last not a space. */
const Boundary = z.string().regex(/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/);

/** The request's Content-Type; other parameters (a charset) are allowed and ignored. */
const MultipartContentType = z.object({
  value: z.literal('multipart/form-data'),
  params: z.object({ boundary: Boundary }),
});

/** RFC 7578 section 4.2: every part is `form-data` with a `name`. */
const PartDisposition = z.object({
  value: z.literal('form-data'),
  params: z.object({ name: z.string().min(1), filename: z.string().optional(), 'filename*': z.string().optional() }),
});

const PartContentType = z.object({
  value: z.string().regex(new RegExp(`^${TOKEN}/${TOKEN}$`)),
  params: z.object({ charset: z.string().optional() }),
});

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const fail = (reason: string): MultipartFields => ({ ok: false, reason });

/** Parses `body` as sent with the Content-Type `contentType`. */
export function parseMultipartForm(body: Buffer, contentType: string, options: { files?: readonly string[] } = {}): MultipartFields {
  const type = MultipartContentType.safeParse(headerValue(contentType));
  if (!type.success) return fail('the content type has no valid boundary');
  const delimiter = Buffer.from(`\r\n--${type.data.params.boundary}`, 'latin1');

  // The CRLF before a boundary belongs to the delimiter (RFC 2046), so the first one may open the
  // body with nothing before it; anything before it (a preamble) is ignored.
  const data = Buffer.concat([CRLF, body]);
  const first = data.indexOf(delimiter);
  if (first < 0) return fail('the body does not contain the boundary');

  const fields = new Map<string, string>();
  const files = new Map<string, Buffer>();
  let parts = 0;
  for (let at = first + delimiter.length; ; ) {
    // "--" right after a boundary closes the body; what follows (an epilogue) is ignored.
    if (data.subarray(at, at + 2).toString('latin1') === '--') return { ok: true, fields: Object.fromEntries(fields), files: Object.fromEntries(files) };
    // Otherwise the boundary line ends, after optional transport padding (RFC 2046 LWSP).
    while (data[at] === 0x20 || data[at] === 0x09) at++;
    if (!data.subarray(at, at + 2).equals(CRLF)) return fail('a boundary is followed by neither a line break nor "--"');
    at += 2;
    const end = data.indexOf(delimiter, at);
    if (end < 0) return fail('the body ends before its closing boundary');
    if (++parts > MULTIPART_LIMITS.parts) return fail(`more than ${MULTIPART_LIMITS.parts} parts`);

    const part = readPart(data.subarray(at, end), options.files ?? []);
    if ('reason' in part) return fail(part.reason);
    if (part.file) files.set(part.file.name, part.file.bytes);
    if (part.field) {
      // A repeated field keeps its last value, as in the urlencoded case.
      fields.set(part.field.name, part.field.value);
      if (fields.size > MULTIPART_LIMITS.fields) return fail(`more than ${MULTIPART_LIMITS.fields} fields`);
    }
    at = end + delimiter.length;
  }
}

/** A field, a file the caller asked for, nothing (another file part, skipped), or why the part cannot be read. */
type Part = { field?: { name: string; value: string }; file?: { name: string; bytes: Buffer } } | { reason: string };

function readPart(part: Buffer, fileNames: readonly string[]): Part {
  // A part whose header section is empty starts with the blank line: it cannot name its field.
  const headerEnd = part.subarray(0, 2).equals(CRLF) ? 0 : part.indexOf(HEADER_END);
  if (headerEnd < 0) return { reason: 'a part has no blank line after its headers' };
  if (headerEnd > MULTIPART_LIMITS.headerBytes) return { reason: 'a part has too many header bytes' };
  // Browsers send field names as UTF-8 (the HTML standard's multipart/form-data encoding).
  const headers = partHeaders(part.toString('utf8', 0, headerEnd));
  if (!headers) return { reason: 'a part header is malformed' };

  const disposition = PartDisposition.safeParse(headerValue(headers.get('content-disposition') ?? ''));
  if (!disposition.success) return { reason: 'a part has no form-data Content-Disposition with a field name' };
  const { params } = disposition.data;
  const typeHeader = headers.get('content-type');
  const type = typeHeader === undefined ? undefined : PartContentType.safeParse(headerValue(typeHeader));
  if (type && !type.success) return { reason: 'a part has a malformed Content-Type' };
  const value = part.subarray(headerEnd === 0 ? CRLF.length : headerEnd + HEADER_END.length);
  if (params.filename !== undefined || params['filename*'] !== undefined || type?.data.value === 'application/octet-stream') {
    return fileNames.includes(params.name) ? { file: { name: params.name, bytes: Buffer.from(value) } } : {};
  }

  if (value.length > MULTIPART_LIMITS.fieldBytes) return { reason: `a field is larger than ${MULTIPART_LIMITS.fieldBytes / 1024} KB` };
  const text = decode(value, type?.data.params.charset);
  return text === undefined ? { reason: 'a part names a character set we do not know' } : { field: { name: params.name, value: text } };
}

function decode(value: Buffer, charset: string | undefined): string | undefined {
  // Buffer's decoder, not TextDecoder, for UTF-8: a leading BOM stays part of the value.
  if (charset === undefined || /^utf-?8$/i.test(charset)) return value.toString('utf8');
  try {
    return new TextDecoder(charset).decode(value);
  } catch {
    return undefined;
  }
}

/**
 * A part's header lines as a map of lower-case names to values (the first of a repeated header),
 * or undefined if any line is malformed. A line starting with a space or tab continues the one
 * before (obsolete folding, which the MIME grammar still allows).
 */
function partHeaders(section: string): Map<string, string> | undefined {
  const lines: string[] = [];
  for (const line of section === '' ? [] : section.split('\r\n')) {
    // Control characters, a bare CR or LF among them, have no place in a header.
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line)) return undefined;
    if (!/^[ \t]/.test(line)) lines.push(line);
    else if (lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else return undefined;
  }
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, Math.max(colon, 0));
    if (!IS_TOKEN.test(name)) return undefined;
    const key = name.toLowerCase();
    if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
  }
  return headers;
}

/** One `; name=value` parameter, its value a token or a quoted string; an empty one (";;") is passed over. */
const PARAMETER = `[ \\t]*;[ \\t]*(?:(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\[\\s\\S])*"))?[ \\t]*`;

/**
 * `value *( ";" name "=" ( token / quoted-string ) )`, the shape of Content-Type and
 * Content-Disposition (RFC 9110 section 5.6.6), as `{ value, params }`: the value and parameter
 * names in lower case, the first of a repeated parameter kept, a quoted string unescaped. Returns
 * undefined when the text does not have that shape, so the zod schemas above refuse it.
 */
export function headerValue(text: string): { value: string; params: Record<string, string> } | undefined {
  const cut = text.includes(';') ? text.indexOf(';') : text.length;
  // No prototype: a parameter named like an Object method (or __proto__) is just a parameter.
  const params: Record<string, string> = Object.create(null);
  const parameter = new RegExp(PARAMETER, 'y');
  parameter.lastIndex = cut;
  while (parameter.lastIndex < text.length) {
    const match = parameter.exec(text);
    if (!match) return undefined;
    const [, name, raw] = match;
    if (name === undefined || raw === undefined) continue;
    const key = name.toLowerCase();
    if (!Object.hasOwn(params, key)) params[key] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\([\s\S])/g, '$1') : raw;
  }
  return { value: text.slice(0, cut).trim().toLowerCase(), params };
}
