import { editPlan } from '../../shared/app/my-plan/plan';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { describePlanReplanning, planWorld } from '../support/plan-replanning';

describePlanReplanning('memory', async () => ({ store: createMemoryStore(), teardown: async () => {} }));

describe('two edits at the same moment', () => {
  it('both land: the version check makes the second read again instead of overwriting', async () => {
    const store = createMemoryStore();
    const w = planWorld(store, '2026-12-01T06:00:00Z');
    const id = await w.person();
    const saves: boolean[] = [];
    // Record every conditional save, to prove the race really happened and was resolved.
    const racing = { ...store, savePlan: async (...args: Parameters<typeof store.savePlan>) => { const ok = await store.savePlan(...args); saves.push(ok); return ok; } };
    const deps = { ...w.deps, store: racing };
    const [a, b] = await Promise.all([
      editPlan(deps, id, { op: 'add-week-goal', text: 'from the page' }),
      editPlan(deps, id, { op: 'add-week-goal', text: 'by text' }),
    ]);
    expect([a.status, b.status]).toEqual(['saved', 'saved']);
    expect(saves).toContain(false);
    expect((await store.getPlan(id))!.week!.goals.map((g) => g.text).sort()).toEqual(['by text', 'from the page']);
  });
});
