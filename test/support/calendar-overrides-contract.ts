import type { CalendarOverrideStore } from '../../shared/ports/calendar-overrides';
import { onFreshPort, type PortUnderTest } from './store-ports';

/**
 * What the calendar corrections' twin and repository must do: the memory twin and the DynamoDB
 * repository both run it. Each test gets a fresh, empty store.
 */
export function describeCalendarOverridesContract(name: string, make: () => Promise<PortUnderTest<CalendarOverrideStore>>): void {
  describe(`CalendarOverrideStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: CalendarOverrideStore;

    onFreshPort(make, (fresh) => (store = fresh.port));

    it('keeps the operator’s calendar corrections by season and event', async () => {
      expect(await store.getCalendarOverrides()).toEqual({});
      const entry = { at: '2027-03-04T21:00', certainty: 'V' as const, source: 'NRMP notice' };
      await store.saveCalendarOverride(2027, 'rol_deadline', entry);
      await store.saveCalendarOverride(2027, 'match_day', { ...entry, at: '2027-03-19T12:00' });
      await store.saveCalendarOverride(2027, 'rol_deadline', { ...entry, at: '2027-03-05T21:00' });
      expect(await store.getCalendarOverrides()).toEqual({
        '2027': { rol_deadline: { ...entry, at: '2027-03-05T21:00' }, match_day: { ...entry, at: '2027-03-19T12:00' } },
      });
    });
  });
}
