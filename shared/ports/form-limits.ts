import type { FormBudget } from '../domain/public-forms';

/**
 * Counters for anonymous forms (shared/domain/public-forms.ts), in the store every Lambda shares.
 * The DynamoDB adapter and its memory twin pass the same contract (test/support/form-limits-contract.ts).
 */
export interface FormLimits {
  /**
   * Takes one use from each budget, in order, for the window `now` falls in. False at the first
   * budget already spent (that one is not counted; the ones before it are, as a refused post
   * still happened). Counters expire by themselves.
   */
  take(budgets: readonly FormBudget[], now: Date): Promise<boolean>;
}
