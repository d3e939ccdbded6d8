import Busboy from 'busboy';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createApiHandler } from '../../functions/api';
import { MULTIPART_LIMITS, headerValue, parseMultipartForm } from '../../functions/multipart-form';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { TEST_TOKEN_SECRET, memoryServices } from '../support/memory-services';

/**
 * functions/multipart-form.ts, the fields-only multipart/form-data parser that replaced busboy in
 * the public API: what it reads, what it refuses, that it reads what busboy read on the
 * forms people and mail providers send, and that a refused body is a 400 that changes nothing.
 */

const B = '----mail-provider-7d';
const TYPE = `multipart/form-data; boundary=${B}`;
const fieldPart = (name: string, value: string, boundary = B) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const form = (...parts: string[]) => Buffer.from(`${parts.join('')}--${B}--\r\n`);
const fieldsOf = (body: Buffer | string, type = TYPE) => {
  const outcome = parseMultipartForm(Buffer.from(body), type);
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  return outcome.fields;
};
const refusal = (body: Buffer | string, type = TYPE) => {
  const outcome = parseMultipartForm(Buffer.from(body), type);
  return outcome.ok ? undefined : outcome.reason;
};

describe('reading fields', () => {
  test('an RFC 8058 one-click body, as a mail provider posts it', () => {
    expect(fieldsOf(form(fieldPart('List-Unsubscribe', 'One-Click')))).toEqual({ 'List-Unsubscribe': 'One-Click' });
  });

  test('the boundary: quoted or not, any case of the type, other parameters ignored', () => {
    const b = "a'()+_,-./:=? z";
    const body = `--${b}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--${b}--`;
    expect(fieldsOf(body, `multipart/form-data; boundary="${b}"`)).toEqual({ x: '1' });
    expect(fieldsOf(form(fieldPart('x', '1')), `Multipart/Form-Data;charset=UTF-8;BOUNDARY="${B}"`)).toEqual({ x: '1' });
    expect(fieldsOf(form(fieldPart('x', '1')), `multipart/form-data ; boundary=${B} ; `)).toEqual({ x: '1' });
  });

  test('values are kept byte for byte: empty, multi-line, with dashes and most of the boundary', () => {
    const tricky = `line one\r\nline two\r\n--${B.slice(0, -1)}\r\n-- \r\n`;
    expect(fieldsOf(form(fieldPart('empty', ''), fieldPart('tricky', tricky)))).toEqual({ empty: '', tricky });
  });

  test('names: quoted with escapes, unquoted tokens, UTF-8, parameter names in any case', () => {
    const body = form(
      `--${B}\r\nContent-Disposition: form-data; name="say \\"hi\\" \\\\ bye"\r\n\r\na\r\n`,
      `--${B}\r\ncontent-disposition: FORM-DATA; NAME=plain_token\r\n\r\nb\r\n`,
      fieldPart('prénom', 'Zoë'),
      `--${B}\r\nContent-Disposition: form-data ;name="first";name="second"\r\n\r\nc\r\n`,
    );
    expect(fieldsOf(body)).toEqual({ 'say "hi" \\ bye': 'a', plain_token: 'b', prénom: 'Zoë', first: 'c' });
  });

  test('a preamble, transport padding after a boundary and an epilogue are ignored', () => {
    const body = `This is the preamble.\r\n--${B}  \t\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--${B}--\r\nand an epilogue\r\n--${B}\r\n`;
    expect(fieldsOf(body)).toEqual({ x: '1' });
  });

  test('file parts are skipped (by filename, filename* or octet-stream); the fields around them are read', () => {
    const body = form(
      fieldPart('before', '1'),
      `--${B}\r\nContent-Disposition: form-data; name="upload"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n`,
      `--${B}\r\nContent-Disposition: form-data; name="upload2"; filename*=UTF-8''n%C3%B6tes.txt\r\n\r\nfile body\r\n`,
      `--${B}\r\nContent-Disposition: form-data; name="blob"\r\nContent-Type: application/octet-stream\r\n\r\n\u0000\u0001\r\n`,
      fieldPart('after', '2'),
    );
    expect(fieldsOf(body)).toEqual({ before: '1', after: '2' });
  });

  test('a repeated field keeps its last value, like the urlencoded form', () => {
    expect(fieldsOf(form(fieldPart('action', 'save'), fieldPart('action', 'delete')))).toEqual({ action: 'delete' });
  });

  test("a part's charset is honoured; UTF-8 by default, a leading BOM kept", () => {
    const latin1 = Buffer.concat([
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="city"\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\n`),
      Buffer.from('Bogotá', 'latin1'),
      Buffer.from(`\r\n`),
      Buffer.from(fieldPart('bom', '\uFEFFx')),
      Buffer.from(`--${B}--`),
    ]);
    expect(fieldsOf(latin1)).toEqual({ city: 'Bogotá', bom: '\uFEFFx' });
  });

  test('folded header lines are joined', () => {
    expect(fieldsOf(form(`--${B}\r\nContent-Disposition: form-data;\r\n\tname="folded"\r\n\r\nyes\r\n`))).toEqual({ folded: 'yes' });
  });

  test('__proto__ and Object method names are plain fields, and no prototype changes', () => {
    const fields = fieldsOf(form(fieldPart('__proto__', 'x'), fieldPart('constructor', 'y'), fieldPart('toString', 'z')));
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.entries(fields)).toEqual([['__proto__', 'x'], ['constructor', 'y'], ['toString', 'z']]);
  });

  test('no parts at all is an empty form', () => {
    expect(fieldsOf(`--${B}--\r\n`)).toEqual({});
  });

  test('limits: up to 50 fields, 60 parts and 8 KB per value are read', () => {
    const fifty = Array.from({ length: MULTIPART_LIMITS.fields }, (_, i) => fieldPart(`f${i}`, String(i)));
    const files = Array.from({ length: MULTIPART_LIMITS.parts - MULTIPART_LIMITS.fields }, (_, i) => `--${B}\r\nContent-Disposition: form-data; name="u${i}"; filename="u"\r\n\r\nx\r\n`);
    expect(Object.keys(fieldsOf(form(...fifty, ...files)))).toHaveLength(50);
    expect(fieldsOf(form(fieldPart('big', 'é'.repeat(MULTIPART_LIMITS.fieldBytes / 2)))).big).toHaveLength(MULTIPART_LIMITS.fieldBytes / 2);
  });
});

describe('refusing what is malformed or too large', () => {
  test.each([
    ['no boundary parameter', form(fieldPart('x', '1')), 'multipart/form-data', /no valid boundary/],
    ['an empty boundary', form(fieldPart('x', '1')), 'multipart/form-data; boundary=""', /no valid boundary/],
    ['a boundary of 71 characters', form(fieldPart('x', '1')), `multipart/form-data; boundary=${'b'.repeat(71)}`, /no valid boundary/],
    ['a boundary ending in a space', form(fieldPart('x', '1')), `multipart/form-data; boundary="${B} "`, /no valid boundary/],
    ['a boundary with a character RFC 2046 does not allow', form(fieldPart('x', '1')), 'multipart/form-data; boundary="a@b"', /no valid boundary/],
    ['an unterminated quoted parameter', form(fieldPart('x', '1')), `multipart/form-data; boundary="${B}`, /no valid boundary/],
    ['junk between parameters', form(fieldPart('x', '1')), `multipart/form-data; boundary=${B} junk`, /no valid boundary/],
    ['another multipart type', form(fieldPart('x', '1')), `multipart/mixed; boundary=${B}`, /no valid boundary/],
  ])('the content type: %s', (_what, body, type, reason) => {
    expect(refusal(body, type)).toMatch(reason);
  });

  test.each([
    ['an empty body', '', /does not contain the boundary/],
    ['a body without the boundary', 'List-Unsubscribe=One-Click', /does not contain the boundary/],
    ['a boundary not at the start of a line', `x--${B}\r\n`, /does not contain the boundary/],
    ['no closing boundary', fieldPart('x', '1'), /ends before its closing boundary/],
    ['a body cut off inside a value', fieldPart('x', '1').slice(0, -4), /ends before its closing boundary/],
    ['something after a boundary', `--${B}junk\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--${B}--`, /followed by neither/],
    ['a boundary at the very end', `--${B}`, /followed by neither/],
    ['a half closing delimiter', `${fieldPart('x', '1')}--${B}-`, /followed by neither/],
    ['a part without the blank line', `--${B}\r\nContent-Disposition: form-data; name="x"\r\n--${B}--`, /no blank line/],
    ['a part without headers', `--${B}\r\n\r\nvalue\r\n--${B}--`, /form-data Content-Disposition/],
    ['a part without Content-Disposition', `--${B}\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--${B}--`, /form-data Content-Disposition/],
    ['a disposition other than form-data', `--${B}\r\nContent-Disposition: attachment; name="x"\r\n\r\n1\r\n--${B}--`, /form-data Content-Disposition/],
    ['a part without a name', `--${B}\r\nContent-Disposition: form-data\r\n\r\n1\r\n--${B}--`, /field name/],
    ['a part with an empty name', `--${B}\r\nContent-Disposition: form-data; name=""\r\n\r\n1\r\n--${B}--`, /field name/],
    ['an unterminated quoted name', `--${B}\r\nContent-Disposition: form-data; name="x\r\n\r\n1\r\n--${B}--`, /field name/],
    ['a header line without a colon', `--${B}\r\nContent-Disposition form-data; name="x"\r\n\r\n1\r\n--${B}--`, /header is malformed/],
    ['a space before the colon', `--${B}\r\nContent-Disposition : form-data; name="x"\r\n\r\n1\r\n--${B}--`, /header is malformed/],
    ['a control character in a header', `--${B}\r\nContent-Disposition: form-data; name="x\u0000"\r\n\r\n1\r\n--${B}--`, /header is malformed/],
    ['a bare LF in a header', `--${B}\r\nContent-Disposition: form-data;\nname="x"\r\n\r\n1\r\n--${B}--`, /header is malformed/],
    ['a folded first header line', `--${B}\r\n continued: x\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--${B}--`, /header is malformed/],
    ['a malformed part Content-Type', `--${B}\r\nContent-Disposition: form-data; name="x"\r\nContent-Type: text\r\n\r\n1\r\n--${B}--`, /malformed Content-Type/],
    ['an unknown charset', `--${B}\r\nContent-Disposition: form-data; name="x"\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n1\r\n--${B}--`, /character set/],
  ])('the body: %s', (_what, body, reason) => {
    expect(refusal(body)).toMatch(reason);
  });

  test('over a limit: 51 fields, 61 parts, a value of 8 KB and one byte, 8 KB of part headers', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => fieldPart(`f${i}`, 'v'));
    expect(refusal(form(...fields(MULTIPART_LIMITS.fields + 1)))).toBe('more than 50 fields');
    const files = Array.from({ length: MULTIPART_LIMITS.parts + 1 }, () => `--${B}\r\nContent-Disposition: form-data; name="u"; filename="u"\r\n\r\nx\r\n`);
    expect(refusal(form(...files))).toBe('more than 60 parts');
    expect(refusal(form(fieldPart('big', 'x'.repeat(MULTIPART_LIMITS.fieldBytes + 1))))).toBe('a field is larger than 8 KB');
    expect(refusal(form(`--${B}\r\nContent-Disposition: form-data; name="x"\r\nX-Padding: ${'p'.repeat(MULTIPART_LIMITS.headerBytes)}\r\n\r\n1\r\n`))).toMatch(/too many header bytes/);
  });

  test('a form cut short anywhere before its closing "--" is refused, never read in part', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 30 })), { minLength: 1, maxLength: 5 }), fc.nat(), (entries, cut) => {
        const body = form(...entries.map(([name, value]) => fieldPart(name, value)));
        const closing = body.lastIndexOf(`--${B}--`) + `--${B}-`.length;
        expect(parseMultipartForm(body.subarray(0, cut % closing), TYPE).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('arbitrary bytes under arbitrary content types: an outcome every time, never an exception', () => {
    const typeArb = fc.oneof(fc.constant(TYPE), fc.string({ maxLength: 60 }).map((t) => `multipart/form-data; ${t}`), fc.string({ maxLength: 60 }));
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
      fc.array(fc.oneof(fc.constantFrom(`--${B}`, `--${B}--`, '\r\n', '\r\n\r\n', 'Content-Disposition: form-data; name="x"', 'name=', '"', '\\', ';', ':', ' '), fc.string({ maxLength: 8 })), { maxLength: 30 }).map((bits) => Buffer.from(bits.join(''))),
    );
    fc.assert(
      fc.property(bodyArb, typeArb, (body, type) => {
        const outcome = parseMultipartForm(body, type);
        if (outcome.ok) expect(Object.values(outcome.fields).every((v) => typeof v === 'string')).toBe(true);
        else expect(outcome.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the same fields busboy read', () => {
  /** How request.ts configured busboy, plus field names read as UTF-8 (the HTML standard's encoding). */
  function busboyFields(body: Buffer, contentType: string): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      const fields = new Map<string, string>();
      const parser = Busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { fields: 50, fieldSize: 8 * 1024, files: 0, parts: 60 } });
      parser.on('field', (name, value) => fields.set(name, value));
      parser.on('error', reject);
      parser.on('close', () => resolve(Object.fromEntries(fields)));
      parser.end(body);
    });
  }

  // RFC 2046 boundary characters; tokens need no quotes in the Content-Type, the rest do.
  const boundaryArb = fc
    .stringMatching(/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/)
    .filter((b) => !b.endsWith(' '));
  const quoteIfNeeded = (text: string) => (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text) ? text : `"${text.replace(/["\\]/g, '\\$&')}"`);
  // Any text a header may carry: no control characters (busboy and HTTP refuse them), at least one character.
  const nameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((n) => !/[\u0000-\u001f\u007f]/.test(n));
  const valueArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom('One-Click', '', '\r\n', '--', '\r\n--', 'a\r\n\r\nb').map((s) => Buffer.from(s)),
  );
  const partArb = fc.record({
    name: nameArb,
    value: valueArb,
    file: fc.nat(9).map((n) => n === 0),
    headerCase: fc.constantFrom('Content-Disposition', 'content-disposition', 'CONTENT-DISPOSITION'),
    dispositionCase: fc.constantFrom('form-data', 'Form-Data'),
    spacing: fc.constantFrom('; ', ';', ' ; ', ';\t'),
    typed: fc.constantFrom(undefined, 'text/plain', 'text/plain; charset=utf-8', 'text/plain; charset="UTF-8"'),
  });
  type PartSpec = typeof partArb extends fc.Arbitrary<infer T> ? T : never;
  const encodePart = (boundary: string, p: PartSpec) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\n${p.headerCase}: ${p.dispositionCase}${p.spacing}name=${quoteIfNeeded(p.name)}${p.file ? '; filename="f.txt"' : ''}\r\n` +
          (p.typed ? `Content-Type: ${p.typed}\r\n` : '') +
          '\r\n',
        'utf8',
      ),
      p.value,
      Buffer.from('\r\n'),
    ]);

  test('on random forms (names, values of any bytes, files among them), both read the same fields, the ones that were sent', async () => {
    await fc.assert(
      fc.asyncProperty(
        boundaryArb,
        fc.array(partArb, { maxLength: 20 }),
        fc.constantFrom('', 'preamble\r\n', '\r\n'),
        fc.constantFrom('', '\r\n', '\r\nepilogue'),
        async (boundary, parts, preamble, epilogue) => {
          // RFC 2046: the sender picks a boundary that appears nowhere in the content.
          fc.pre(parts.every((p) => !Buffer.concat([Buffer.from('\r\n'), p.value]).includes(`\r\n--${boundary}`)));
          const body = Buffer.concat([Buffer.from(preamble), ...parts.map((p) => encodePart(boundary, p)), Buffer.from(`--${boundary}--${epilogue}`)]);
          const contentType = `multipart/form-data; boundary=${quoteIfNeeded(boundary)}`;
          const sent = Object.fromEntries(parts.filter((p) => !p.file).map((p) => [p.name, p.value.toString('utf8')]));

          const ours = parseMultipartForm(body, contentType);
          expect(ours).toEqual({ ok: true, fields: sent, files: {} });
          expect(await busboyFields(body, contentType)).toEqual(sent);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('through the public API: a malformed multipart body is a 400 and changes nothing', () => {
  const request = (method: string, path: string, body: string, contentType: string): APIGatewayProxyEventV2 =>
    ({ rawPath: path, rawQueryString: '', headers: { 'content-type': contentType }, body, isBase64Encoded: false, requestContext: { http: { method } } }) as unknown as APIGatewayProxyEventV2;

  const MALFORMED: Array<[string, string, string]> = [
    ['no closing boundary', fieldPart('List-Unsubscribe', 'One-Click'), TYPE],
    ['no boundary in the content type', form(fieldPart('List-Unsubscribe', 'One-Click')).toString(), 'multipart/form-data'],
    ['a part without a name', `--${B}\r\nContent-Disposition: form-data\r\n\r\nOne-Click\r\n--${B}--`, TYPE],
    ['a malformed header', `--${B}\r\nContent-Disposition form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${B}--`, TYPE],
    ['too many fields', form(fieldPart('List-Unsubscribe', 'One-Click'), ...Array.from({ length: 50 }, (_, i) => fieldPart(`f${i}`, 'x'))).toString(), TYPE],
    ['an oversized field', form(fieldPart('List-Unsubscribe', 'One-Click'), fieldPart('pad', 'x'.repeat(9000))).toString(), TYPE],
  ];

  async function world() {
    const services = memoryServices();
    services.at('2026-09-01T06:00:00.000Z');
    const handler = createApiHandler(Promise.resolve(services), silentLogger);
    const signup = new URLSearchParams({ email: 'asha@example.com', timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' }).toString();
    await handler(request('POST', '/subscribe', signup, 'application/x-www-form-urlencoded'));
    const confirmPath = /https:\/\/coach\.example\.test(\/confirm\/[A-Za-z0-9_.-]+)/.exec(services.email.sent.at(-1)!.text)![1]!;
    expect((await handler(request('POST', confirmPath, 'confirm=yes', 'application/x-www-form-urlencoded'))).statusCode).toBe(200);
    const personId = (await services.store.findPersonIdByEmail('asha@example.com'))!;
    const now = services.clock.now();
    const snapshot = () => JSON.stringify({ store: (services.store as MemoryStore).snapshot(), emails: services.email.sent.length, texts: services.sms.sent.length });
    return { services, handler, personId, snapshot, unsubscribe: `/unsubscribe/${issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, now)}`, preferences: `/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, now)}` };
  }

  test.each(MALFORMED)('one-click unsubscribe, sign-up and preferences: %s', async (_what, body, contentType) => {
    const w = await world();
    const before = w.snapshot();
    for (const path of [w.unsubscribe, '/subscribe', w.preferences]) {
      const answer = await w.handler(request('POST', path, body, contentType));
      expect({ path, status: answer.statusCode }).toEqual({ path, status: 400 });
      expect(String(answer.body)).toContain('malformed multipart form');
    }
    expect(w.snapshot()).toBe(before);
    expect((await w.services.store.getPerson(w.personId))!.consent.email).toMatchObject({ state: 'confirmed' });
  });

  test('the well-formed body, with a file part beside it, unsubscribes (so the refusals above are the parser speaking)', async () => {
    const w = await world();
    const body = form(`--${B}\r\nContent-Disposition: form-data; name="attachment"; filename="a.txt"\r\n\r\nignored\r\n`, fieldPart('List-Unsubscribe', 'One-Click')).toString();
    const answer = await w.handler(request('POST', w.unsubscribe, body, TYPE));
    expect(answer.statusCode).toBe(200);
    expect((await w.services.store.getPerson(w.personId))!.consent.email).toMatchObject({ state: 'revoked', source: 'one-click' });
  });
});

describe('headerValue', () => {
  test('splits a header into its value and parameters', () => {
    expect(headerValue('form-data; name="a;b"; filename=x.txt')).toEqual({ value: 'form-data', params: expect.objectContaining({ name: 'a;b', filename: 'x.txt' }) });
    expect(headerValue('text/plain')).toEqual({ value: 'text/plain', params: {} });
    expect(headerValue('form-data; name')).toBeUndefined();
    expect(headerValue('form-data; name=a b')).toBeUndefined();
  });
});

describe('files, where the caller names them', () => {
  const body = [
    '--XyZ',
    'Content-Disposition: form-data; name="form"',
    '',
    'token-1',
    '--XyZ',
    'Content-Disposition: form-data; name="file"; filename="members.csv"',
    'Content-Type: text/csv',
    '',
    'email;time_zone\r\na@example.com;UTC',
    '--XyZ',
    'Content-Disposition: form-data; name="other"; filename="x.bin"',
    'Content-Type: application/octet-stream',
    '',
    '\u0000\u0001',
    '--XyZ--',
    '',
  ].join('\r\n');

  test('a named file part comes back as its bytes, untouched; any other file part is skipped', () => {
    const parsed = parseMultipartForm(Buffer.from(body, 'latin1'), 'multipart/form-data; boundary=XyZ', { files: ['file'] });
    expect(parsed).toEqual({ ok: true, fields: { form: 'token-1' }, files: { file: Buffer.from('email;time_zone\r\na@example.com;UTC') } });
  });

  test('without the option, files are skipped as before', () => {
    expect(parseMultipartForm(Buffer.from(body, 'latin1'), 'multipart/form-data; boundary=XyZ')).toEqual({ ok: true, fields: { form: 'token-1' }, files: {} });
  });
});
