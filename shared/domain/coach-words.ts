import { normaliseSms } from './keywords';
import type { Milestone, Outcome } from './sequence';

/**
 * What a text tells the coach about the person, as a value (pure): their Match outcome, a
 * milestone done, their specialty, how many interviews they have. Read only when the keyword
 * parser (keywords.ts) found no command, score or opt-out in it, and always after the safety
 * screen. Strict on purpose: a text is read as news only when it is short and says little else,
 * so "did I match?" or "my friend matched" changes nothing.
 */

export type CoachIntent =
  | { kind: 'outcome'; outcome: Extract<Outcome, 'matched' | 'soap' | 'unmatched'> }
  | { kind: 'milestone'; milestones: Milestone[]; label: string }
  | { kind: 'specialty'; text: string }
  | { kind: 'interviews'; count: number };

/** Interviews a person may report (more is a typo, not a season). */
const MAX_INTERVIEWS = 80;
/** Longer texts are stories, not reports: kept in the journal, read by nobody but them. */
const MAX_REPORT_CHARS = 80;

/** DONE <word>: what each word marks done. Words from the texts we send (DONE NRMP ...) and their common forms. */
const MILESTONE_WORDS: readonly { words: RegExp; milestones: Milestone[]; label: string }[] = [
  { words: /^(?:nrmp|match registration|nrmp registration|registered for (?:the )?(?:nrmp|match))$/, milestones: ['nrmp_registered'], label: 'NRMP registration' },
  { words: /^(?:eras|eras application|application|residencycas|submitted|applied)$/, milestones: ['eras_submitted', 'eras_documents', 'eras_token'], label: 'your application' },
  { words: /^(?:pathway|ecfmg pathway|oet and pathway)$/, milestones: ['pathway', 'oet'], label: 'the ECFMG Pathway' },
  { words: /^(?:step ?3|usmle step ?3)$/, milestones: ['step3'], label: 'Step 3' },
  { words: /^(?:rol|rank list|rank order list|ranking|rol certified|certified)$/, milestones: ['rol_certified'], label: 'your rank order list' },
  { words: /^(?:step ?1|usmle step ?1)$/, milestones: ['step1'], label: 'Step 1' },
  { words: /^(?:step ?2|step ?2 ?ck|ck|usmle step ?2(?: ?ck)?)$/, milestones: ['step2ck'], label: 'Step 2 CK' },
  { words: /^(?:oet|oet medicine)$/, milestones: ['oet'], label: 'OET Medicine' },
  { words: /^(?:ecfmg|ecfmg certificate|ecfmg certified|certification)$/, milestones: ['ecfmg_certified'], label: 'ECFMG certification' },
  { words: /^(?:token|eras token)$/, milestones: ['eras_token'], label: 'your ERAS token' },
  { words: /^(?:documents|docs|eras documents)$/, milestones: ['eras_documents'], label: 'your documents' },
  { words: /^(?:statement of need|son|statement)$/, milestones: ['statement_of_need'], label: 'the Statement of Need' },
];

