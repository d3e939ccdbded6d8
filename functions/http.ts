import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type DomainErrorCode } from '../shared/app/errors';
import type { Logger } from '../shared/ports';

/** The one place where outcomes and domain errors become HTTP responses. */

const STATUS_FOR: Record<DomainErrorCode, number> = {
  validation: 400,
  missing_anchor: 400,
  unknown_sequence: 404,
  not_found: 404,
  conflict: 409,
};

export const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** Domain errors keep their safe message; anything else is a 500 with no internals echoed. */
export function errorResponse(error: unknown, log: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) return json(STATUS_FOR[error.code], { error: error.code, message: error.message });
  log.error('unhandled error', { error: error instanceof Error ? error.message : String(error) });
  return json(500, { error: 'internal', message: 'Something went wrong on our side; nothing was changed.' });
}
