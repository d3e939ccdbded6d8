import type { Enrollment, JournalEntry, Message, Person, SafetyAlert, SafetyEvent } from '../../domain/model';
import type { CalendarEntry } from '../../domain/calendar';
import { PersonGone } from '../../domain/errors';
import { createMemoryPlanStore } from './memory-plan-store';
import { createMemoryConversationWindows } from './memory-conversation-windows';

/**
 * What every memory twin of the Store shares: the in-memory stand-in for the one table. Each
 * port's twin (memory-people.ts and the others) reads and writes its own part of it, and the
 * facade (memory-store.ts) reaches across all parts to create people and erase them, as the
 * DynamoDB repositories share one dynamo-context.ts. Maps keyed by person hold the items of the
 * person's partition, so erasure finds them all.
 */
export type MemoryContext = ReturnType<typeof createMemoryContext>;

export function createMemoryContext() {
  const people = new Map<string, Person>();
  // Erasure's mark (the table's ERASING_ATTRIBUTE): such a person reads as gone and takes no writes.
  const erasing = new Set<string>();
  const isLiving = (personId: string) => people.has(personId) && !erasing.has(personId);
  return {
    people,
    personIdByPhone: new Map<string, string>(),
    personIdByEmail: new Map<string, string>(),
    enrollments: new Map<string, Map<string, Enrollment>>(),
    messages: new Map<string, Map<string, Message>>(),
    queueLeases: new Map<string, { holder: string; until: number }>(),
    calendar: {} as Record<string, Record<string, CalendarEntry>>,
    // SMS conversation: keyed by the same sort keys as the table, so orders match.
    inboundSeen: new Set<string>(),
    journals: new Map<string, Map<string, JournalEntry>>(),
    safetyEvents: new Map<string, Map<string, SafetyEvent>>(),
    alerts: new Map<string, Map<string, SafetyAlert>>(),
    // Email subscription: spent link nonces (with expiry) and per-person notice claims.
    spentNonces: new Map<string, string>(),
    notices: new Map<string, Map<string, string>>(),
    // A person's own plan and their WhatsApp window: twins of their own, erased with the person.
    plans: createMemoryPlanStore({ isLiving }),
    windows: createMemoryConversationWindows({ isLiving }),
    erasing,
    isLiving,
    /** The twin of the table's guarded writes (shared/adapters/dynamo/person-guard.ts). */
    mustLive(personId: string): void {
      if (!isLiving(personId)) throw new PersonGone();
    },
  };
}

export function ensure<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deep copy without undefined fields: what a round trip through DynamoDB gives back. */
export function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, copy(v)]),
    ) as T;
  }
  return value;
}

export function copyOrUndefined<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : copy(value);
}
