import { createMemoryAuditLog } from '../../shared/adapters/memory/memory-audit-log';
import { describeAuditLogContract } from '../support/audit-log-contract';
import { memoryCounselorPort } from '../support/counselor-ports';

/** The audit log: the port's memory twin, on the same contract as its DynamoDB repository. */

const twin = memoryCounselorPort(createMemoryAuditLog);
describeAuditLogContract('memory', twin);
