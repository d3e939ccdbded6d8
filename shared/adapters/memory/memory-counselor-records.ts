import type { CounselorRecordStore } from '../../ports/counselor-records';
import { copy, copyOrUndefined, ensure } from './memory-context';
import { sortedValues, type MemoryCounselorContext } from './memory-counselor-context';

/** The twin of counselor-record-repository.ts. */
export function createMemoryCounselorRecords(context: MemoryCounselorContext): CounselorRecordStore {
  const { counselors } = context;
  return {
    async saveCounselor(counselor) {
      ensure(counselors, counselor.orgId).set(counselor.counselorId, copy(counselor));
    },
    async getCounselor(orgId, counselorId) {
      return copyOrUndefined(counselors.get(orgId)?.get(counselorId));
    },
    async deleteCounselor(orgId, counselorId) {
      counselors.get(orgId)?.delete(counselorId);
    },
    async listCounselors(orgId) {
      return sortedValues(counselors.get(orgId));
    },
  };
}
