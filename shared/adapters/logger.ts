import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
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
