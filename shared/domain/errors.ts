/**
 * Domain errors carry a code; the HTTP layer and the CLI turn codes into responses in exactly one
 * place each (functions/http.ts, bin/matchcoach.ts). Messages are safe to show the caller.
 * They live in the domain so that adapters can raise them too (a store refusing a write for
 * someone who is gone) without reaching into the use cases.
 */
export type DomainErrorCode = 'validation' | 'bad_request' | 'not_found' | 'conflict' | 'unknown_sequence' | 'missing_anchor' | 'forbidden' | 'too_large';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A write for a person who is not there: never created, erased, or being erased right now. The
 * stores raise it instead of writing, so "delete all my data" stays final whatever runs at the
 * same moment (an inbound text, a plan edit, a dispatcher planning the next message).
 */
export class PersonGone extends DomainError {
  constructor() {
    super('not_found', 'That person is no longer here.');
  }
}

/**
 * What an error log records of an error: its name and, when it has one, its code; never the
 * message of an error that is not a DomainError (a storage error's message can echo the item it
 * was writing, that is personal data; a provider's can name the recipient). Every log of a caught
 * error takes its fields from here, so no place decides this for itself.
 */
export function errorLogFields(error: unknown): { error: string; code?: string } {
  if (error instanceof DomainError) return { error: 'DomainError', code: error.code };
  if (!(error instanceof Error)) return { error: typeof error };
  // SDK and Node errors carry a machine code (ConditionalCheckFailedException, ECONNRESET): a
  // token, never free text; anything else is left out.
  const code = (error as { code?: unknown }).code;
  return { error: error.name, ...(typeof code === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(code) && { code }) };
}

/** What describeIssues reads of a zod issue. */
export interface IssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  values?: readonly unknown[];
  expected?: string;
  input?: unknown;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  keys?: readonly string[];
}

/** zod's own wording ("Invalid option: expected one of ...") is for developers; ours replaces it. */
const ZOD_WORDING = /^(Invalid (input|option|string|email|URL|ISO|number|type|key|element|value)|Too (big|small)|Unrecognized key|Expected )/;

/** One issue in plain words; a schema's own message is kept as written. */
export function plainIssue(issue: IssueLike): string {
  if (!ZOD_WORDING.test(issue.message)) return issue.message;
  const size = (bound: number | bigint | undefined) => String(bound);
  switch (issue.code) {
    case 'invalid_value':
      return issue.values?.length ? `expected one of ${issue.values.map(String).join(', ')}` : 'not an accepted value';
    case 'invalid_type':
      if (issue.input === undefined) return 'missing';
      return `expected ${issue.expected === 'number' || issue.expected === 'int' ? 'a number' : issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'an object' : issue.expected === 'boolean' ? 'true or false' : 'text'}`;
    case 'too_small':
      return issue.origin === 'string' ? `must be at least ${size(issue.minimum)} characters` : issue.origin === 'array' ? `needs at least ${size(issue.minimum)}` : `must be at least ${size(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `can be at most ${size(issue.maximum)} characters` : issue.origin === 'array' ? `holds at most ${size(issue.maximum)}` : `must be at most ${size(issue.maximum)}`;
    case 'unrecognized_keys':
      return `unknown field${(issue.keys?.length ?? 0) > 1 ? 's' : ''}: ${(issue.keys ?? []).join(', ')}`;
    case 'invalid_format':
      return 'not in the expected format';
    default:
      return 'not valid';
  }
}

/** One readable line from a zod error: "field: problem; field: problem". */
export function describeIssues(issues: readonly IssueLike[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${plainIssue(i)}` : plainIssue(i))).join('; ');
}
