import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, errorLogFields, type DomainErrorCode } from '../shared/domain/errors';
import type { Logger } from '../shared/ports';
import { problemPage } from '../web/error-page';

/**
 * The one place where failures become HTTP responses. A failure is first a Problem (status, code,
 * a message safe to show), then written for whoever asked: a page for a browser (it says it
 * accepts text/html), JSON for everyone else (API clients, Twilio, SNS, curl).
 */

const STATUS_FOR: Record<DomainErrorCode, number> = {
  validation: 400,
  bad_request: 400,
  missing_anchor: 400,
  unknown_sequence: 404,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  too_large: 413,
};

export interface Problem {
  status: number;
  /** Machine-readable, the `error` field of the JSON. */
  code: string;
  /** Safe to show the caller: never internals. */
  message: string;
  /** Extra response headers (Allow on a 405, WWW-Authenticate on a 401). */
  headers?: Record<string, string>;
}

export const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * Domain errors keep their safe message; anything else is a 500 with no internals echoed, and
 * logged by name and code only (errorLogFields: its message may hold personal data).
 */
export function problemOf(error: unknown, log: Logger): Problem {
  if (error instanceof DomainError) return { status: STATUS_FOR[error.code], code: error.code, message: error.message };
  log.error('unhandled error', errorLogFields(error));
  return { status: 500, code: 'internal', message: 'Something went wrong on our side; nothing was changed.' };
}

/**
 * Whether the caller asked for a page: text/html named in Accept (not merely through a wildcard:
 * curl and fetch send `*\/*` and get JSON), with a quality no lower than application/json's.
 */
export function wantsHtml(event: Pick<APIGatewayProxyEventV2, 'headers'> | undefined): boolean {
  const accept = Object.entries(event?.headers ?? {}).find(([name]) => name.toLowerCase() === 'accept')?.[1];
  if (!accept) return false;
  const quality = new Map<string, number>();
  for (const range of accept.toLowerCase().split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim());
    if (!type) continue;
    const q = params.map((p) => /^q=(.*)$/.exec(p)?.[1]).find((v) => v !== undefined);
    const value = q === undefined ? 1 : Number(q);
    // An unreadable quality counts as "not wanted", never as the default of 1.
    quality.set(type, Number.isFinite(value) ? value : 0);
  }
  const html = quality.get('text/html') ?? 0;
  return html > 0 && html >= (quality.get('application/json') ?? 0);
}

export interface ProblemRenderers {
  /** The page for this problem; by default the plain error page. The counselors' side passes its sign-in page for a 401. */
  html?: (problem: Problem) => APIGatewayProxyStructuredResultV2 | undefined;
}

/** A problem as a page (the two renderers: this one and JSON below). */
export function problemAsPage(problem: Problem, renderers: ProblemRenderers = {}): APIGatewayProxyStructuredResultV2 {
  const rendered = renderers.html?.(problem) ?? problemPage(problem);
  return { ...rendered, headers: { ...rendered.headers, ...problem.headers } };
}

/** A problem as JSON: `{ error: code, message }`. */
export function problemAsJson(problem: Problem): APIGatewayProxyStructuredResultV2 {
  const body = json(problem.status, { error: problem.code, message: problem.message });
  return { ...body, headers: { ...body.headers, ...problem.headers } };
}

/** A problem written for this caller: a page or JSON. */
export function problemResponse(event: Pick<APIGatewayProxyEventV2, 'headers'> | undefined, problem: Problem, renderers: ProblemRenderers = {}): APIGatewayProxyStructuredResultV2 {
  return wantsHtml(event) ? problemAsPage(problem, renderers) : problemAsJson(problem);
}

/** Any error thrown by a route, written for this caller (see problemOf for what is shown). */
export function errorResponse(error: unknown, log: Logger, event?: Pick<APIGatewayProxyEventV2, 'headers'>, renderers?: ProblemRenderers): APIGatewayProxyStructuredResultV2 {
  return problemResponse(event, problemOf(error, log), renderers);
}

/** Any error thrown behind an address only a browser opens: always the page, whatever Accept says. */
export function errorPage(error: unknown, log: Logger, renderers?: ProblemRenderers): APIGatewayProxyStructuredResultV2 {
  return problemAsPage(problemOf(error, log), renderers);
}

/** Any error thrown behind an address only machines call (webhooks): always JSON. */
export function errorJson(error: unknown, log: Logger): APIGatewayProxyStructuredResultV2 {
  return problemAsJson(problemOf(error, log));
}
