import type { AuditLog } from '../../ports/audit-log';
import { auditKey } from '../dynamo/keys';
import { copy, ensure } from './memory-context';
import { sortedValues, type MemoryCounselorContext } from './memory-counselor-context';

/** The twin of audit-log-repository.ts: entries kept by the table's sort key, so newest first reads the same. */
export function createMemoryAuditLog(context: MemoryCounselorContext): AuditLog {
  const { audit } = context;
  return {
    async appendAudit(entry) {
      const key = auditKey(entry.orgId, entry.at, entry.auditId);
      ensure(audit, entry.orgId).set(key.sk, copy(entry));
    },
    async listAudit(orgId, options = {}) {
      return sortedValues(audit.get(orgId)).reverse().slice(0, options.limit ?? 100);
    },
  };
}
