import { DateTime } from 'luxon';
import { calendarData } from '../../shared/content';
import { CalendarData, computeSeasonRules, currentSeason, EASTERN, seasonCalendar, SEASON_EVENT_NAMES } from '../../shared/domain/calendar';

const et = (iso: string) => DateTime.fromISO(iso, { zone: EASTERN }).toISO();

describe('season calendar', () => {
  it('the shipped calendar file validates', () => {
    expect(() => CalendarData.parse(calendarData())).not.toThrow();
  });

  it.each([2026, 2027])('the rules reproduce every confirmed %i date they cover', (year) => {
    const confirmed = calendarData().seasons[String(year)]!;
    const computed = computeSeasonRules(year);
    for (const event of SEASON_EVENT_NAMES) {
      const entry = confirmed[event];
      if (!entry || !computed[event]) continue;
      expect([event, computed[event]!.toISO()]).toEqual([event, et(entry.at)]);
    }
  });

  it('computes a season with no data, marking every date computed', () => {
    const season = seasonCalendar(2028, calendarData());
    const byEvent = Object.fromEntries(season.map((d) => [d.event, d]));
    expect(season.every((d) => d.basis === 'computed')).toBe(true);
    expect(byEvent.match_day!.at).toBe(et('2028-03-17T12:00')); // third Friday of March 2028
    expect(byEvent.rol_deadline!.at).toBe(et('2028-03-01T21:00'));
    expect(byEvent.match_week_monday!.at).toBe(et('2028-03-13T10:00'));
    expect(byEvent.ranking_opens!.at).toBe(et('2028-02-01T12:00'));
    expect(byEvent.nrmp_registration_deadline!.at).toBe(et('2028-01-31T23:59'));
    expect(byEvent.eras_submission_opens!.at).toBe(et('2027-09-01T09:00'));
    expect(season.map((d) => Date.parse(d.at))).toEqual([...season.map((d) => Date.parse(d.at))].sort((a, b) => a - b));
  });

  it('prefers confirmed data and says so', () => {
    const md = seasonCalendar(2027, calendarData()).find((d) => d.event === 'match_day')!;
    expect(md).toMatchObject({ basis: 'confirmed', certainty: 'V', at: et('2027-03-19T12:00') });
  });

  it('rejects a malformed correction with a message naming the field', () => {
    const result = CalendarData.safeParse({ seasons: { '2027': { match_day: { at: '19 March', certainty: 'V', source: 'x' } } } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('Eastern local time');
  });

  it('knows which season is under way', () => {
    expect(currentSeason(new Date('2026-11-25T10:00:00Z'))).toBe(2027);
    expect(currentSeason(new Date('2027-03-19T10:00:00Z'))).toBe(2027);
    expect(currentSeason(new Date('2027-07-02T10:00:00Z'))).toBe(2028);
  });
});
