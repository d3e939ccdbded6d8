import { DateTime } from 'luxon';
import { seasonAnchors } from '../../domain/calendar';
import {
  OUTCOME_REPLIES,
  SAME_OUTCOME_REPLY,
  interviewsReply,
  milestoneReply,
  parseCoachIntent,
  specialtyReply,
  type CoachIntent,
} from '../../domain/coach-words';
import type { Person } from '../../domain/model';
import { resolveAnchor } from '../../domain/schedule';
import { specialtyProfile, specialtyWords } from '../../domain/specialty';
import type { Clock, Store } from '../../ports';
import { PersonGone } from '../../domain/errors';
import type { Library } from '../scheduling/planning';
import { setOutcome, updateProfile } from '../scheduling/replan';

/**
 * News a person texts us (shared/domain/coach-words.ts): their Match outcome (MATCHED, SOAP,
 * UNMATCHED, or the plain ways of saying them, from Match Week on), a milestone done (DONE NRMP,
 * DONE ERAS, DONE PATHWAY, DONE STEP3, DONE ROL ...), their specialty or how many interviews they
 * have. Each is routed exactly as the preference page routes it: the outcome through setOutcome,
 * the rest through updateProfile, so the person is re-planned at once and the alerts that no
 * longer apply are withdrawn before they can go.
 */

export interface NewsDeps {
  store: Store;
  clock: Clock;
  library: Library;
}

export interface NewsAnswer {
  reply: string;
  /** What they told us, kept in their private journal like any text. */
  entry: { kind: 'note'; text: string };
}

/** From the Monday of Match Week until residency starts, a text may carry the person's outcome. */
function inOutcomeWindow(person: Person, library: Library, now: Date): boolean {
  const anchors = seasonAnchors(person.profile.season, library.calendar);
  const monday = anchors.match_week_monday && resolveAnchor(anchors.match_week_monday, person.timeZone);
  const starts = anchors.residency_starts && resolveAnchor(anchors.residency_starts, person.timeZone);
  if (!monday || !starts) return false;
  const local = DateTime.fromJSDate(now, { zone: person.timeZone });
  return local >= monday.startOf('day') && local <= starts.endOf('day');
}

/** Acts on the news in a text, if it carries any; undefined leaves the text to the journal. */
export async function actOnNews(deps: NewsDeps, person: Person, text: string): Promise<NewsAnswer | undefined> {
  const now = deps.clock.now();
  const intent = parseCoachIntent(text, { outcomeWindow: inOutcomeWindow(person, deps.library, now) });
  if (!intent) return undefined;
  const entry = { kind: 'note' as const, text: text.trim().slice(0, 1600) };
  return { reply: await act(deps, person, intent), entry };
}

async function act(deps: NewsDeps, person: Person, intent: CoachIntent): Promise<string> {
  switch (intent.kind) {
    case 'outcome':
      if (person.profile.outcome === intent.outcome) return SAME_OUTCOME_REPLY;
      await setOutcome(deps, person.personId, intent.outcome);
      return OUTCOME_REPLIES[intent.outcome];
    case 'milestone':
      await updateProfile(deps, person.personId, (profile) => ({ profile: { ...profile, done: [...new Set([...profile.done, ...intent.milestones])] } }));
      return milestoneReply(intent.label);
    case 'specialty': {
      await updateProfile(deps, person.personId, () => ({ specialty: intent.text }));
      const recognised = specialtyWords(specialtyProfile(intent.text, deps.library.specialties).specialty, deps.library.specialties);
      return specialtyReply(recognised?.name);
    }
    case 'interviews': {
      // Nothing is planned from it (no re-plan): it is what they told us, kept with them.
      const current = await deps.store.getPerson(person.personId);
      if (!current) throw new PersonGone();
      await deps.store.savePerson({ ...current, interviews: { count: intent.count, at: deps.clock.now().toISOString() } });
      return interviewsReply(intent.count);
    }
  }
}
