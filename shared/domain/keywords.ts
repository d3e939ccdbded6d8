import * as z from 'zod';

/**
 * What an inbound SMS means, as a value: the use case decides what to do with it.
 *
 * Order of precedence (first that applies wins):
 *  1. A carrier keyword (docs/rules.md): the whole body is one of OPT_OUT_WORDS / OPT_IN_WORDS /
 *     HELP_WORDS, ignoring case, surrounding spaces and punctuation ("Stop.", "*STOP*", "STOP 🛑").
 *     Only these get `via: 'keyword'`: they are the words the carrier itself acts on.
 *     Our own single words come next, the same way: JOIN (start, as START does, or sign up from a
 *     number we do not know), WHATSAPP and TEXTS / SMS (move coaching to that channel).
 *  2. `GOAL <text>`: the person's own goal. It is exempt from revocation matching, because a goal
 *     is about their life, not about us ("GOAL stop sending emails after 10pm").
 *  3. Free-text revocation (`via: 'free-text'`). Since April 2025 consent can be revoked "by any
 *     reasonable method", and the costs are lopsided: a wrong opt-out costs the person one START,
 *     a missed one breaks the law. So we err toward opting out, within these rules:
 *     - a stop/quit/cease verb aimed at our messages: "stop texting me", "quit sending these",
 *       "stop the reminders", "cancel these messages";
 *     - a refusal of messages: "don't text me", "never contact me again", "I don't want these
 *       texts", "no more messages", a time limit does not matter ("no more texts this week");
 *     - any form of unsubscribe / opt out / opt me out, "remove me", "take me off the list",
 *       "delete my number", "leave me alone", "wrong number", a bare "not interested";
 *     - a message (or, for STOP-like words, one sentence of it) made only of an opt-out word and
 *       filler: "please stop", "STOP STOP", "stop it now", "Kindly stop", "I quit", "cancel pls".
 *     Not revocations: a stop/quit whose object is not our messages ("I can't stop worrying",
 *     "stop procrastinating is my goal", "the bus stop", "I want to quit my job"); a negated one
 *     ("please don't stop texting me", "anxiety won't leave me alone"); "text me back". A quit
 *     inside a longer message ("Failed again. I quit.") reads as giving up, not as revoking
 *     consent: the safety screen sees it, and the person can still send STOP.
 *  4. Commands: PAUSE [n days|weeks|months], RESUME, DONE, DONE <n>, SKIP, GOALS, NEXT.
 *  5. A check-in score 1-5 ("4", "4/5", "four", "4 - ok i guess").
 *  6. Otherwise `clarify` when a score was asked for, else `free-text` (a private journal entry).
 *
 * Callers: run `assessRisk` (crisis.ts) on every body before acting on its intent, opt-outs
 * included. Parsing never throws; bodies are read up to MAX_SMS_BODY characters (Twilio's limit
 * for a concatenated message).
 */

export const OPT_OUT_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT'] as const;
export const OPT_IN_WORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_WORDS = ['HELP', 'INFO'] as const;
/** Not a carrier keyword: our own word for "I want in", also from a number we do not know yet. */
const JOIN_WORDS = ['JOIN'] as const;
/** Move coaching to WhatsApp, or to texts, at the same number. */
const SWITCH_WORDS = { whatsapp: ['WHATSAPP'], sms: ['TEXTS', 'TEXT', 'SMS'] } as const;

export const MAX_SMS_BODY = 1600;
const PAUSE_DAYS = { min: 1, max: 90 } as const;
const GOAL_NUMBER = { min: 1, max: 20 } as const;
export const GOAL_TEXT_MAX = 120;

export const CLARIFY_REASONS = [
  'score-out-of-range', // "0", "6", "45", "10/10"
  'score-not-whole', // "4.5"
  'score-not-understood', // anything else in reply to a score prompt
  'pause-days-out-of-range', // "PAUSE 0", "PAUSE 120"
  'pause-not-understood', // "PAUSE 7.5", "pause until 3/20"
  'goal-number-out-of-range', // "DONE 0", "DONE 25"
  'goal-text-missing', // "GOAL"
  'goal-text-too-long', // more than GOAL_TEXT_MAX characters
] as const;
export type ClarifyReason = (typeof CLARIFY_REASONS)[number];

