/**
 * Domain errors carry a code; the HTTP layer and the CLI turn codes into responses in exactly one
 * place each (functions/http.ts, bin/matchcoach.ts). Messages are safe to show the caller.
 * They live in the domain so that adapters can raise them too (a store refusing a write for
 * someone who is gone) without reaching into the use cases.
 */
export type DomainErrorCode = 'validation' | 'not_found' | 'conflict' | 'unknown_sequence' | 'missing_anchor' | 'forbidden' | 'too_large';

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

/** One readable line from a zod error: "field: problem; field: problem". */
export function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}
