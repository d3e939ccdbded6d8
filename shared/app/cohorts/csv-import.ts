import { Readable, Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { CohortMember, CounselorPrincipal } from '../../domain/counselor';
import { recordAudit } from '../counselors/audit';
import { MemberInput, duplicateKeys, summarise, type MembersReport, type RowOutcome } from './member-input';
import { linkIfAccepted, upsertMembers } from './upsert-members';
import { memberBatch, type MemberBatch } from './member-batch';
import type { CohortDeps } from './deps';
import { describeIssues, DomainError } from '../../domain/errors';
import { personalDateProblems } from '../../domain/personal-dates';
import { SAVE_AS_UTF8, delimiterName, detectDelimiter, detectEncoding, notUtf8Message, type CsvDelimiter } from '../../domain/csv-sniff';

/**
 * CSV import of cohort members. The file is read as a stream (csv-parse), each row is
 * validated with the same schema as a JSON member (cohorts/member-input.ts), and only when the
 * whole file has been read without a file-level fault does anything get written: a file that is
 * not UTF-8, too large, cut off inside a quoted cell or missing its header changes nothing. A
 * rejected row changes nothing either; the others go through upsertMembers (each row as
 * upsertMember would write it, with people read in batches and new people created several to a
 * request), so importing the same file again finds every row `unchanged`.
 *
 * What spreadsheets save is read as it is (shared/domain/csv-sniff.ts): the delimiter (comma,
 * semicolon or tab) is taken from the header row, and a file that is not UTF-8 is refused with its
 * encoding named.
 *
 * Columns (header row required, any order, case and spacing free; see README "Counselors"):
 *   email, phone, name, time_zone (required), visa_track, applicant_type, attempt,
 *   step1_exam, step2_exam, step3_exam, oet_exam, documents_due
 * Each row needs an email or a phone (or both).
 */

/** Larger files would not fit one API request anyway (API Gateway and Lambda cap bodies at 6 MB). */
export const MAX_CSV_BYTES = 4 * 1024 * 1024;
export const MAX_CSV_ROWS = 20_000;
/** One cell or row larger than this is not a member list. */
const MAX_RECORD_BYTES = 8 * 1024;

/** Header names as people write them, to the member field they fill. */
const COLUMN_ALIASES: Record<string, keyof typeof COLUMN_FIELDS> = {
  email: 'email',
  email_address: 'email',
  phone: 'phone',
  mobile: 'phone',
  phone_number: 'phone',
  phone_channel: 'phone_channel',
  name: 'name',
  first_name: 'name',
  time_zone: 'time_zone',
  timezone: 'time_zone',
  zone: 'time_zone',
  visa_track: 'visa_track',
  visa: 'visa_track',
  applicant_type: 'applicant_type',
  attempt: 'attempt',
  step1_exam: 'step1_exam',
  step2_exam: 'step2_exam',
  step3_exam: 'step3_exam',
  oet_exam: 'oet_exam',
  documents_due: 'documents_due',
};
const COLUMN_FIELDS = {
  email: 'email',
  phone: 'phone',
  phone_channel: 'phoneChannel',
  name: 'firstName',
  time_zone: 'timeZone',
  visa_track: 'visaTrack',
  applicant_type: 'applicantType',
  attempt: 'attempt',
  step1_exam: 'step1_exam',
  step2_exam: 'step2_exam',
  step3_exam: 'step3_exam',
  oet_exam: 'oet_exam',
  documents_due: 'documents_due',
} as const;
const CSV_COLUMNS = Object.keys(COLUMN_FIELDS);

export interface ImportReport extends MembersReport {
  /** Set when the file as a whole could not be read: then no row was written. */
  fileError?: string;
  /** People whose invitation is still to go (sendInvitations sends it). */
  toInvite: string[];
}

export interface ImportOptions {
  /** Called as rows are read and as they are written, for a progress display. */
  onProgress?: (progress: { phase: 'reading' | 'writing'; done: number; total?: number }) => void;
}

/** What is wrong with the file as a whole; caught below and reported as the import's fileError. */
class FileFault extends DomainError {
  constructor(message: string) {
    super('validation', message);
  }
}

/** Normalises a header cell: "Time Zone" and "time-zone" both read as time_zone. */
const headerKey = (cell: string) => cell.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s-]+/g, '_');
const isKnownColumn = (cell: string) => Object.prototype.hasOwnProperty.call(COLUMN_ALIASES, headerKey(cell));

/** Enough of a file to hold its header row: what the delimiter and the encoding are read from. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Reads and imports a CSV file into a cohort of the caller's org. Returns a report in every
 * case but one: the cohort is not the caller's (404) or is archived (409), before anything is read.
 */
