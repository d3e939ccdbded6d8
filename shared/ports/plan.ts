import type { Plan } from '../domain/plan';

/**
 * A person's own plan, one record per person, kept with the person so erasure takes it.
 * Its own adapter files (dynamo/dynamo-plan-store.ts, memory/memory-plan-store.ts) implement it;
 * both stores include it, so a use case reaches it through the Store it already has.
 */
export interface PlanStore {
  getPlan(personId: string): Promise<Plan | undefined>;
  /**
   * Saves the plan if the stored one is still the version read (`expectedUpdatedAt`, or none
   * stored when undefined); false when someone else saved in between (read again and retry).
   */
  savePlan(plan: Plan, expectedUpdatedAt: string | undefined): Promise<boolean>;
}
