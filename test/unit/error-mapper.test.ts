import { errorJson, errorPage, errorResponse, problemOf } from '../../functions/http';
import { BadRequest } from '../../functions/request';
import { DomainError, errorLogFields, PersonGone, type DomainErrorCode } from '../../shared/domain/errors';
import { SesEventError } from '../../shared/app/subscription/ses-events';
import type { Logger } from '../../shared/ports';

/**
 * The one mapper (functions/http.ts): every error class is a DomainError with a code, the code
 * decides the status, the page or the JSON is the renderer's, and a log of a fault records the
 * error's name and code, never what its message says.
 */

function recordingLog() {
  const lines: Array<{ level: string; message: string; attributes?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, attributes?: Record<string, unknown>) => void lines.push({ level, message, ...(attributes && { attributes }) });
  const log: Logger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

const BROWSER = { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } };
const API = { headers: { accept: 'application/json' } };

describe('status by code', () => {
  test.each<[DomainErrorCode, number]>([
    ['validation', 400],
    ['bad_request', 400],
    ['missing_anchor', 400],
    ['forbidden', 403],
    ['not_found', 404],
    ['unknown_sequence', 404],
    ['conflict', 409],
    ['too_large', 413],
  ])('%s is %i, with its safe message, and nothing logged', (code, status) => {
    const { log, lines } = recordingLog();
    expect(problemOf(new DomainError(code, 'what to change'), log)).toEqual({ status, code, message: 'what to change' });
    expect(lines).toEqual([]);
  });
});

describe('the error classes that were outside DomainError', () => {
  test('a request we cannot read is a 400 bad_request, as before', () => {
    const { log } = recordingLog();
    const error = new BadRequest('expected a form');
    expect(error).toBeInstanceOf(DomainError);
    const response = errorResponse(error, log, API);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body))).toEqual({ error: 'bad_request', message: 'expected a form' });
  });

  test('an SES event we cannot read is a 400 bad_request in JSON', () => {
    const { log } = recordingLog();
    const error = new SesEventError('not an SES event');
    expect(error).toBeInstanceOf(DomainError);
    const response = errorJson(error, log);
    expect(response).toEqual({
      statusCode: 400,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ error: 'bad_request', message: 'not an SES event' }),
    });
  });

  test('someone erased is a 404', () => {
    expect(problemOf(new PersonGone(), recordingLog().log)).toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('two renderers', () => {
  test('a browser gets the page and an API client JSON, for the same problem', () => {
    const { log } = recordingLog();
    const error = new DomainError('conflict', 'someone else changed it');
    const page = errorResponse(error, log, BROWSER);
    expect(page.statusCode).toBe(409);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    const api = errorResponse(error, log, API);
    expect(api.statusCode).toBe(409);
    expect(api.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(String(api.body))).toEqual({ error: 'conflict', message: 'someone else changed it' });
  });

  test('errorPage is always the page, and a renderer may replace it', () => {
    const { log } = recordingLog();
    expect(errorPage(new DomainError('not_found', 'no such member'), log).headers?.['content-type']).toMatch(/^text\/html/);
    const custom = errorPage(new DomainError('not_found', 'x'), log, { html: (p) => ({ statusCode: p.status, headers: { 'content-type': 'text/html' }, body: 'ours' }) });
    expect(custom).toMatchObject({ statusCode: 404, body: 'ours' });
  });
});

describe('a fault of ours', () => {
  // What a storage error can look like: its message echoes the item it was writing.
  const storageError = Object.assign(new Error('ValidationException: Item {"email":{"S":"priya@example.com"},"phone":{"S":"+919812345678"}}'), { name: 'ValidationException', code: 'ValidationException' });

  test('is a 500 that shows nothing of it, and its log records name and code, never the message', () => {
    const { log, lines } = recordingLog();
    const api = errorResponse(storageError, log, API);
    expect(api.statusCode).toBe(500);
    expect(JSON.parse(String(api.body))).toEqual({ error: 'internal', message: 'Something went wrong on our side; nothing was changed.' });
    expect(lines).toEqual([{ level: 'error', message: 'unhandled error', attributes: { error: 'ValidationException', code: 'ValidationException' } }]);
    expect(JSON.stringify(lines)).not.toContain('priya');
    expect(JSON.stringify(lines)).not.toContain('+91');
    const page = errorResponse(storageError, log, BROWSER);
    expect(page.statusCode).toBe(500);
    expect(String(page.body)).not.toContain('priya');
  });
});

describe('errorLogFields', () => {
  test('a DomainError: its kind and code', () => {
    expect(errorLogFields(new DomainError('validation', 'priya@example.com is not valid'))).toEqual({ error: 'DomainError', code: 'validation' });
  });

  test('any other error: its name, and its code only when it is a token', () => {
    expect(errorLogFields(new TypeError('cannot read priya'))).toEqual({ error: 'TypeError' });
    expect(errorLogFields(Object.assign(new Error('connect ECONNRESET 10.0.0.1'), { code: 'ECONNRESET' }))).toEqual({ error: 'Error', code: 'ECONNRESET' });
    expect(errorLogFields(Object.assign(new Error('x'), { code: 'free text with priya@example.com' }))).toEqual({ error: 'Error' });
  });

  test('something thrown that is not an error: its type only', () => {
    expect(errorLogFields('priya@example.com')).toEqual({ error: 'string' });
    expect(errorLogFields(undefined)).toEqual({ error: 'undefined' });
  });
});
