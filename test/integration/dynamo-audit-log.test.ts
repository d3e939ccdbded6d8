import { createAuditLogRepository } from '../../shared/adapters/dynamo/audit-log-repository';
import { describeAuditLogContract } from '../support/audit-log-contract';
import { dynamoCounselorPort } from '../support/dynamo';

/** The audit log: the port's repository against DynamoDB Local, on the same contract as its memory twin. */

jest.setTimeout(60_000);

const repository = dynamoCounselorPort(createAuditLogRepository);
describeAuditLogContract('dynamo', repository);
