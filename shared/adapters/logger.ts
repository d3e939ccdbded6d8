import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Logger } from '../ports';

/** Structured JSON logs through Powertools; callers pass ids and outcomes, never personal data. */
export function createLogger(serviceName: string): Logger & { raw: PowertoolsLogger } {
  const raw = new PowertoolsLogger({ serviceName });
  return {
    raw,
    info: (message, attributes) => raw.info(message, { ...attributes }),
    warn: (message, attributes) => raw.warn(message, { ...attributes }),
    error: (message, attributes) => raw.error(message, { ...attributes }),
  };
}

/**
 * A Lambda entry point whose log lines carry the invocation: Powertools adds the request id, the
 * function's name, version and memory, and whether this was a cold start. Tests call handlers
 * without a context, and then nothing is added.
 */
export function withLambdaContext<E, R>(log: { raw: PowertoolsLogger }, handler: (event: E) => R): (event: E, context?: Context) => R {
  return (event, context) => {
    if (context) log.raw.addContext(context);
    return handler(event);
  };
}
