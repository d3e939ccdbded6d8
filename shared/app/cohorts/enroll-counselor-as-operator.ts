/**
 * The operator's way in (the CLI): creates or renames the organisation, then adds its counselor,
 * audited as the operator.
 */
import * as z from 'zod';
import { Cohort, CounselorRole, type Counselor, type CounselorPrincipal, type Organisation } from '../../domain/counselor';
import { addCounselor } from './add-counselor';
import { parse, type CohortDeps } from './deps';

/**
 * The operator's way in (`matchcoach counselor add`): creates the org if it is new, then the
 * counselor (or finds them by email). Audited as the operator.
 */
export async function enrollCounselorAsOperator(
  deps: Pick<CohortDeps, 'counselors' | 'clock'>,
  raw: { orgId: string; orgName?: string; email: string; role?: string },
): Promise<{ counselor: Counselor; org: Organisation; created: boolean }> {
  const input = parse(
    z.object({ orgId: z.string().pipe(Cohort.shape.orgId), orgName: z.string().trim().min(1).max(120).optional(), email: z.string(), role: CounselorRole.default('counselor') }),
    raw,
  );
  const now = deps.clock.now().toISOString();
  let org = await deps.counselors.getOrganisation(input.orgId);
  if (!org) {
    org = { orgId: input.orgId, name: input.orgName ?? input.orgId, createdAt: now };
    await deps.counselors.saveOrganisation(org);
  } else if (input.orgName && input.orgName !== org.name) {
    org = { ...org, name: input.orgName };
    await deps.counselors.saveOrganisation(org);
  }
  const operator: CounselorPrincipal = { counselorId: 'operator', orgId: org.orgId, role: 'admin', scopes: [] };
  const { counselor, created } = await addCounselor(deps, operator, { email: input.email, role: input.role });
  return { counselor, org, created };
}
