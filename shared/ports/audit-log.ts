import type { AuditEntry } from '../domain/counselor';

/** What counselors did, per organisation: appended, never changed. */
export interface AuditLog {
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The org's audit log, newest first, at most `limit` entries (default 100). */
  listAudit(orgId: string, options?: { limit?: number }): Promise<AuditEntry[]>;
}
