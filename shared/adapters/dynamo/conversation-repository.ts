import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { alertLevelOf, type SafetyAlert } from '../../domain/model';
import type { ConversationStore } from '../../ports/conversation';
import {
  INBOUND_DEDUPE_DAYS,
  JOURNAL_PREFIX,
  SAFETY_PREFIX,
  alertKey,
  alertPk,
  inboundSmsKey,
  journalEntryIdFromSk,
  journalKey,
  journalRepliesPrefix,
  safetyEventIdFromSk,
  safetyEventKey,
} from './keys';
import { PK, SK, compareStrings, namesFor, timeToLiveAttribute, type DynamoContext } from './dynamo-context';
import { parseItem } from './stored-item';
import { withoutUndefined } from '../without-undefined';
import { StoredJournalEntry, StoredSafetyAlert, StoredSafetyEvent } from './stored-schemas';

/**
 * The conversation with a person: seen inbound texts (INBOUND#<MessageSid> / SEEN, with a TTL),
 * the journal and safety events in the person's partition, and the monthly alerts (ALERT#<yyyy-mm>).
 */
export function createConversationRepository(shared: DynamoContext): ConversationStore {
  const { doc, TableName, measured, putIfAbsent, queryAll, queryPrefix, guarded } = shared;
  return {
    async claimInboundSms(messageSid, at) {
      return putIfAbsent('claimInboundSms', {
        ...inboundSmsKey(messageSid),
        at: at.toISOString(),
        [timeToLiveAttribute]: Math.floor(at.getTime() / 1000) + INBOUND_DEDUPE_DAYS * 86_400,
      });
    },

    async releaseInboundSms(messageSid) {
      await measured('releaseInboundSms', 'write', () =>
        doc.send(new DeleteCommand({ TableName, Key: inboundSmsKey(messageSid), ReturnConsumedCapacity: 'TOTAL' })),
      );
    },

    async saveJournalEntry(entry) {
      const { personId, entryId, ...fields } = entry;
      await guarded('saveJournalEntry', personId, [{ Put: { TableName, Item: withoutUndefined({ ...fields, ...journalKey(personId, entry.inReplyTo, entryId) }) } }]);
    },

    async listJournalEntries(personId, filter = {}) {
      const prefix = filter.inReplyTo === undefined ? JOURNAL_PREFIX : journalRepliesPrefix(filter.inReplyTo);
      const items = await queryPrefix('listJournalEntries', personId, prefix);
      return items
        .map((item) => parseItem(StoredJournalEntry, 'journal entry', item, { personId, entryId: journalEntryIdFromSk(item[SK]) }))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || compareStrings(a.entryId, b.entryId));
    },

    async saveSafetyEvent(event) {
      const { personId, eventId, ...fields } = event;
      const own = { Put: { TableName, Item: withoutUndefined({ ...fields, ...safetyEventKey(personId, event.at, eventId) }) } };
      const level = alertLevelOf(event.kind);
      if (!level) {
        await guarded('saveSafetyEvent', personId, [own]);
        return;
      }
      const alert: SafetyAlert = { personId, eventId, at: event.at, level, rule: event.rule ?? 'unknown' };
      // One transaction: an alert never exists without the person's own record of it, or the reverse.
      await guarded('saveSafetyEvent', personId, [own, { Put: { TableName, Item: { ...alert, ...alertKey(event.at, personId, eventId) } } }]);
    },

    async listSafetyEvents(personId) {
      const items = await queryPrefix('listSafetyEvents', personId, SAFETY_PREFIX);
      return items.map((item) => parseItem(StoredSafetyEvent, 'safety event', item, { personId, eventId: safetyEventIdFromSk(item[SK]) }));
    },

    async listSafetyAlerts(month) {
      const items = await queryAll('listSafetyAlerts', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: namesFor(PK),
        ExpressionAttributeValues: { ':pk': alertPk(month) },
        ScanIndexForward: false,
      });
      return items.map((item) => parseItem(StoredSafetyAlert, 'safety alert', item));
    },
  };
}
