import type { AuditEntry, Cohort, CohortMember, Counselor } from '../../shared/domain/counselor';

/** Records the counselor store contracts (organisations-contract.ts and the others) write; all times are fixed instants. */

export const AT = '2026-09-01T10:00:00.000Z';
export const LATER = '2026-09-02T10:00:00.000Z';

export function counselor(counselorId: string, orgId: string, overrides: Partial<Counselor> = {}): Counselor {
  return {
    counselorId,
    orgId,
    email: `${counselorId}@${orgId}.example.org`,
    role: 'counselor',
    settings: { crisisAlerts: true, weeklyDigest: true },
    createdAt: AT,
    ...overrides,
  };
}

export function cohort(cohortId: string, orgId: string, overrides: Partial<Cohort> = {}): Cohort {
  return {
    cohortId,
    orgId,
    name: `Cohort ${cohortId}`,
    season: 2027,
    sequenceIds: ['getting-started'],
    anchorOverrides: {},
    archived: false,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

export function member(orgId: string, cohortId: string, personId: string, overrides: Partial<CohortMember> = {}): CohortMember {
  return { orgId, cohortId, personId, addedBy: 'c-1', addedAt: AT, status: 'active', ...overrides };
}

export function audit(orgId: string, auditId: string, at: string): AuditEntry {
  return { orgId, auditId, at, actor: 'c-1', action: 'cohort.create', target: { kind: 'cohort', id: 'k-1' }, detail: { rows: 3, dryRun: false } };
}