export const InboundIntent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('opt-out'), via: z.enum(['keyword', 'free-text']) }),
  z.object({ kind: z.literal('opt-in') }),
  z.object({ kind: z.literal('help') }),
  z.object({ kind: z.literal('join') }),
  z.object({ kind: z.literal('switch'), to: z.enum(['sms', 'whatsapp']) }),
  z.object({ kind: z.literal('pause'), days: z.number().int().min(PAUSE_DAYS.min).max(PAUSE_DAYS.max).optional() }),
  z.object({ kind: z.literal('resume') }),
  z.object({ kind: z.literal('done') }),
  z.object({ kind: z.literal('skip') }),
  z.object({ kind: z.literal('done-goal'), goal: z.number().int().min(GOAL_NUMBER.min).max(GOAL_NUMBER.max) }),
  z.object({ kind: z.literal('score'), score: z.literal([1, 2, 3, 4, 5]), note: z.string().min(1).optional() }),
  z.object({ kind: z.literal('goal-add'), text: z.string().min(1).max(GOAL_TEXT_MAX) }),
  z.object({ kind: z.literal('goals') }),
  z.object({ kind: z.literal('next') }),
  /** `text` is the normalised body, so the caller can still keep it as a journal entry. */
  z.object({ kind: z.literal('clarify'), reason: z.enum(CLARIFY_REASONS), text: z.string().max(MAX_SMS_BODY) }),
  z.object({ kind: z.literal('free-text'), text: z.string().max(MAX_SMS_BODY) }),
]);
export type InboundIntent = z.infer<typeof InboundIntent>;
type CheckinScore = 1 | 2 | 3 | 4 | 5;

export interface ParseContext {
  /** True when the last message we sent asked for a 1-5 score. */
  awaitingScore?: boolean;
}

// Format characters that change nothing a reader sees: zero-width space/joiners, word joiner,
// BOM, variation selectors and the combining keycap ("4️⃣" is 4 + U+FE0F + U+20E3).
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF\uFE00-\uFE0F\u20E3]/g;
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/gu;

