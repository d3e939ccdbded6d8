/**
 * Domain errors carry a code; the HTTP layer and the CLI turn codes into responses in exactly one
 * place each (functions/http.ts, bin/matchcoach.ts). Messages are safe to show the caller.
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

/** One readable line from a zod error: "field: problem; field: problem". */
export function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}
