import type { Counselor } from '../domain/counselor';

/** An organisation's counselors; a removed one is deleted, and their tokens stop working with it. */
export interface CounselorRecordStore {
  /** Creates or replaces a counselor. */
  saveCounselor(counselor: Counselor): Promise<void>;
  getCounselor(orgId: string, counselorId: string): Promise<Counselor | undefined>;
  /** Removes a counselor from the org: their tokens stop working (routes check the record). */
  deleteCounselor(orgId: string, counselorId: string): Promise<void>;
  /** The org's counselors, by id. */
  listCounselors(orgId: string): Promise<Counselor[]>;
}
