import { Plan } from '../../domain/plan';
import type { PlanStore } from '../../ports';
import { PersonGone } from '../../domain/errors';

/**
 * The in-memory twin of the plan store: same conditional save, same round trip through
 * the schema (what a Dynamo read gives back). `erase` is called by the memory store's
 * erasePerson, as the table's partition delete takes the plan item with the person.
 */
export function createMemoryPlanStore(options: { isLiving?: (personId: string) => boolean } = {}): PlanStore & { erase(personId: string): number; all(): Plan[] } {
  const plans = new Map<string, string>();
  return {
    async getPlan(personId) {
      const stored = plans.get(personId);
      return stored === undefined ? undefined : Plan.parse(JSON.parse(stored));
    },
    async savePlan(plan, expectedUpdatedAt) {
      const parsed = Plan.parse(plan);
      // As the table's guarded write: no plan for someone who is not there (or is being erased).
      if (options.isLiving && !options.isLiving(parsed.personId)) throw new PersonGone();
      const stored = plans.get(parsed.personId);
      const storedVersion = stored === undefined ? undefined : (JSON.parse(stored) as Plan).updatedAt;
      if (storedVersion !== expectedUpdatedAt) return false;
      plans.set(parsed.personId, JSON.stringify(parsed));
      return true;
    },
    erase(personId) {
      return plans.delete(personId) ? 1 : 0;
    },
    all() {
      return [...plans.keys()].sort().map((id) => Plan.parse(JSON.parse(plans.get(id)!)));
    },
  };
}
