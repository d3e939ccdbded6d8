import { editPlanByLink, viewPlanByLink, type PlanPageDeps } from '../../shared/app/my-plan/plan';
import type { Services } from '../../shared/adapters/services';
import type { Logger } from '../../shared/ports';
import { planPage } from '../../web/plan-page';
import * as pages from '../../web/pages';
import { BadRequest, formFields } from '../request';
import type { Route } from '../router';

/**
 * "My plan": `/plan/<preferences token>`, the same signed link as the preference
 * centre (no password). GET shows it; each form POSTs one edit, then post/redirect/get.
 */

const depsOf = (services: Services, log: Logger): PlanPageDeps => ({ store: services.store, clock: services.clock, log, tokenSecret: services.tokenSecret });
/** Relative to /plan/<token>: the preference centre for the same token. */
const preferencesPath = (token: string) => `../preferences/${encodeURIComponent(token)}`;

export const planRoutes: Route[] = [
  {
    method: 'GET',
    path: '/plan/:token',
    async handler(ctx) {
      const token = ctx.params.token!;
      const outcome = await viewPlanByLink(depsOf(ctx.services, ctx.log), token);
      if (outcome.status !== 'ok') return pages.linkProblemPage(outcome.reason);
      const saved = /(?:^|&)saved=1(?:&|$)/.test(ctx.event.rawQueryString ?? '');
      return planPage({ view: outcome.view, ...(outcome.firstName && { firstName: outcome.firstName }), saved, preferencesPath: preferencesPath(token) });
    },
  },
  {
    method: 'POST',
    path: '/plan/:token',
    async handler(ctx) {
      let fields: Record<string, string>;
      try {
        fields = formFields(ctx.event);
      } catch (error) {
        if (error instanceof BadRequest) return pages.badFormPage(error.message);
        throw error;
      }
      const token = ctx.params.token!;
      const outcome = await editPlanByLink(depsOf(ctx.services, ctx.log), token, fields);
      if (outcome.status === 'invalid-link') return pages.linkProblemPage(outcome.reason);
      if (outcome.status === 'invalid') {
        return planPage({
          status: 400, view: outcome.view, ...(outcome.firstName && { firstName: outcome.firstName }),
          problem: { field: outcome.field, message: outcome.message }, values: fields, preferencesPath: preferencesPath(token),
        });
      }
      // Post/redirect/get: a reload does not send the edit twice.
      return { statusCode: 303, headers: { location: `${encodeURIComponent(token)}?saved=1`, 'cache-control': 'no-store' }, body: '' };
    },
  },
];
