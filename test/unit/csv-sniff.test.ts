import fc from 'fast-check';
import { CSV_DELIMITERS, detectDelimiter, detectEncoding, headerCells } from '../../shared/domain/csv-sniff';

/** The header row decides the delimiter; the first bytes decide the encoding. */

const KNOWN = ['email', 'phone', 'name', 'time_zone', 'visa_track', 'attempt', 'step1_exam'];
const isKnown = (cell: string) => KNOWN.includes(cell.trim().toLowerCase());

describe('delimiter', () => {
  test('any header of known columns, written with any delimiter, is read with that delimiter', () => {
    fc.assert(
      fc.property(fc.subarray(KNOWN, { minLength: 2 }), fc.constantFrom(...CSV_DELIMITERS), fc.boolean(), (columns, delimiter, quoted) => {
        const header = columns.map((c) => (quoted ? `"${c}"` : c)).join(delimiter);
        expect(detectDelimiter(`${header}\r\nrest,of;the\tfile`, isKnown)).toBe(delimiter);
        expect(headerCells(header, delimiter)).toEqual(columns);
      }),
    );
  });

  test('a lone known column reads as comma-separated; unknown headers fall back to the comma', () => {
    expect(detectDelimiter('email\n', isKnown)).toBe(',');
    expect(detectDelimiter('foo;bar;baz\n', isKnown)).toBe(',');
  });

  test('quotes are respected: delimiters inside a quoted header cell do not split it', () => {
    expect(headerCells('"a;b",c;"d""e"\nnext', ';')).toEqual(['a;b,c', 'd"e']);
    expect(detectDelimiter('"email";"name, first";time_zone', (c) => isKnown(c) || c === 'name, first')).toBe(';');
  });
});

describe('encoding', () => {
  test.each([
    ['UTF-8', Buffer.from('email,name\nJosé,Zoë 😀\n'), 'utf-8'],
    ['UTF-8 with a BOM', Buffer.from('\uFEFFemail\n'), 'utf-8'],
    ['UTF-16 LE with BOM', Buffer.from('\uFEFFemail,name\n', 'utf16le'), 'utf-16le'],
    ['UTF-16 LE without BOM', Buffer.from('email,name\n', 'utf16le'), 'utf-16le'],
    ['UTF-16 BE with BOM', Buffer.from('\uFEFFemail,name\n', 'utf16le').swap16(), 'utf-16be'],
    ['UTF-32 LE with BOM', Buffer.from([0xff, 0xfe, 0, 0, 0x65, 0, 0, 0]), 'utf-32le'],
    ['Windows-1252', Buffer.from('email,name\na@x.org,Jos\xe9 M\xfcller\n', 'latin1'), 'windows-1252'],
    ['binary', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x81]), 'unknown'],
  ])('%s', (_what, bytes, expected) => {
    expect(detectEncoding(bytes, true)).toBe(expected);
  });

  test('a UTF-8 character cut at the end of a chunk is not a fault unless the file ends there', () => {
    const bytes = Buffer.from('name\nJosé');
    const cut = bytes.subarray(0, bytes.length - 1);
    expect(detectEncoding(cut, false)).toBe('utf-8');
    expect(detectEncoding(cut, true)).not.toBe('utf-8');
  });
});
