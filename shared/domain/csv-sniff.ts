/**
 * What a spreadsheet saved, read from the first bytes of a member list before any row is parsed.
 * Pure: bytes and text in, a decision out.
 *
 * Delimiters. Excel writes "CSV" with the list separator of the computer's region: a comma in
 * the US, UK and India, a semicolon in much of Europe and Latin America (where the comma is the
 * decimal mark), and "Text (tab delimited)" uses tabs. The header row decides: the delimiter that
 * splits it into the most column names we know wins, so a file is never read with the wrong one.
 *
 * Encodings. We read UTF-8 only (a wrong guess would import names as mojibake, silently), so a
 * file in anything else is refused with its encoding named and the way to save it as UTF-8.
 */

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

const DELIMITER_NAMES: Record<CsvDelimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };
export const delimiterName = (delimiter: CsvDelimiter) => DELIMITER_NAMES[delimiter];

/**
 * The header row's cells for a delimiter: quotes respected (a quoted name may hold the other
 * delimiters), stopping at the first line end outside quotes.
 */
export function headerCells(text: string, delimiter: CsvDelimiter): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
      continue;
    }
    if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      break;
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/**
 * The delimiter of a member list, from its header row: the one whose cells are most often column
 * names we know (`isKnownColumn`); on a tie, the one that splits the row into more cells, then
 * the comma. A header of one known name (`email`) reads the same with any of them: comma; so
 * does a header with no known name at all.
 */
export function detectDelimiter(head: string, isKnownColumn: (cell: string) => boolean): CsvDelimiter {
  let best: { delimiter: CsvDelimiter; known: number; cells: number } = { delimiter: ',', known: -1, cells: 0 };
  for (const delimiter of CSV_DELIMITERS) {
    const cells = headerCells(head, delimiter);
    const known = cells.filter(isKnownColumn).length;
    if (known > best.known || (known === best.known && cells.length > best.cells)) best = { delimiter, known, cells: cells.length };
  }
  // Nothing known whichever way it is split: read as commas, and the header's error says so.
  return best.known > 0 ? best.delimiter : ',';
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be' | 'windows-1252' | 'unknown';

/** How each encoding is named to the person who saved the file, and how to save it as UTF-8. */
const ENCODING_WORDS: Record<Exclude<TextEncoding, 'utf-8'>, string> = {
  'utf-16le': 'UTF-16 (what Excel calls "Unicode Text")',
  'utf-16be': 'UTF-16 big-endian',
  'utf-32le': 'UTF-32',
  'utf-32be': 'UTF-32 big-endian',
  'windows-1252': 'Windows-1252 or Latin-1 (what Excel on Windows saves as plain "CSV" in Western Europe and the Americas)',
  unknown: 'an encoding other than UTF-8',
};

export const SAVE_AS_UTF8 = 'save it as "CSV UTF-8 (Comma delimited)" in Excel, or with the UTF-8 encoding in Numbers, LibreOffice or Google Sheets, and try again';

/** The sentence a refused file gets: its encoding named, and what to do. */
export const notUtf8Message = (encoding: Exclude<TextEncoding, 'utf-8'>) => `the file is not UTF-8 text: it looks like ${ENCODING_WORDS[encoding]}; ${SAVE_AS_UTF8}`;

/**
 * The encoding of the first bytes of a file. A byte order mark names it; without one, NULs at
 * every other (or every fourth) byte are UTF-16 (UTF-32) ASCII text; bytes that are not valid
 * UTF-8 but are all printable in Windows-1252 are that (Latin-1 is its subset for letters).
 * `complete`: the bytes are the whole file, so a sequence cut at the end is an error, not a
 * chunk boundary.
 */
export function detectEncoding(bytes: Uint8Array, complete = false): TextEncoding {
  const at = (i: number) => bytes[i] ?? -1;
  if (at(0) === 0xff && at(1) === 0xfe && at(2) === 0 && at(3) === 0) return 'utf-32le';
  if (at(0) === 0 && at(1) === 0 && at(2) === 0xfe && at(3) === 0xff) return 'utf-32be';
  if (at(0) === 0xff && at(1) === 0xfe) return 'utf-16le';
  if (at(0) === 0xfe && at(1) === 0xff) return 'utf-16be';
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096));
  if (sample.length >= 4) {
    const nulAt = (phase: number, step: number) => {
      let nul = 0;
      let all = 0;
      for (let i = phase; i < sample.length; i += step) {
        all++;
        if (sample[i] === 0) nul++;
      }
      return all > 0 && nul / all > 0.9;
    };
    if (nulAt(1, 4) && nulAt(2, 4) && nulAt(3, 4)) return 'utf-32le';
    if (nulAt(0, 4) && nulAt(1, 4) && nulAt(2, 4)) return 'utf-32be';
    if (nulAt(1, 2)) return 'utf-16le';
    if (nulAt(0, 2)) return 'utf-16be';
  }
  if (sample.includes(0)) return 'unknown';
  if (isUtf8(bytes, complete)) return 'utf-8';
  // 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned in Windows-1252; control bytes are not text either.
  const unassigned = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
  for (const byte of sample) if (unassigned.has(byte) || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)) return 'unknown';
  return 'windows-1252';
}

function isUtf8(bytes: Uint8Array, complete: boolean): boolean {
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    decoder.decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}
