import {
  CohortLink,
  EngagementStats,
  MAX_LINKED_COHORTS,
  cohortRef,
  difference,
  linkFor,
  nameIndexPrefix,
  parseCohortRef,
  personOfIndexKey,
  sumCounters,
} from '../../domain/engagement';
import { PersonGone } from '../../domain/errors';
import { ContactNote, type EngagementStore } from '../../ports/engagement';
import { contactNoteKey } from '../dynamo/keys';

/**
 * The in-memory twin of the DynamoDB engagement store: the same version checks, the same links,
 * totals and index entries (kept by the same sort keys, so pages come in the same order), and the
 * same guard: nothing is written for someone who is not there. Counts and notes of someone erased
 * read as gone, as their partition does. Passes the same contract.
 */
export interface MemoryEngagementStore extends EngagementStore {
  /** Everything held, for tests that must prove nothing changed. */
  snapshot(): unknown;
}

export function createMemoryEngagementStore(options: { isLiving?: (personId: string) => boolean } = {}): MemoryEngagementStore {
  const living = (personId: string) => !options.isLiving || options.isLiving(personId);
  const stats = new Map<string, EngagementStats>();
  /** by cohort ref, then personId */
  const links = new Map<string, Map<string, CohortLink>>();
  /** by cohort ref: its totals (shards need no twin: only their sum is ever read) */
  const totals = new Map<string, Record<string, number>>();
  /** by cohort ref: sort key -> personId */
  const indexes = new Map<string, Map<string, string>>();
  /** by note sort key */
  const notes = new Map<string, Map<string, ContactNote>>();

  const ensure = <V>(map: Map<string, Map<string, V>>, key: string) => {
    let inner = map.get(key);
    if (!inner) map.set(key, (inner = new Map()));
    return inner;
  };
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const readStats = (personId: string) => (living(personId) ? stats.get(personId) : undefined);

  function moveCohort(personId: string, ref: string, before: CohortLink | undefined, after: CohortLink | undefined) {
    if (after) ensure(links, ref).set(personId, copy(after));
    else links.get(ref)?.delete(personId);
    const delta = difference(after?.snapshot ?? {}, before?.snapshot ?? {});
    totals.set(ref, sumCounters([totals.get(ref) ?? {}, delta]));
    const index = ensure(indexes, ref);
    for (const kind of ['flag', 'quiet', 'name'] as const) {
      const was = before?.index[kind];
      const is = after?.index[kind];
      if (was === is) continue;
      if (was) index.delete(was);
      if (is) index.set(is, personId);
    }
  }

  return {
    async getStats(personIds) {
      return new Map(personIds.flatMap((id) => { const s = readStats(id); return s ? [[id, copy(s)] as const] : []; }));
    },

    async changeStats(personId, change, opts = {}) {
      if (!living(personId)) throw new PersonGone();
      const current = stats.get(personId);
      const proposed = change(current ? copy(current) : undefined);
      if (!proposed) return current && copy(current);
      const cohorts = [...new Set(proposed.cohorts)].slice(0, MAX_LINKED_COHORTS);
      const next = EngagementStats.parse({ ...proposed, personId, cohorts, version: (current?.version ?? 0) + 1 });
      for (const ref of new Set([...(current?.cohorts ?? []), ...cohorts])) {
        const { orgId, cohortId } = parseCohortRef(ref);
        const before = links.get(ref)?.get(personId);
        const contactedAt = opts.contacted && opts.contacted.orgId === orgId ? opts.contacted.at : before?.contactedAt;
        moveCohort(personId, ref, before, cohorts.includes(ref) ? linkFor(next, orgId, cohortId, contactedAt) : undefined);
      }
      stats.set(personId, copy(next));
      return copy(next);
    },

    async forgetPerson(personId, extra = []) {
      let forgotten = 0;
      for (const ref of new Set([...(stats.get(personId)?.cohorts ?? []), ...extra])) {
        const before = links.get(ref)?.get(personId);
        if (!before) continue;
        moveCohort(personId, ref, before, undefined);
        forgotten++;
      }
      return forgotten;
    },

    async getLinks(orgId, cohortId, personIds) {
      const held = links.get(cohortRef(orgId, cohortId));
      return new Map(personIds.flatMap((id) => { const link = held?.get(id); return link ? [[id, copy(link)] as const] : []; }));
    },

    async cohortTotals(orgId, cohortId) {
      return copy(totals.get(cohortRef(orgId, cohortId)) ?? {});
    },

    async addToCohortTotals(orgId, cohortId, _personId, delta) {
      const ref = cohortRef(orgId, cohortId);
      totals.set(ref, sumCounters([totals.get(ref) ?? {}, delta]));
    },

    async listIndex(orgId, cohortId, index, { limit, after, upTo, name }) {
      const prefix = index === 'flag' ? 'FLAG#' : index === 'quiet' ? 'QUIET#' : nameIndexPrefix(name ?? '');
      let keys = [...(indexes.get(cohortRef(orgId, cohortId))?.keys() ?? [])].filter((k) => k.startsWith(prefix) && (index !== 'quiet' || upTo === undefined || k <= upTo)).sort();
      if (index === 'flag') keys.reverse();
      if (after !== undefined) keys = keys.filter((k) => (index === 'flag' ? k < after : k > after));
      const page = keys.slice(0, limit);
      return { entries: page.map((key) => ({ personId: personOfIndexKey(key), key })), ...(keys.length > limit && { next: page.at(-1)! }) };
    },

    async addContactNote(note) {
      const parsed = ContactNote.parse(note);
      if (!living(parsed.personId)) throw new PersonGone();
      ensure(notes, parsed.personId).set(contactNoteKey(parsed.personId, parsed.orgId, parsed.at, parsed.noteId).sk, copy(parsed));
    },

    async listContactNotes(personId, orgId, limit = 20) {
      if (!living(personId)) return [];
      return [...(notes.get(personId)?.entries() ?? [])]
        .filter(([, n]) => n.orgId === orgId)
        .sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0))
        .slice(0, limit)
        .map(([, n]) => copy(n));
    },

    snapshot() {
      const sorted = <V>(map: Map<string, V>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return copy({
        stats: sorted(stats),
        links: sorted(links).map(([ref, m]) => [ref, sorted(m)]),
        totals: sorted(totals),
        indexes: sorted(indexes).map(([ref, m]) => [ref, sorted(m)]),
        notes: sorted(notes).map(([id, m]) => [id, sorted(m)]),
      });
    },
  };
}
