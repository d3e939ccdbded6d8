import { alertLevelOf, type SafetyAlert } from '../../domain/model';
import type { ConversationStore } from '../../ports/conversation';
import { alertKey, alertPk, journalKey, safetyEventKey } from '../dynamo/keys';
import { compareStrings, copy, ensure, type MemoryContext } from './memory-context';

/**
 * The twin of conversation-repository.ts: inbound texts seen, the journal, safety events and the
 * monthly alerts, keyed by the table's own sort keys so they list in the same order.
 */
export function createMemoryConversation(context: MemoryContext): ConversationStore {
  const { inboundSeen, journals, safetyEvents, alerts, mustLive } = context;
  return {
    async claimInboundSms(messageSid) {
      if (inboundSeen.has(messageSid)) return false;
      inboundSeen.add(messageSid);
      return true;
    },

    async releaseInboundSms(messageSid) {
      inboundSeen.delete(messageSid);
    },

    async saveJournalEntry(entry) {
      mustLive(entry.personId);
      ensure(journals, entry.personId).set(journalKey(entry.personId, entry.inReplyTo, entry.entryId).sk, copy(entry));
    },

    async listJournalEntries(personId, filter = {}) {
      return [...(journals.get(personId)?.values() ?? [])]
        .filter((e) => filter.inReplyTo === undefined || e.inReplyTo === filter.inReplyTo)
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || compareStrings(a.entryId, b.entryId))
        .map(copy);
    },

    async saveSafetyEvent(event) {
      mustLive(event.personId);
      ensure(safetyEvents, event.personId).set(safetyEventKey(event.personId, event.at, event.eventId).sk, copy(event));
      const level = alertLevelOf(event.kind);
      if (level) {
        const key = alertKey(event.at, event.personId, event.eventId);
        const alert: SafetyAlert = { personId: event.personId, eventId: event.eventId, at: event.at, level, rule: event.rule ?? 'unknown' };
        ensure(alerts, key.pk).set(key.sk, alert);
      }
    },

    async listSafetyEvents(personId) {
      return [...(safetyEvents.get(personId)?.entries() ?? [])]
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([, event]) => copy(event));
    },

    async listSafetyAlerts(month) {
      return [...(alerts.get(alertPk(month))?.entries() ?? [])]
        .sort(([a], [b]) => compareStrings(b, a))
        .map(([, alert]) => copy(alert));
    },
  };
}
