import { counselorApiRoutes } from '../../functions/counselor-api';
import { publicRoutes } from '../../functions/api';
import { COUNSELOR_API_ROUTE_PATHS, servedByCounselorApi } from '../../infra/handlers';

/**
 * The HTTP API's two functions split its paths between them: API Gateway sends
 * COUNSELOR_API_ROUTE_PATHS to counselorApi and everything else (`$default`) to api, and the local
 * server does the same (infra/local/http-server.ts). Each route must sit where its path is sent.
 */
const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, 'x');

describe('the API split', () => {
  test('every counselor, dashboard and sign-in route is served by counselorApi', () => {
    expect(counselorApiRoutes.length).toBeGreaterThan(20);
    const misplaced = counselorApiRoutes.filter((route) => !servedByCounselorApi(concrete(route.path))).map((r) => `${r.method} ${r.path}`);
    expect(misplaced).toEqual([]);
  });

  test('every public route takes `$default` to the api function', () => {
    expect(publicRoutes.length).toBeGreaterThan(10);
    const misplaced = publicRoutes.filter((route) => servedByCounselorApi(concrete(route.path))).map((r) => `${r.method} ${r.path}`);
    expect(misplaced).toEqual([]);
  });

  test('paths match as API Gateway matches the route keys', () => {
    expect(COUNSELOR_API_ROUTE_PATHS).toEqual(['/counselor/{proxy+}', '/dashboard', '/dashboard/{proxy+}', '/auth/{proxy+}']);
    for (const path of ['/counselor/me', '/dashboard', '/dashboard/sign-in', '/auth/callback']) expect(servedByCounselorApi(path)).toBe(true);
    // {proxy+} needs at least one character after the slash; prefixes of other words do not match.
    for (const path of ['/counselor', '/counselor/', '/dashboard/', '/dashboards', '/auth', '/auth/', '/', '/health']) expect(servedByCounselorApi(path)).toBe(false);
  });
});
