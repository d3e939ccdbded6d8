import { AuditEntry } from '../../domain/counselor';
import type { AuditLog } from '../../ports/audit-log';
import { auditKey, auditPk } from './keys';
import { PK } from './dynamo-context';
import type { CounselorContext } from './counselor-context';
import { parseItem } from './stored-item';

/** The audit log (AUDIT#<orgId> / <at>#<auditId>): ids and counts only, newest first by sort key. */
export function createAuditLogRepository(shared: CounselorContext): AuditLog {
  const { put, queryAll } = shared;
  return {
    appendAudit: (entry) => put(auditKey(entry.orgId, entry.at, entry.auditId), entry),
    async listAudit(orgId, options = {}) {
      const items = await queryAll(
        {
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':pk': auditPk(orgId) },
          ScanIndexForward: false,
          ConsistentRead: true,
        },
        options.limit ?? 100,
      );
      return items.map((item) => parseItem(AuditEntry, 'audit entry', item));
    },
  };
}
