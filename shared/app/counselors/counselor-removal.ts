import type { CounselorPrincipal } from '../../domain/counselor';
import type { Clock, Logger } from '../../ports';
import { loggerOf } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { CounselorAccounts } from '../../ports/counselor-accounts';
import { notFound, requireAdmin } from './audit';
import { removeCounselor } from '../cohorts/remove-counselor';
import { DomainError } from '../../domain/errors';

export interface CounselorRemovalDeps {
  counselors: CounselorStore;
  accounts: CounselorAccounts;
  clock: Clock;
  log?: Logger;
}

/**
 * An admin removes a counselor of their organisation, everywhere:
 * 1. the same checks as removeCounselor (an admin, a counselor of this org, not themselves), so
 *    that a refused request shuts no account;
 * 2. their sign-in accounts are signed out on every device and disabled (on AWS, Cognito);
 * 3. their record goes (removeCounselor, audited), which is what every request and the token
 *    trigger check, so even a token issued a minute ago stops working at once.
 * In this order so that a fault loses nothing: if shutting the accounts fails, the record is still
 * there and the request can simply be repeated; both steps are safe to repeat.
 */
export async function removeCounselorEverywhere(deps: CounselorRemovalDeps, actor: CounselorPrincipal, counselorId: string): Promise<{ accounts: number }> {
  requireAdmin(actor, 'remove counselors');
  if (!(await deps.counselors.getCounselor(actor.orgId, counselorId))) throw notFound('counselor');
  if (counselorId === actor.counselorId) throw new DomainError('conflict', 'you cannot remove yourself: ask another admin');
  const { accounts } = await deps.accounts.disable({ orgId: actor.orgId, counselorId });
  await removeCounselor(deps, actor, counselorId);
  loggerOf(deps).info('counselor removed', { orgId: actor.orgId, counselorId, accountsDisabled: accounts });
  return { accounts };
}
