/**
 * What a dispatcher is given (DispatchDeps, with its DispatchSettings) and what each of its ticks
 * reports (DispatchReport).
 */
import type { Channel } from '../../domain/sequence';
import type { WhatsAppTemplateTable } from '../../domain/whatsapp-templates';
import type { MembershipRef } from '../../domain/tokens';
import type { Clock, EmailSender, Logger, RateBudget, SmsSender, Store, WhatsAppSender } from '../../ports';
import type { EngagementStore } from '../../ports/engagement';
import type { CounselorStore } from '../../ports/counselor';
import type { ChannelPace } from '../scheduling/pacer';
import type { Library } from '../scheduling/planning';

export interface DispatchSettings {
  leaseSeconds: number;
  /**
   * Messages in hand at once, per channel. A paced channel gets at least a quarter of its rate
   * per second (a message spends well under 250 ms in our hands besides waiting for its slot).
   */
  concurrency: number;
  /** Stop claiming new work after this long, leaving time to finish what is in hand. */
  maxDurationMs: number;
  postalAddress: string;
  /** Refs read from a due queue at a time. */
  batchSize?: number;
  maxAttempts?: number;
  /** A message with no deadline that is this late is skipped rather than sent out of context. */
  lateAfterHours?: number;
  /**
   * Signed links for a person's emails (RFC 8058 one-click unsubscribe, the preference centre)
   * and where Twilio reports an SMS's delivery. Without them emails carry no unsubscribe header.
   */
  links?: {
    unsubscribeUrl(personId: string): string;
    preferencesUrl(personId: string): string;
    smsStatusCallbackUrl?(personId: string, messageId: string): string;
    /**
     * A counselor's invitation links to the confirmation (signed as it is sent), naming the
     * membership it accepts; a join request to someone already with us links to the page where
     * they say yes or no to that organisation.
     */
    confirmUrl?(personId: string, membership?: MembershipRef): string;
    joinUrl?(personId: string, membership: MembershipRef): string;
  };
  /**
   * The providers' limits per channel (shared/config.ts). With a RateBudget in the deps, every
   * send waits for a slot of the budget all dispatchers share; without, sends are not paced.
   */
  pacing?: Partial<Record<Channel, ChannelPace>>;
  /**
   * Minutes between two routine texts to one person, as this dispatcher sees them (the tracks of
   * one person can fall due in the same minute; both reach the same tick). The later waits;
   * urgent texts never do. Absent or 0: no spacing.
   */
  textSpacingMinutes?: number;
  /** Calling codes whose numbers may get texts (SMS_COUNTRY_CODES); a text to any other is skipped. Absent: every country. */
  smsCountryCodes?: readonly string[];
  /**
   * WhatsApp: the templates as submitted to Meta (shared/content/whatsapp-templates.json) and the
   * Content SIDs of those Meta approved, by template name (WHATSAPP_TEMPLATES). Without it (or
   * without a WhatsApp sender in the deps) WhatsApp messages are skipped, `whatsapp_not_configured`.
   */
  whatsapp?: { templates: WhatsAppTemplateTable; approved: ReadonlyMap<string, string> };
}

export interface DispatchDeps {
  store: Store;
  email: EmailSender;
  sms: SmsSender;
  /** Sends WhatsApp messages; absent where WhatsApp is not set up. */
  whatsapp?: WhatsAppSender;
  clock: Clock;
  /** Fixed content for tests; otherwise loaded once per tick with the calendar corrections. */
  library?: Library;
  settings: DispatchSettings;
  log?: Logger;
  /** The shared send budget (pacing); absent in tests that do not pace. */
  budget?: RateBudget;
  /**
   * Engagement counts of people an organisation follows (their messages say so): each message
   * that goes, or fails, is counted after its outcome is recorded. Absent: nothing is counted.
   */
  engagement?: EngagementStore;
  /**
   * Memberships, read when an organisation's announcement goes (its person must still be a
   * member who said yes to it). Absent: an organisation's announcement is not sent.
   */
  counselors?: Pick<CounselorStore, 'cohortsOfPerson'>;
  /** Waits; tests on a fake clock pass one that moves the clock. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Real time, for what is shared with other dispatchers: pacing (providers count real seconds)
   * and due-queue leases. A tick run "as if" at another instant (`matchcoach tick --now`) still
   * paces and leases on the real clock, so it never holds a lease beyond real time; tests on a
   * fake clock leave this out and use `clock`.
   */
  paceClock?: Clock;
}

export interface DispatchReport {
  claimed: number;
  sent: number;
  skipped: number;
  failed: number;
  retried: number;
  /** Refs another dispatcher claimed first, or still holds: normal when ticks overlap. */
  lostRaces: number;
  /** Unexpected faults (storage errors); the lease brings those messages back. */
  errors: number;
  emailPaused: boolean;
  /** Provider answers saying we sent too fast (429): each slowed its channel down and was retried. */
  throttled: number;
  /** Send slots taken from the shared budget that nobody was waiting for in time (see PacerStats). */
  slotsExpired: number;
  /** Send slots given up because the worker woke too late to use them safely (an overloaded machine). */
  slotsLate: number;
  /** Routine texts held back because the person had just been texted (counted in `retried`). */
  spaced: number;
  /**
   * What the sends cost, per channel: the segments carriers bill for texts (one emoji can make a
   * text two or three), one per email.
   */
  segments: Record<Channel, number>;
  /** Texts that went in UCS-2 rather than GSM-7 (each costs more segments for its length). */
  ucs2Texts: number;
}