export async function importCsv(
  deps: CohortDeps,
  actor: CounselorPrincipal,
  cohortId: string,
  source: Buffer | NodeJS.ReadableStream,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const joined: CohortMember[] = [];
  const opened = await memberBatch(deps, actor, cohortId);
  const batch: MemberBatch = { ...opened, memberSink: (member: CohortMember) => joined.push(member) };
  const read = await readRows(source, options, opened.cohort.season);
  if ('fileError' in read) {
    await recordAudit(deps, actor, 'member.import', { kind: 'cohort', id: cohortId }, { rejectedFile: true });
    return { rows: [], summary: summarise([]), fileError: read.fileError, toInvite: [] };
  }

  // Read only once the file is known to be good: one paged query instead of a read per row.
  batch.members ??= new Map((await deps.counselors.listCohortMembers(opened.cohort.orgId, cohortId)).map((m) => [m.personId, m]));
  const pending = read.rows.flatMap((r) => ('input' in r ? [r.input] : []));
  let written = 0;
  const settled = await upsertMembers(batch, pending, () => options.onProgress?.({ phase: 'writing', done: ++written, total: pending.length }));
  let next = 0;
  const outcomes: (RowOutcome & { row: number })[] = read.rows.map((r) => ('reason' in r ? { row: r.row, status: 'rejected', reason: r.reason } : { row: r.row, ...settled[next++]! }));
  // People first, then their memberships in batches: a run cut short in between leaves people
  // without a membership, which the same file imported again adds (they read as `added`).
  await deps.counselors.saveCohortMembers(joined);
  await linkIfAccepted(batch, joined);

  const summary = summarise(outcomes);
  await recordAudit(deps, actor, 'member.import', { kind: 'cohort', id: cohortId }, { ...summary, via: 'csv' });
  const toInvite = outcomes.flatMap((o) => (o.status === 'added' || o.status === 'updated' ? [o.personId] : []));
  return { rows: outcomes, summary, toInvite };
}

type ReadRow = { row: number; input: MemberInput } | { row: number; reason: string };

/**
 * The first bytes of the file, and the whole file again as a stream (those bytes first): a
 * stream is read only once, so what was looked at is put back in front.
 */
async function sniff(source: Buffer | NodeJS.ReadableStream): Promise<{ head: Buffer; complete: boolean; stream: Readable }> {
  if (Buffer.isBuffer(source)) return { head: source.subarray(0, SNIFF_BYTES), complete: source.length <= SNIFF_BYTES, stream: Readable.from([source]) };
  const iterator = (source as Readable)[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let size = 0;
  let complete = false;
  while (size < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      complete = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value));
    taken.push(chunk);
    size += chunk.length;
    // A header row is a line: once a line end is in hand there is enough to judge it.
    if (chunk.includes(0x0a) && size >= 1024) break;
  }
  const rest = async function* () {
    yield* taken;
    if (complete) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value as Buffer;
  };
  const head = Buffer.concat(taken);
  return { head: head.subarray(0, SNIFF_BYTES), complete, stream: Readable.from(rest()) };
}

