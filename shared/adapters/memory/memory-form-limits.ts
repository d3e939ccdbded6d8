import type { FormLimits } from '../../ports/form-limits';

/** The in-memory twin of the form counters: the same windows, the same refusals. */
export function createMemoryFormLimits(): FormLimits {
  const counts = new Map<string, number>();
  return {
    async take(budgets, now) {
      for (const budget of budgets) {
        const key = `${budget.key}#${Math.floor(now.getTime() / 1000 / budget.windowSeconds)}`;
        const used = counts.get(key) ?? 0;
        if (used >= budget.limit) return false;
        counts.set(key, used + 1);
      }
      return true;
    },
  };
}
