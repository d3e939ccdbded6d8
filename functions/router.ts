import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Services } from '../shared/adapters/services';
import type { Logger } from '../shared/ports';

/**
 * A small router for the HTTP API functions: each route module under functions/routes/ exports a
 * list of routes; api.ts and counselor-api.ts merge theirs. A path segment written `:name` is a
 * parameter.
 */

export type HttpResult = APIGatewayProxyStructuredResultV2;

/** `S`: the services the routes need: Services on the public side, CounselorServices on the counselors'. */
export interface RouteContext<S = Services> {
  event: APIGatewayProxyEventV2;
  params: Record<string, string>;
  services: S;
  log: Logger;
}

export interface Route<S = Services> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: (ctx: RouteContext<S>) => Promise<HttpResult>;
}

export type RouteMatch<S = Services> = { route: Route<S>; params: Record<string, string> } | { status: 404 | 405; allowed?: string[] };

export function matchRoute<S>(routes: readonly Route<S>[], method: string, path: string): RouteMatch<S> {
  const segments = path.split('/');
  const allowed: string[] = [];
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((part, i) => {
      if (part.startsWith(':')) {
        let value: string;
        try {
          value = decodeURIComponent(segments[i]!);
        } catch {
          return false;
        }
        params[part.slice(1)] = value;
        return value.length > 0;
      }
      return part === segments[i];
    });
    if (!fits) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length ? { status: 405, allowed } : { status: 404 };
}
