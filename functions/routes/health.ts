import { json } from '../http';
import type { Route } from '../router';

export const healthRoutes: Route[] = [{ method: 'GET', path: '/health', handler: async () => json(200, { status: 'ok' }) }];
