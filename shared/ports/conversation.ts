import type { JournalEntry, SafetyAlert, SafetyEvent } from '../domain/model';
import type { ConversationWindow } from '../domain/whatsapp';

/**
 * The conversation with a person: what they wrote (inbound text ids, so a replay is not taken
 * twice, and the journal) and what the safety screen flagged in it (events, and the monthly
 * alerts counselors sweep).
 */
export interface ConversationStore {
  /**
   * Marks an inbound text's MessageSid as seen; false when it was seen before. Twilio signs no
   * timestamp, so a replayed webhook validates: this conditional write is what stops it.
   */
  claimInboundSms(messageSid: string, at: Date): Promise<boolean>;
  /** Forgets a claim whose processing failed, so a retry of the same webhook can run it again. */
  releaseInboundSms(messageSid: string): Promise<void>;
  /** Stores one journal entry; the same (personId, entryId) again replaces it. */
  saveJournalEntry(entry: JournalEntry): Promise<void>;
  /** A person's journal, oldest first; with `inReplyTo`, only the answers to that message of ours. */
  listJournalEntries(personId: string, filter?: { inReplyTo?: string }): Promise<JournalEntry[]>;
  /** A safety event; a risk or distress flag also lands in that month's alerts, atomically. */
  saveSafetyEvent(event: SafetyEvent): Promise<void>;
  /** A person's safety events, oldest first. */
  listSafetyEvents(personId: string): Promise<SafetyEvent[]>;
  /** Every risk and distress flag raised in a UTC month (`yyyy-mm`), newest first. */
  listSafetyAlerts(month: string): Promise<SafetyAlert[]>;
}

/**
 * The WhatsApp customer service window (shared/domain/whatsapp.ts), one record per person, kept
 * in the person's partition so erasure takes it. Its own adapter files
 * (dynamo/dynamo-conversation-windows.ts, memory/memory-conversation-windows.ts); both stores
 * include it, so a use case reaches it through the Store it already has.
 */
export interface ConversationWindowStore {
  /**
   * The person wrote to us on WhatsApp at `at`: kept unless a later message is already recorded.
   * PersonGone for someone not there (a guarded write, like every write into their records).
   */
  noteInbound(personId: string, at: Date): Promise<void>;
  /**
   * WhatsApp said the window was closed at `at` (63016) while our record said open. Changes only
   * a record that exists, and never brings back one erasure took.
   */
  noteWindowClosed(personId: string, at: Date): Promise<void>;
  getWindow(personId: string): Promise<ConversationWindow | undefined>;
}
