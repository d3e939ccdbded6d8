import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { CalendarEntry } from '../../domain/calendar';
import type { CalendarOverrideStore } from '../../ports/calendar-overrides';
import { CALENDAR_PK, calendarKey } from './keys';
import { PK, SK, namesFor, type DynamoContext } from './dynamo-context';
import { parseItem } from './stored-item';

/** The operator's calendar corrections: one partition (CALENDAR / SEASON#<year>#<event>), nobody's. */
export function createCalendarOverrideRepository(shared: DynamoContext): CalendarOverrideStore {
  const { doc, TableName, measured, queryAll } = shared;
  return {
    async getCalendarOverrides() {
      const items = await queryAll('getCalendarOverrides', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: namesFor(PK),
        ExpressionAttributeValues: { ':pk': CALENDAR_PK },
      });
      const seasons: Record<string, Record<string, CalendarEntry>> = {};
      for (const item of items) {
        const [, season, event] = String(item[SK]).split('#');
        // Corrections stored before dates carried a url and a checked day have neither: both are optional.
        (seasons[season!] ??= {})[event!] = parseItem(CalendarEntry, 'calendar override', item);
      }
      return seasons;
    },

    async saveCalendarOverride(season, event, entry) {
      await measured('saveCalendarOverride', 'write', () =>
        doc.send(new PutCommand({ TableName, Item: { ...calendarKey(season, event), ...entry }, ReturnConsumedCapacity: 'TOTAL' })),
      );
    },
  };
}
