import type { AuditLog } from '../../shared/ports/audit-log';
import { onFreshCounselorPort, type CounselorPortUnderTest } from './counselor-ports';
import { AT, audit } from './counselor-fixtures';

/**
 * What the audit log's twin and repository must do: the memory twin and the DynamoDB repository
 * both run it, so the twin the API tests rely on cannot drift from the table.
 */
export function describeAuditLogContract(name: string, make: () => Promise<CounselorPortUnderTest<AuditLog>>): void {
  describe(`AuditLog contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: AuditLog;

    onFreshCounselorPort(make, (fresh) => {
      store = fresh.port;
    });

    test('the audit log is per org, newest first, limited', async () => {
      const entries = [0, 1, 2, 3].map((i) => audit('org-a', `a-${i}`, new Date(Date.parse(AT) + i * 60_000).toISOString()));
      for (const entry of [entries[2]!, entries[0]!, entries[3]!, entries[1]!]) await store.appendAudit(entry);
      await store.appendAudit(audit('org-b', 'b-0', AT));
      expect((await store.listAudit('org-a')).map((e) => e.auditId)).toEqual(['a-3', 'a-2', 'a-1', 'a-0']);
      expect((await store.listAudit('org-a', { limit: 2 })).map((e) => e.auditId)).toEqual(['a-3', 'a-2']);
      expect(await store.listAudit('org-b')).toEqual([audit('org-b', 'b-0', AT)]);
      expect(await store.listAudit('org-c')).toEqual([]);
    });
  });
}
