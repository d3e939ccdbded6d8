import fs from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { createLogger, withLambdaContext } from '../../shared/adapters/logger';

/** What Lambda hands a handler, as much of it as Powertools reads. */
const lambdaContext = (requestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'MatchCoach-Dispatcher',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:MatchCoach-Dispatcher',
  memoryLimitInMB: '512',
  awsRequestId: requestId,
  logGroupName: '/aws/lambda/MatchCoach-Dispatcher',
  logStreamName: '2027/03/19/[$LATEST]abc',
  getRemainingTimeInMillis: () => 50_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** The JSON lines a logger prints at INFO (the test run silences Powertools otherwise). */
function printed(log: ReturnType<typeof createLogger>): Array<Record<string, unknown>> {
  log.raw.setLogLevel('INFO');
  const lines: Array<Record<string, unknown>> = [];
  const console = (log.raw as unknown as { console: Console }).console;
  jest.spyOn(console, 'info').mockImplementation((line: string) => void lines.push(JSON.parse(line)));
  return lines;
}

describe('log lines carry the Lambda invocation', () => {
  it('names the request, the function and whether it was a cold start, per invocation', async () => {
    // As Lambda sets it for on-demand containers; Powertools reports no cold start without it.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const log = createLogger('dispatcher');
    delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    const lines = printed(log);
    const handler = withLambdaContext(log, async (n: number) => {
      log.info('tick finished', { sent: n });
      return n + 1;
    });

    await expect(handler(1, lambdaContext('req-1'))).resolves.toBe(2);
    await expect(handler(2, lambdaContext('req-2'))).resolves.toBe(3);

    expect(lines).toEqual([
      expect.objectContaining({ message: 'tick finished', sent: 1, function_request_id: 'req-1', function_name: 'MatchCoach-Dispatcher', cold_start: true, service: 'dispatcher' }),
      expect.objectContaining({ message: 'tick finished', sent: 2, function_request_id: 'req-2', cold_start: false }),
    ]);
  });

  it('runs the handler unchanged when called without a context (tests, the local ticker)', async () => {
    const log = createLogger('api');
    const lines = printed(log);
    const handler = withLambdaContext(log, (event: { path: string }) => {
      log.info('request', { path: event.path });
      return event.path.length;
    });
    expect(handler({ path: '/health' })).toBe(7);
    expect(lines).toEqual([expect.objectContaining({ message: 'request', path: '/health' })]);
    expect(lines[0]).not.toHaveProperty('function_request_id');
  });

  it('wraps every Lambda entry point in functions/', () => {
    const dir = path.resolve(__dirname, '../../functions');
    const entryPoints = fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => [file, fs.readFileSync(path.join(dir, file), 'utf8')] as const)
      .filter(([, text]) => /export (const|async function) handler\b/.test(text));
    expect(entryPoints.map(([file]) => file).sort()).toEqual(['api.ts', 'counselor-api.ts', 'counselor-token.ts', 'dispatcher.ts', 'weekly-digest.ts']);
    for (const [file, text] of entryPoints) expect([file, /export const handler = withLambdaContext\(log, /.test(text)]).toEqual([file, true]);
  });
});
