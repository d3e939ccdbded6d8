/**
 * Two routine texts to one person in the same minute (two tracks falling due together): the
 * second waits TEXT_SPACING_MINUTES. Kept in the dispatcher's memory, never in the table.
 */

/** At most this many people are remembered; beyond it the longest ago are forgotten first. */
const SPACING_MEMORY = 50_000;

/**
 * When each person was last texted by this dispatcher, kept for its life (across ticks, as long as
 * the Lambda container lives). Best effort by design: it costs no read or write per message, and
 * the case it is for, two tracks due the same minute, reaches one tick.
 */
export function createTextSpacing(spacingMs: number) {
  type Entry = { at: number; messageId: string; before?: Entry };
  // Insertion order is (nearly) time order, an entry being deleted before it is set again: the
  // longest ago come first, which is where forgetting starts.
  const lastText = new Map<string, Entry>();
  return {
    /** For a text too soon after another one to this person, when it may go; undefined if now. */
    heldUntil(personId: string, messageId: string, now: Date): Date | undefined {
      const last = spacingMs > 0 ? lastText.get(personId) : undefined;
      // The same message again (a retry after a 429) is never held back by itself.
      if (!last || last.messageId === messageId || now.getTime() - last.at >= spacingMs) return undefined;
      return new Date(last.at + spacingMs);
    },
    record(personId: string, messageId: string, now: Date): void {
      if (spacingMs <= 0) return;
      const before = lastText.get(personId);
      lastText.delete(personId);
      lastText.set(personId, { at: now.getTime(), messageId, ...(before && before.messageId !== messageId && { before: { at: before.at, messageId: before.messageId } }) });
      for (const [id, entry] of lastText) {
        if (lastText.size <= SPACING_MEMORY && now.getTime() - entry.at < spacingMs) break;
        lastText.delete(id);
      }
    },
    /** The text did not go (held, failed, to be retried): the person's last text is the one before. */
    release(personId: string, messageId: string): void {
      const entry = lastText.get(personId);
      if (entry?.messageId !== messageId) return;
      lastText.delete(personId);
      if (entry.before) lastText.set(personId, entry.before);
    },
  };
}

export type TextSpacing = ReturnType<typeof createTextSpacing>;
