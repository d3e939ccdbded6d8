/**
 * The counselors' sign-in accounts (Cognito's user pool on AWS), as far as the product needs to
 * touch them: when an organisation removes a counselor, every account that signs in as that
 * counselor is shut and signed out everywhere. The Cognito adapter and its memory twin pass the
 * same contract (test/support/counselor-accounts-contract.ts).
 *
 * An account belongs to a counselor by the two attributes the token trigger copies into access
 * tokens (`custom:orgId`, `custom:counselorId`), not by email: a counselor may change their own
 * email, never those.
 */
export interface CounselorAccounts {
  /**
   * Signs every account of this counselor out of every device (their refresh tokens stop working)
   * and disables it (no new sign-in). Safe to repeat; accounts already disabled stay so.
   * `accounts`: how many there were (0: nobody signs in as this counselor, e.g. locally).
   */
  disable(counselor: CounselorAccountRef): Promise<{ accounts: number }>;
}

export interface CounselorAccountRef {
  orgId: string;
  counselorId: string;
}