/** NFKC (fullwidth "ＳＴＯＰ" becomes "STOP"), straight quotes, invisible marks dropped, spaces collapsed. */
export function normaliseSms(body: unknown): string {
  const raw = typeof body === 'string' ? body : '';
  return raw
    .slice(0, MAX_SMS_BODY)
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(/[\u2018\u2019\u201B\u2032\u02BC`´]/g, "'")
    .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
    .replace(CONTROL, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .slice(0, MAX_SMS_BODY);
}

/** Lowercased, without the punctuation, symbols and emoji around it: "*Stop!!* 🛑" -> "stop". */
function coreOf(text: string): string {
  return text.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}

/** Words only: lowercase, apostrophes dropped ("don't" -> "dont"), everything else a space. */
function plainOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/'/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const OPT_OUT_SET = new Set<string>(OPT_OUT_WORDS.map((w) => w.toLowerCase()));
const OPT_IN_SET = new Set<string>(OPT_IN_WORDS.map((w) => w.toLowerCase()));
const HELP_SET = new Set<string>(HELP_WORDS.map((w) => w.toLowerCase()));
const JOIN_SET = new Set<string>(JOIN_WORDS.map((w) => w.toLowerCase()));
const SWITCH_TO_WHATSAPP = new Set<string>(SWITCH_WORDS.whatsapp.map((w) => w.toLowerCase()));
const SWITCH_TO_SMS = new Set<string>(SWITCH_WORDS.sms.map((w) => w.toLowerCase()));

function keywordOf(core: string): InboundIntent | undefined {
  const word = core.replace(/^opt[\s_-]*out$/, 'opt out');
  if (OPT_OUT_SET.has(word)) return { kind: 'opt-out', via: 'keyword' };
  if (OPT_IN_SET.has(word)) return { kind: 'opt-in' };
  if (HELP_SET.has(word)) return { kind: 'help' };
  if (JOIN_SET.has(word)) return { kind: 'join' };
  const to = word.replace(/[\s_-]+/g, '');
  if (SWITCH_TO_WHATSAPP.has(to)) return { kind: 'switch', to: 'whatsapp' };
  if (SWITCH_TO_SMS.has(to)) return { kind: 'switch', to: 'sms' };
  return undefined;
}

// ---- free-text revocation -------------------------------------------------------------------

const UNSUBSCRIBE = String.raw`(?:unsub|unsubs|unsubscri\w*|unsuscri\w*|unsubcri\w*|unsubscib\w*|unsubsri\w*|unsusbcri\w*)`;
/** Ways of saying "your messages". */
const NOUN = String.raw`(?:texts?|txts?|messages?|messeges?|mesages?|msgs?|sms(?:es)?|reminders?|notifications?|notifs?|alerts?|check ?ins?|nudges?|spam|updates?|subscription)`;
/** Words that may sit between the verb and the noun: "stop these stupid daily texts". */
const ADJ = String.raw`(?:stupid|annoying|automated|automatic|daily|weekly|coaching|dumb|bloody|damn|fucking|freaking|constant|endless|random|sms|text|match coach)`;
/** Ways of messaging someone. */
const VERB = String.raw`(?:text(?:ing)?|txt(?:ing)?|messag(?:e|ing)|msg(?:ing)?|sms(?:ing)?|contact(?:ing)?|bother(?:ing)?|spam(?:ming)?|ping(?:ing)?|bug(?:ging)?|call(?:ing)?|email(?:ing)?|e mail(?:ing)?|hassl(?:e|ing)|pester(?:ing)?|remind(?:ing)?|send(?:ing)?|writ(?:e|ing))`;
const US = String.raw`(?:me|us|this number|my (?:number|phone))`;
const DETERMINERS = String.raw`(?:(?:all|these|this|those|the|your|ur|any|such|of|more|my)\s+){0,2}`;

/** A revocation phrase, and whether a negation just before it cancels it ("don't stop texting me"). */
interface RevocationPattern {
  pattern: RegExp;
  negatable: boolean;
}

const REVOCATIONS: readonly RevocationPattern[] = [
  // "stop texting me", "quit sending me", "stop contacting this number"
  { pattern: new RegExp(String.raw`\b(?:stop|quit|cease|stp)\s+${VERB}\s+${US}\b`), negatable: true },
  // "stop sending me these texts", "stop the reminders", "cancel these messages", "end the texts"
  {
    pattern: new RegExp(
      String.raw`\b(?:stop|quit|cease|stp|end|cancel|halt)\s+(?:(?:sending|giving|receiving|getting)\s+)?(?:(?:me|us)\s+)?${DETERMINERS}(?:${ADJ}\s+)?${NOUN}\b`,
    ),
    negatable: true,
  },
  // "don't text me", "never contact me again", "no need to message me" (but not "text me back")
  {
    pattern: new RegExp(
      String.raw`\b(?:dont|do not|never|no need to|(?:dont|do not) (?:need|have) to|stop trying to)\s+(?:ever\s+)?${VERB}\s+${US}\b(?!\s+back\b)`,
    ),
    negatable: false,
  },
  // "I don't want these texts", "I no longer wish to receive messages"
  {
    pattern: new RegExp(
      String.raw`\b(?:dont|do not|no longer|never)\s+(?:really\s+)?(?:want|wish|need|like)\s+(?:to\s+(?:receive|get|have)\s+)?(?:(?:any|these|this|those|the|your|ur|more|anymore|any more)\s+){0,2}(?:${ADJ}\s+)?${NOUN}\b`,
    ),
    negatable: false,
  },
  // "I don't want to be contacted"
  {
    pattern: /\b(?:dont|do not|no longer)\s+(?:want|wish)\s+to\s+be\s+(?:texted|contacted|messaged|bothered|on this list|subscribed|enrolled)\b/,
    negatable: false,
  },
  // "no more messages", "no more texts this week"
  { pattern: new RegExp(String.raw`\bno more\s+(?:${ADJ}\s+)?${NOUN}\b`), negatable: false },
  // any unsubscribe, including "I already unsubscribed, why are you still texting"
  { pattern: new RegExp(String.raw`\b${UNSUBSCRIBE}\b`), negatable: false },
  // "opt me out", "opting out", "opt-out"; not "opted out of the ERAS fee assistance program"
  {
    pattern:
      /\bopt(?:ing|ed|s)?\s*(?:me\s+)?out\b(?!\s+of\s+(?!(?:this|these|the texts?|the messages?|your|ur|all|texts?|messages?|sms|coaching|the coaching|match coach|reminders?|everything|it)\b))/,
    negatable: true,
  },
  // "remove me", "remove me from this list", "delete my number"
  {
    pattern:
      /\b(?:remove|delete|erase)\s+(?:me|my (?:phone number|number|phone|info|details|data|contact))(?:\s+(?:off|from)\b|\s*$|\s+(?:please|pls|plz|now|asap|thanks|thank you|immediately)\b)/,
    negatable: true,
  },
  // "take me off the list" (not "take me from the station")
  { pattern: /\btake (?:me|my (?:phone number|number))\s+off\b/, negatable: true },
  // "leave me alone" (not "the anxiety won't leave me alone")
  {
    pattern: /(?<!\b(?:wont|will not|doesnt|does not|dont|do not|cant|cannot|never|not|didnt|did not)\s+(?:just\s+)?)\bleave me alone\b/,
    negatable: false,
  },
  { pattern: /\bwrong (?:number|person|phone)\b/, negatable: false },
  {
    pattern: /^(?:(?:im|i am|am|sorry|no|nope|thanks|thank you|but|ok|okay)\s+)*not interested(?:\s+(?:anymore|any more|thanks|thank you|thx|sorry|sir|maam))*$/,
    negatable: false,
  },
];

/** A negation right before a match: "please don't stop texting me", "I don't want you to stop the messages". */
const NEGATED_BEFORE =
  /\b(?:dont|do not|doesnt|does not|never|not|wont|will not|wouldnt|would not|cant|cannot|shouldnt|should not)\s+(?:(?:want|wanna|need|have|ever|ask)\s+)?(?:you\s+)?(?:to\s+)?(?:ever\s+)?$/;

/** STOP-like words that opt out when a sentence is only them plus filler ("Failed the block. STOP."). */
const SENTENCE_CORE = new Set(['stop', 'stopall', 'optout', 'unsubscribe', 'unsub']);
/** Words that opt out when the whole message is only them plus filler ("I quit", "cancel pls"). */
const MESSAGE_CORE = new Set([...SENTENCE_CORE, 'quit', 'cancel', 'revoke']);
const FILLER = new Set(
  (
    'please pls plz plse kindly now it already ok okay just thanks thank you thx ty asap right immediately all this that ' +
    'these them texting messaging texts messages msgs sms sending seriously god no hey hi hello sir maam madam i said ' +
    'can could would will u me oh omg man bro dude again'
  ).split(' '),
);

function onlyCoreAndFiller(words: string[], core: ReadonlySet<string>): boolean {
  return words.length > 0 && words.some((w) => core.has(w)) && words.every((w) => core.has(w) || FILLER.has(w));
}

function isRevocation(text: string): boolean {
  const plain = plainOf(text);
  if (!plain) return false;
  // "S T O P": letters typed apart.
  const words = plain.split(' ');
  if (words.length > 1 && words.every((w) => w.length === 1) && OPT_OUT_SET.has(words.join(''))) return true;
  if (onlyCoreAndFiller(words.map(unsubscribeWord), MESSAGE_CORE)) return true;
  for (const sentence of text.split(/[.!?;\n]+/)) {
    if (onlyCoreAndFiller(plainOf(sentence).split(' ').filter(Boolean).map(unsubscribeWord), SENTENCE_CORE)) return true;
  }
  for (const { pattern, negatable } of REVOCATIONS) {
    const match = pattern.exec(plain);
    if (!match) continue;
    if (negatable && NEGATED_BEFORE.test(plain.slice(Math.max(0, match.index - 40), match.index))) continue;
    return true;
  }
  return false;
}

function unsubscribeWord(word: string): string {
  return new RegExp(`^${UNSUBSCRIBE}$`).test(word) ? 'unsubscribe' : word === 'optout' ? 'optout' : word;
}

// ---- commands ----------------------------------------------------------------------------------

const POLITE_EDGES = /^(?:(?:please|pls|plz|kindly|ok|okay)\s+)+|(?:\s+(?:please|pls|plz|thanks|thank you|thx|ty))+$/g;

/** The command part of a message: lowercase, no surrounding punctuation or politeness. */
function commandOf(text: string): string {
  return coreOf(coreOf(text).replace(POLITE_EDGES, ''));
}

const SMALL_NUMBERS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, twenty: 20, thirty: 30,
};
const UNIT_DAYS: Record<string, number> = { d: 1, day: 1, days: 1, w: 7, wk: 7, wks: 7, week: 7, weeks: 7, m: 30, mo: 30, month: 30, months: 30 };

function pauseOf(command: string, text: string): InboundIntent | undefined {
  const m = /^pause\b\s*(.*)$/.exec(command);
  if (!m) return undefined;
  const rest = m[1]!.trim();
  if (!rest) return { kind: 'pause' };
  const d = /^(?:for\s+)?(-?\d+|[a-z]+)\s*(d|days?|w|wks?|weeks?|m|mo|months?)?$/.exec(rest);
  const amount = d ? (/^-?\d+$/.test(d[1]!) ? Number(d[1]) : SMALL_NUMBERS[d[1]!]) : undefined;
  if (d && amount !== undefined) {
    const days = amount * (d[2] ? UNIT_DAYS[d[2]]! : 1);
    if (!Number.isInteger(days) || days < PAUSE_DAYS.min || days > PAUSE_DAYS.max) {
      return { kind: 'clarify', reason: 'pause-days-out-of-range', text };
    }
    return { kind: 'pause', days };
  }
  // "pause until 3/20" or "pause 7.5": a number we cannot read; words alone ("pause while I travel") just pause.
  return /\d/.test(rest) ? { kind: 'clarify', reason: 'pause-not-understood', text } : { kind: 'pause' };
}

function commandIntentOf(text: string): InboundIntent | undefined {
  const command = commandOf(text);
  const pause = pauseOf(command, text);
  if (pause) return pause;
  // Exact only: "resume" is also the CV, and IMGs write about theirs ("resume review tomorrow").
  if (/^(?:resume|unpause)$/.test(command)) return { kind: 'resume' };
  if (/^(?:all\s+)?done$/.test(command)) return { kind: 'done' };
  const doneGoal = /^done\s*(?:goal\s*|#\s*|no\.?\s*|number\s*)?(-?\d+(?:[.,]\d+)?)$/.exec(command);
  if (doneGoal) {
    const goal = Number(doneGoal[1]);
    return Number.isInteger(goal) && goal >= GOAL_NUMBER.min && goal <= GOAL_NUMBER.max
      ? { kind: 'done-goal', goal }
      : { kind: 'clarify', reason: 'goal-number-out-of-range', text };
  }
  if (/^skip(?:\s+(?:today|it|this|this one|for today|tonight))?$/.test(command)) return { kind: 'skip' };
  if (/^(?:(?:my|list|show|show my)\s+)?goals$/.test(command)) return { kind: 'goals' };
  if (command === 'next') return { kind: 'next' };
  return undefined;
}

/** "GOAL <text>" (case kept); not "GOALS", not "goalkeeper". */
function goalAddOf(text: string): InboundIntent | undefined {
  const m = /^goal(?![\p{L}\p{N}])[\s:#\-–—.]*(.*)$/isu.exec(text);
  if (!m) return undefined;
  const goal = m[1]!.trim();
  if (!/[\p{L}\p{N}]/u.test(goal)) return { kind: 'clarify', reason: 'goal-text-missing', text };
  if ([...goal].length > GOAL_TEXT_MAX) return { kind: 'clarify', reason: 'goal-text-too-long', text };
  return { kind: 'goal-add', text: goal };
}

// ---- scores ------------------------------------------------------------------------------------

const SCORE_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 };
const NON_SCORE_WORDS = new Set(['zero', 'six', 'seven', 'eight', 'nine', 'ten']);
/** What may separate a score from a note: "4 - ok", "4, tired", "4: meh", "4 (long day)". */
const SEPARATOR = /^\s*[-–—:,;.!?)(|~/*]/;

type ScoreReading = { score: CheckinScore; note?: string } | { notScore: ClarifyReason } | undefined;

/**
 * A leading score. Digits may be followed by a note after a separator ("4 - ok i guess") or, when
 * a score was asked for or the scale is written out ("3/5 meh"), after a plain space ("4 ok i
 * guess"); without that, "2 interviews today!" is news, not a score. Words ("four") need a
 * separator or a scale, or "one more thing" would score.
 */
function readScore(text: string, awaitingScore: boolean): ScoreReading {
  const lower = text.toLowerCase();
  const digits = /^#?\s*(\d+)([.,]\d+)?(?:\s*(?:\/|out of|of)\s*(\d+))?/.exec(lower);
  const word = digits ? undefined : /^([a-z]+)(?:\s*(?:\/|out of|of)\s*(\d+|five))?(?![a-z])/.exec(lower);
  const head = digits ?? word;
  if (!head) return undefined;
  const rest = text.slice(head[0].length);
  if (word && !(word[1]! in SCORE_WORDS) && !NON_SCORE_WORDS.has(word[1]!)) return undefined;
  if (digits?.[2]) return { notScore: 'score-not-whole' };
  const value = digits ? Number(digits[1]) : (SCORE_WORDS[word![1]!] ?? 0);
  const scale = digits ? digits[3] : word![2];
  if (scale !== undefined && scale !== '5' && scale !== 'five') return { notScore: 'score-out-of-range' };

  let note: string | undefined;
  if (!/[\p{L}\p{N}]/u.test(rest)) note = undefined; // nothing but punctuation or emoji: "Four!", "4 🙂"
  else if (SEPARATOR.test(rest)) note = rest.replace(/^[\s\-–—:,;.!?)(|~/*]+/, '').trim();
  else if ((scale !== undefined || (digits && awaitingScore)) && /^\s+\p{L}/u.test(rest)) note = rest.trim(); // "3/5 meh"
  else return word ? undefined : { notScore: 'score-not-understood' }; // "4th", "4 5", "2 interviews today"

  if (!Number.isInteger(value) || value < 1 || value > 5) return { notScore: 'score-out-of-range' };
  return note ? { score: value as CheckinScore, note } : { score: value as CheckinScore };
}

// ---- entry point -------------------------------------------------------------------------------

export function parseInboundSms(body: string, context: ParseContext = {}): InboundIntent {
  const text = normaliseSms(body);
  const awaitingScore = context.awaitingScore === true;

  const keyword = keywordOf(coreOf(text));
  if (keyword) return keyword;
  const goal = goalAddOf(text);
  if (goal) return goal;
  if (isRevocation(text)) return { kind: 'opt-out', via: 'free-text' };
  const command = commandIntentOf(text);
  if (command) return command;

  const score = readScore(text, awaitingScore);
  if (score && 'score' in score) return score.note ? { kind: 'score', score: score.score, note: score.note } : { kind: 'score', score: score.score };
  if (awaitingScore) return { kind: 'clarify', reason: score?.notScore ?? 'score-not-understood', text };
  return { kind: 'free-text', text };
}
