import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { Counselor } from '../../domain/counselor';
import type { CounselorRecordStore } from '../../ports/counselor-records';
import { COUNSELOR_PREFIX, counselorKey, orgPk } from './keys';
import type { CounselorContext } from './counselor-context';
import { parseItem } from './stored-item';

/** An organisation's counselors (ORG#<orgId> / COUNSELOR#<counselorId>). */
export function createCounselorRecordRepository(shared: CounselorContext): CounselorRecordStore {
  const { doc, TableName, put, get, prefixed } = shared;
  return {
    saveCounselor: (counselor) => put(counselorKey(counselor.orgId, counselor.counselorId), counselor),
    getCounselor: (orgId, counselorId) => get(Counselor, 'counselor', counselorKey(orgId, counselorId)),
    async deleteCounselor(orgId, counselorId) {
      await doc.send(new DeleteCommand({ TableName, Key: counselorKey(orgId, counselorId) }));
    },
    async listCounselors(orgId) {
      return (await prefixed(orgPk(orgId), COUNSELOR_PREFIX)).map((item) => parseItem(Counselor, 'counselor', item));
    },
  };
}
