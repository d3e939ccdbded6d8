import { randomUUID } from 'node:crypto';
import type { AuditEntry, CounselorPrincipal } from '../../domain/counselor';
import type { Clock } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { DomainError } from '../../domain/errors';

/**
 * The audit log of counselor actions: who did what to which record, when. Ids and
 * counts only: never a name, an address or a number, so the log can be kept and shown to admins
 * without becoming a second copy of people's data.
 */

export type AuditTarget = NonNullable<AuditEntry['target']>;
export type AuditDetail = NonNullable<AuditEntry['detail']>;

/**
 * Entries sort by time, then by id: a counter first, so two actions of one process in the same
 * millisecond keep their order, then randomness so processes never collide.
 */
let sequence = 0;
const nextAuditId = () => `${(sequence++ % 36 ** 6).toString(36).padStart(6, '0')}-${randomUUID()}`;

export async function recordAudit(
  deps: { counselors: CounselorStore; clock: Clock },
  actor: Pick<CounselorPrincipal, 'orgId' | 'counselorId'>,
  action: string,
  target?: AuditTarget,
  detail?: AuditDetail,
): Promise<AuditEntry> {
  const entry: AuditEntry = {
    orgId: actor.orgId,
    auditId: nextAuditId(),
    at: deps.clock.now().toISOString(),
    actor: actor.counselorId,
    action,
    ...(target && { target }),
    ...(detail && { detail }),
  };
  await deps.counselors.appendAudit(entry);
  return entry;
}

/** The org's audit log, newest first: admins only, and only their own org's. */
export async function readAudit(deps: { counselors: CounselorStore }, actor: CounselorPrincipal, limit = 200): Promise<AuditEntry[]> {
  if (actor.role !== 'admin') throw new Forbidden('only an admin of your organisation can read its audit log');
  return deps.counselors.listAudit(actor.orgId, { limit: Math.min(Math.max(1, limit), 1000) });
}

/** The caller is known but may not do this (a 403): distinct from "no such record" (a 404). */
class Forbidden extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export const requireAdmin = (actor: CounselorPrincipal, what: string) => {
  if (actor.role !== 'admin') throw new Forbidden(`only an admin of your organisation can ${what}`);
};

export const notFound = (what: string) => new DomainError('not_found', `no such ${what}`);
