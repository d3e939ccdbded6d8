import * as path from 'node:path';

/**
 * Every Lambda handler the product runs, in one list that both the AWS stack (infra/stateless-stack.ts)
 * and the local stack (infra/local/start.ts) take their handlers from, so the two cannot drift:
 * test/infra/handlers.test.ts fails when a handler module exists under functions/ without being
 * listed here, or when either stack runs something this list does not name.
 *
 * The paths are relative to the repository root and point at modules that export `handler`.
 */
export const HANDLERS = {
  /** Every minute (EventBridge Scheduler in AWS, a ticker locally): sends what is due. */
  dispatcher: 'functions/dispatcher.ts',
  /** The HTTP API's public side (its `$default` route): Twilio and SES webhooks, people's links, sign-up. */
  api: 'functions/api.ts',
  /** The HTTP API's counselors' side: /counselor/* (JWT authorizer), the dashboard and its sign-in. */
  counselorApi: 'functions/counselor-api.ts',
  /** Cognito's pre-token-generation trigger: the counselor's org and role into access tokens. */
  counselorToken: 'functions/counselor-token.ts',
  /** Once a week (EventBridge Scheduler): every organisation's weekly digest to its counselors. */
  weeklyDigest: 'functions/weekly-digest.ts',
} as const;

export type HandlerName = keyof typeof HANDLERS;

/**
 * Handlers that only AWS runs, each with what stands in for it locally: the local stack loads
 * every other handler (test/infra/handlers.test.ts).
 */
export const AWS_ONLY_HANDLERS: Partial<Record<HandlerName, string>> = {
  counselorToken:
    'Cognito calls it while issuing a token; locally there is no Cognito, and the local issuer ' +
    '(`matchcoach counselor add`) writes the same custom:orgId and custom:role claims itself.',
  weeklyDigest:
    'A weekly schedule has no use in a stack started for an afternoon; `npx matchcoach digest --all` ' +
    'runs the same sendEveryWeeklyDigest on demand.',
};

export const REPOSITORY_ROOT = path.join(__dirname, '..');

/** Absolute path of a handler module: the `entry` of its ServiceFunction, and what the local stack imports. */
export function handlerEntry(name: HandlerName): string {
  return path.join(REPOSITORY_ROOT, HANDLERS[name]);
}

/**
 * The HTTP API routes the counselorApi function serves (API Gateway route paths); every other
 * request takes the `$default` route to the api function. The local server routes the same way
 * (infra/local/http-server.ts), so one local address serves both as the one AWS address does.
 */
export const COUNSELOR_API_ROUTE_PATHS = ['/counselor/{proxy+}', '/dashboard', '/dashboard/{proxy+}', '/auth/{proxy+}'] as const;

/** Whether API Gateway sends a request for this path to counselorApi (see COUNSELOR_API_ROUTE_PATHS). */
export function servedByCounselorApi(rawPath: string): boolean {
  return COUNSELOR_API_ROUTE_PATHS.some((route) => {
    if (!route.endsWith('/{proxy+}')) return rawPath === route;
    const prefix = route.slice(0, -'{proxy+}'.length);
    // {proxy+} is one or more characters after the slash.
    return rawPath.startsWith(prefix) && rawPath.length > prefix.length;
  });
}