/** Phase one: the whole file read and every row judged, nothing written. */
async function readRows(source: Buffer | NodeJS.ReadableStream, options: ImportOptions, season: number): Promise<{ rows: ReadRow[] } | { fileError: string }> {
  const { head, complete, stream: input } = await sniff(source);
  const encoding = detectEncoding(head, complete);
  if (encoding !== 'utf-8') return { fileError: notUtf8Message(encoding) };
  const delimiter: CsvDelimiter = detectDelimiter(head.toString('utf8').replace(/^\uFEFF/, ''), isKnownColumn);
  const parser = parse({
    bom: true,
    delimiter,
    relax_column_count: true,
    // A stray quote inside a cell (O"Brien) is read as a character, not a fault that sinks the file.
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  const rows: ReadRow[] = [];
  const seen = new Map<string, number>();
  let columns: (keyof typeof COLUMN_FIELDS)[] | undefined;
  let records = 0;
  try {
    const stream = input.pipe(utf8Guard()).on('error', (error) => parser.destroy(error));
    stream.pipe(parser);
    for await (const record of parser as AsyncIterable<string[]>) {
      records++;
      if (!columns) {
        columns = headerOf(record, delimiter);
        continue;
      }
      const row = records; // the spreadsheet's row number: the header is row 1
      if (records - 1 > MAX_CSV_ROWS) throw new FileFault(`the file has more than ${MAX_CSV_ROWS.toLocaleString('en-US')} rows: split it into smaller files`);
      rows.push(judgeRow(row, record, columns, seen, season));
      if (rows.length % 500 === 0) options.onProgress?.({ phase: 'reading', done: rows.length });
    }
  } catch (error) {
    if (error instanceof FileFault) return { fileError: error.message };
    if (error instanceof CsvError) return { fileError: `the file is not valid CSV (${csvProblem(error.code)}${lineOf(error)}): nothing was imported` };
    throw error;
  }
  if (!columns) return { fileError: 'the file is empty: it needs a header row and one row per person' };
  options.onProgress?.({ phase: 'reading', done: rows.length });
  return { rows };
}

function headerOf(record: string[], delimiter: CsvDelimiter): (keyof typeof COLUMN_FIELDS)[] {
  const columns = record.map((cell) => {
    const column = COLUMN_ALIASES[headerKey(cell)];
    if (!column) {
      throw new FileFault(
        `unknown column "${cell.slice(0, 40)}" in the header (read as ${delimiterName(delimiter)}-separated): the columns are ${CSV_COLUMNS.join(', ')}, separated by commas, semicolons or tabs`,
      );
    }
    return column;
  });
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice) throw new FileFault(`the column ${twice} appears twice in the header`);
  if (!columns.includes('time_zone')) throw new FileFault('the header needs a time_zone column (an IANA name such as Asia/Kolkata)');
  if (!columns.includes('email') && !columns.includes('phone')) throw new FileFault('the header needs an email column, a phone column, or both');
  return columns;
}

function judgeRow(row: number, record: string[], columns: (keyof typeof COLUMN_FIELDS)[], seen: Map<string, number>, season: number): ReadRow {
  if (record.length !== columns.length) return { row, reason: `expected ${columns.length} cells, found ${record.length}` };
  const fields: Record<string, unknown> = {};
  for (const [i, column] of columns.entries()) {
    const cell = record[i]!;
    // An empty cell means "not given"; a cell of spaces too, unless the spaces hide a formula.
    if (cell.trim() === '' && !/[\t\r]/.test(cell)) continue;
    fields[COLUMN_FIELDS[column]] = column === 'attempt' && /^\s*\d+\s*$/.test(cell) ? Number(cell) : cell;
  }
  const parsed = MemberInput.safeParse(fields);
  if (!parsed.success) return { row, reason: describeIssues(parsed.error.issues.map((i) => ({ ...i, path: i.path.map((p) => columnName(String(p))) }))) };
  // The cohort's season bounds the dates, as on every other form a date arrives by.
  const outside = personalDateProblems(parsed.data, season)[0];
  if (outside) return { row, reason: `${outside.name}: ${outside.message}` };
  const twin = duplicateKeys(parsed.data).map((k) => seen.get(k)).find((r) => r !== undefined);
  if (twin !== undefined) return { row, reason: `the same person (email or phone) as row ${twin}` };
  for (const key of duplicateKeys(parsed.data)) seen.set(key, row);
  return { row, input: parsed.data };
}

/** The CSV column a member field came from, so reasons name what the counselor sees. */
const columnName = (field: string) => Object.entries(COLUMN_FIELDS).find(([, f]) => f === field)?.[0] ?? field;

function csvProblem(code: string): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell is never closed';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote in the middle of a cell';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quote in the middle of a cell';
    case 'CSV_MAX_RECORD_SIZE':
      return `a row longer than ${MAX_RECORD_BYTES / 1024} KB`;
    default:
      return String(code).toLowerCase().replace(/^csv_/, '').replace(/_/g, ' ');
  }
}
const lineOf = (error: unknown) => {
  const lines = (error as { lines?: number }).lines;
  return typeof lines === 'number' ? ` at line ${lines}` : '';
};

/**
 * Passes bytes through while checking they are UTF-8 and within MAX_CSV_BYTES. A spreadsheet
 * saved as Latin-1 or UTF-16 would otherwise import names as mojibake, silently.
 */
function utf8Guard(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      bytes += chunk.length;
      if (bytes > MAX_CSV_BYTES) return done(new FileFault(`the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB: split it into smaller files`));
      try {
        decoder.decode(chunk, { stream: true });
        // NUL is valid UTF-8 but never in a member list: it is what UTF-16 looks like byte by byte.
        if (chunk.includes(0)) throw new Error('NUL');
      } catch {
        // Past the header (which was checked whole): name what this part of the file looks like.
        const encoding = detectEncoding(chunk);
        return done(new FileFault(encoding === 'utf-8' ? `the file is not UTF-8 text: ${SAVE_AS_UTF8}` : notUtf8Message(encoding)));
      }
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      try {
        decoder.decode();
      } catch {
        return done(new FileFault(`the file is not UTF-8 text: it ends in the middle of a character; ${SAVE_AS_UTF8}`));
      }
      done();
    },
  });
}
