import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DomainError } from '../shared/domain/errors';
import { parseMultipartForm } from './multipart-form';

/**
 * Reading what arrives over HTTP, defensively: bodies are bounded, decoded once, and parsed as
 * urlencoded or multipart form data (RFC 8058 one-click POSTs may be either). Validation of the
 * fields is each route's zod schema.
 */

const MAX_FORM_BYTES = 64 * 1024;

/** A request we cannot read (too large, not a form, a malformed multipart body): a 400 through the one mapper (functions/http.ts). */
export class BadRequest extends DomainError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  if (!event.body) return Buffer.alloc(0);
  const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (body.length > MAX_FORM_BYTES) throw new BadRequest('the request body is too large');
  return body;
}

const header = (event: APIGatewayProxyEventV2, name: string) =>
  Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';

/** Form fields as strings; a repeated field keeps its last value. */
export function formFields(event: APIGatewayProxyEventV2): Record<string, string> {
  const body = rawBody(event);
  const type = header(event, 'content-type').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const form = parseMultipartForm(body, header(event, 'content-type'));
    if (!form.ok) throw new BadRequest(`malformed multipart form: ${form.reason}`);
    return form.fields;
  }
  if (type === '' || type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  throw new BadRequest('expected a form (application/x-www-form-urlencoded or multipart/form-data)');
}

/**
 * The URL the caller used, as the public sees it: what Twilio signs. Built from the configured
 * public base (API Gateway's view of host and stage can differ from it) plus path and query.
 */
export function publicUrlOf(event: APIGatewayProxyEventV2, publicBaseUrl: string): string {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `${publicBaseUrl.replace(/\/$/, '')}${event.rawPath}${query}`;
}

export { header as requestHeader };
