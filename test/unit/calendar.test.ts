import { DateTime } from 'luxon';
import { calendarData } from '../../shared/content';
import calendarJson from '../../shared/content/calendar.json';
import {
  CalendarData, computeSeasonRules, currentSeason, describeBasis, EASTERN, SEASON_ESTIMATES, SEASON_EVENT_NAMES, seasonCalendar, ShippedCalendarData,
  unknownSeasonDates,
} from '../../shared/domain/calendar';

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

  it('computes a season with no data, marking every date computed except the one no rule knows', () => {
    const season = seasonCalendar(2028, calendarData());
    const byEvent = Object.fromEntries(season.map((d) => [d.event, d]));
    expect(season.filter((d) => d.basis !== 'computed').map((d) => [d.event, d.basis])).toEqual([['ecfmg_pathway_deadline', 'unknown']]);
    // Planned against the earliest deadline ECFMG has set, so alerts come early, not never.
    expect(byEvent.ecfmg_pathway_deadline!.at).toBe(et('2027-12-31T18:00'));
    expect(describeBasis(byEvent.ecfmg_pathway_deadline!)).toMatch(/^UNKNOWN: not announced/);
    expect(byEvent.match_day!.at).toBe(et('2028-03-17T12:00')); // third Friday of March 2028
    expect(byEvent.rol_deadline!.at).toBe(et('2028-03-01T21:00'));
    expect(byEvent.match_week_monday!.at).toBe(et('2028-03-13T10:00'));
    expect(byEvent.ranking_opens!.at).toBe(et('2028-02-01T12:00'));
    expect(byEvent.nrmp_registration_deadline!.at).toBe(et('2028-01-31T23:59'));
    expect(byEvent.eras_submission_opens!.at).toBe(et('2027-09-01T09:00'));
    expect(season.map((d) => Date.parse(d.at))).toEqual([...season.map((d) => Date.parse(d.at))].sort((a, b) => a - b));
  });

  it('drops no season date: every event has data, a rule or an estimate, in 2027 and 2028 alike', () => {
    const rules = computeSeasonRules(2030);
    expect(SEASON_EVENT_NAMES.filter((event) => !rules[event] && !SEASON_ESTIMATES[event])).toEqual([]);
    for (const year of [2027, 2028]) expect(seasonCalendar(year, calendarData()).map((d) => d.event).sort()).toEqual([...SEASON_EVENT_NAMES].sort());
  });

  it('lists the unknown dates an operator must be warned about, and none once the data has them', () => {
    expect(unknownSeasonDates([2027, 2028], calendarData()).map(({ season, date }) => `${season}/${date.event}`)).toEqual(['2028/ecfmg_pathway_deadline']);
    const corrected: CalendarData = {
      seasons: { ...calendarData().seasons, '2028': { ecfmg_pathway_deadline: { at: '2028-01-31T23:59', certainty: 'V', source: 'ECFMG notice' } } },
    };
    expect(unknownSeasonDates([2027, 2028], corrected)).toEqual([]);
  });

  it('labels each date with what its source is: the 2027 MyERAS opening is not called official', () => {
    const byEvent = Object.fromEntries(seasonCalendar(2027, calendarData()).map((d) => [d.event, d]));
    expect(describeBasis(byEvent.eras_opens!)).toMatch(/^secondary sources agree: .*checked 2026-11-25$/);
    expect(describeBasis(byEvent.match_day!)).toMatch(/^official: NRMP/);
    expect(describeBasis(byEvent.ecfmg_pathway_deadline!)).toMatch(/^single unconfirmed source: /);
    expect(describeBasis(byEvent.soap_ends!)).toBe('computed by rule (no data for this season yet)');
  });

  it('refuses a shipped date without its source or the day it was checked', () => {
    expect(ShippedCalendarData.safeParse(calendarJson).success).toBe(true);
    const withoutChecked = structuredClone(calendarJson) as { seasons: Record<string, Record<string, Record<string, unknown>>> };
    delete withoutChecked.seasons['2027']!.match_day!.checked;
    expect(JSON.stringify(ShippedCalendarData.safeParse(withoutChecked).error?.issues)).toContain('checked');
    const withoutSource = structuredClone(calendarJson) as typeof withoutChecked;
    delete withoutSource.seasons['2026']!.rol_deadline!.source;
    expect(JSON.stringify(ShippedCalendarData.safeParse(withoutSource).error?.issues)).toContain('source');
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
