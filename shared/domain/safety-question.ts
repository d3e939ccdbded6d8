import { normaliseForScreening, type RiskAssessment } from './crisis';
import type { InboundIntent } from './keywords';
import type { Person } from './model';

/**
 * Asking directly when unsure. Between clear risk and clearly nothing there is a middle band
 * (hopelessness, "I can't do this anymore", the lowest check-in score with words beside it). There
 * the coach asks plainly whether the person is thinking of harming or killing themselves, as
 * crisis services do (asking does not raise the risk), with help in the same text; the question
 * stays open for a day, and the next reply is read as the answer:
 * - a yes, an unsure answer ("maybe", "sometimes", "idk") or anything the screen itself finds risky
 *   or unsure is treated as risk: the crisis reply, a hold and an alert;
 * - a clear no is believed and thanked, with help left in their hands;
 * - anything else (a command, an unrelated line) is handled as usual; commands leave the question
 *   open, so a YES after a PAUSE is still an answer and not a keyword.
 * Pure; the use case stores the open question on the person (Person.safetyQuestion).
 */

/** How long the question waits for its answer. */
export const QUESTION_OPEN_HOURS = 24;

export type SafetyAnswer = 'yes' | 'no' | 'unclear';

/**
 * Yes, and the answers that are not a no: ambivalence is a reason to reach out, not to wait.
 * In the languages our people write in (Hindi/Urdu, Spanish, Tagalog, French, Portuguese, Arabic
 * and Nigerian Pidgin, in Latin letters), read on the screening's normalised text (punctuation
 * gone, letters squeezed: "yesss" reads "yes", "little" reads "litle", Tagalog "oo" reads "o").
 */
const YES_START =
  /^ (?:yes|yea|yeah|yeh|yep|yup|yas|ok yes|sadly yes|honestly yes|sometimes|maybe|kind of|kinda|sort of|a bit|a litle|litle bit|not sure|unsure|idk|i dont know|dont know|i dunno|dunno|i think so|han ji|ha ji|ji han|opo|oui|ouais|sim|aywa|aiwa|na so)\b/;
/** Short words that mean yes only as the whole answer ("I am", "si", Tagalog "oo"). */
const YES_WHOLE = /^ (?:y|ya|yah|ye|i am|i do|i have|i guess|han|ji|jee|si|o|e dey|i dey|a veces|minsan|kabhi kabhi)(?: (?:yes|po|ji|na|o))? $/;
/** A clear no, alone or with a reason ("no, just tired"). */
const NO =
  /^ (?:no|nope|nah|not realy|not at al|never|of course not|definitely not|no way|im not|i am not|nahi|nahin|nai|nhi|na ji|no po|hindi|hinde|di po|la|la2|mesh|msh|non|nao|i no dey)\b/;
/** "No, but sometimes": a no that takes itself back is not a no. */
const BUT = /\b(?:but|though|tho|sometimes|maybe|kinda|kind of|a bit|a litle|not sure|except|pero|mais|lekin|magar|minsan|a veces|kabhi)\b/;

export function readAnswer(body: string): SafetyAnswer {
  const text = normaliseForScreening(body);
  if (NO.test(text)) return BUT.test(text) ? 'yes' : 'no';
  if (YES_START.test(text) || YES_WHOLE.test(text)) return 'yes';
  return 'unclear';
}

export function isQuestionOpen(person: Pick<Person, 'safetyQuestion'>, now: Date): boolean {
  const asked = person.safetyQuestion && Date.parse(person.safetyQuestion.askedAt);
  return asked !== undefined && now.getTime() - asked >= 0 && now.getTime() - asked < QUESTION_OPEN_HOURS * 3_600_000;
}

/** Intents that leave the question open: they are not an answer to it. */
const NOT_AN_ANSWER: ReadonlySet<InboundIntent['kind']> = new Set(['help', 'pause', 'resume', 'goals', 'next', 'opt-out']);

export interface Reviewed {
  /** The screen, escalated where the conversation says so. */
  screen: RiskAssessment;
  /** This text is the reply to an open question. */
  answering: boolean;
  /** Set when it answers: how. */
  answer?: SafetyAnswer;
  /** The open question is settled by this text (so the next text is read on its own again). */
  settles: boolean;
}

/**
 * Reads one text in the light of the conversation: the open question (if any) and the intent
 * (a score of 1 with words is the middle band whatever the words say).
 */
export function reviewInConversation(input: {
  screen: RiskAssessment;
  person: Pick<Person, 'safetyQuestion'>;
  intent: InboundIntent;
  body: string;
  now: Date;
}): Reviewed {
  const { intent, body } = input;
  let screen = input.screen;
  if (intent.kind === 'score' && intent.score === 1 && intent.note && (screen.level === 'none' || screen.level === 'distress')) {
    screen = { level: 'ask', matched: 'ask:lowest-score-with-words' };
  }
  const answering = isQuestionOpen(input.person, input.now);
  if (!answering) return { screen, answering, settles: false };
  if (screen.level === 'risk') return { screen, answering, settles: true };
  const answer = readAnswer(body);
  if (answer === 'yes') return { screen: { level: 'risk', matched: 'risk:answered-yes' }, answering, answer, settles: true };
  // A second middle-band text while the question is open is the answer too: not a no.
  if (screen.level === 'ask') return { screen: { level: 'risk', matched: `risk:answered-${screen.matched ?? 'ask'}` }, answering, answer, settles: true };
  if (answer === 'no') return { screen, answering, answer, settles: true };
  return { screen, answering, answer, settles: !NOT_AN_ANSWER.has(intent.kind) };
}