const plain = (text: string) =>
  normaliseSms(text)
    .toLowerCase()
    .replace(/'/g, '')
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

function milestoneOf(text: string): CoachIntent | undefined {
  const m = /^(?:done|finished|completed)\s+(.+)$/.exec(text) ?? /^(.+?)\s+(?:done|finished|completed)$/.exec(text);
  if (!m) return undefined;
  const what = m[1]!.replace(/^(?:with|my|the)\s+/, '').trim();
  const found = MILESTONE_WORDS.find((w) => w.words.test(what));
  return found ? { kind: 'milestone', milestones: found.milestones, label: found.label } : undefined;
}

// Outcome phrasing, checked after the negatives (a "not" turns "matched" around).
const UNMATCHED = /^(?:(?:i|we)(?: am|m)? )?(?:(?:did not|didnt|didn t|did nt|have not|havent|not) (?:get )?match(?:ed)?|unmatched|no match|not matched)(?: (?:this year|sadly|unfortunately|again))*$/;
const SOAP = /^(?:(?:i|we)(?: am|m)? )?(?:(?:in|into|entering|doing|going (?:in)?to|applying (?:in|to|through)) )?(?:the )?soap(?: (?:now|today|this week))*$/;
const MATCHED = /^(?:yes )?(?:(?:i|we)(?: have| ve)? )?(?:just )?(?:got )?matched(?: (?:in|into|at|to|through) [\p{L}\p{N} ]{1,40})?(?: (?:today|yay|finally))*$/u;

/** The Match outcome in a short text: MATCHED, SOAP, UNMATCHED, and the plain ways of saying them. */
function outcomeOf(text: string): CoachIntent | undefined {
  if (UNMATCHED.test(text)) return { kind: 'outcome', outcome: 'unmatched' };
  if (/^(?:i )?(?:matched|got (?:a )?(?:position|spot)) (?:in|through|during) (?:the )?soap$/.test(text)) return { kind: 'outcome', outcome: 'matched' };
  if (SOAP.test(text)) return { kind: 'outcome', outcome: 'soap' };
  if (MATCHED.test(text)) return { kind: 'outcome', outcome: 'matched' };
  return undefined;
}

export function parseCoachIntent(body: string, context: { outcomeWindow: boolean }): CoachIntent | undefined {
  const raw = normaliseSms(body);
  if (raw.length === 0 || raw.length > MAX_REPORT_CHARS) return undefined;
  const text = plain(raw);
  const specialty = /^specialty\s*[:\-]?\s*(.+)$/i.exec(raw);
  if (specialty && /[\p{L}]/u.test(specialty[1]!)) return { kind: 'specialty', text: specialty[1]!.trim().slice(0, 80) };
  const interviews = /^interviews?\s*[:\-]?\s*(\d{1,3})$/.exec(text) ?? /^(?:i have |ive got |i got |got )?(\d{1,3}) interviews?(?: so far| now)?$/.exec(text);
  if (interviews) {
    const count = Number(interviews[1]);
    return count <= MAX_INTERVIEWS ? { kind: 'interviews', count } : undefined;
  }
  const milestone = milestoneOf(text);
  if (milestone) return milestone;
  // An outcome is news only once there is one to have: from Match Week on.
  return context.outcomeWindow ? outcomeOf(text) : undefined;
}

// ---- What the coach answers (one GSM-7 segment each, our own words) -----------------------------

export const OUTCOME_REPLIES: Record<Extract<Outcome, 'matched' | 'soap' | 'unmatched'>, string> = {
  matched: 'Congratulations! That is wonderful news, and it was earned. Celebrate first. From here we will help with contract, visa and licence steps.',
  soap: 'Thank you for telling us. SOAP runs all week and we will send short, practical support. Whatever happens, you are not alone in this.',
  unmatched:
    'Thank you for telling us. We are so sorry. For the next two weeks we will ask nothing of you, only check in gently. Reply SOAP if you are entering SOAP.',
};
export const SAME_OUTCOME_REPLY = 'Thank you, we have that noted already. Reply any time if something changes.';

/** "Well done: NRMP registration marked done. Reminders about it stop now." */
export const milestoneReply = (label: string) => `Well done: ${label} marked done. The reminders about it stop now.`;
export const specialtyReply = (recognised: string | undefined) =>
  recognised
    ? `Thanks: specialty noted as ${recognised}. Dates and notes for it from now on. Text SPECIALTY again to change it.`
    : 'Thanks, noted. We do not have notes for that specialty yet, so you get the general ones. Text SPECIALTY again to change it.';
export const interviewsReply = (count: number) =>
  count === 0
    ? 'Thanks for telling us. Waiting is hard. Reply any time with news, and text INTERVIEWS and a number when it changes.'
    : `Thanks: ${count} interview${count === 1 ? '' : 's'} noted. Well done. Text INTERVIEWS and a number when it changes.`;
