/**
 * The pieces every safety-screening rule is made of (crisis.ts runs them): patterns written in
 * plain words and squeezed like the text they read, a window around each match for exceptions,
 * and the first-match loop. Pure.
 */

/** Collapse every run of one letter: "diiie" -> "die", "kill" -> "kil", "feel" -> "fel". */
export function squeeze(text: string): string {
  return text.replace(/([a-z])\1+/g, '$1');
}

/** Squeeze the letters of a pattern written in plain English, leaving escapes like \b alone. */
function sq(source: string): string {
  return source.replace(/(?<!\\)([a-z])\1+/g, '$1');
}

export interface Rule {
  id: string;
  pattern: RegExp;
  /**
   * Checked on the match, the text around it and the whole message; true means this match does
   * not count ("I ran 5 kms", "bought a rope for the camping trip").
   */
  unless?: (window: { before: string; match: string; after: string; whole: string }) => boolean;
  /** Also run on the text before idioms are blanked: first-person intent no idiom may hide. */
  strong?: boolean;
}

export const rx = (source: string): RegExp => new RegExp(sq(source), 'g');
/** The same, for `.test` (no global state). */
export const rx1 = (source: string): RegExp => new RegExp(sq(source));
const WINDOW = 48;

export const MYSELF = String.raw`(?:my ?self|myslf|myslef|meself|mself|myselv)`;
export const FIRST_PERSON = rx1(String.raw`\b(?:i|im|id|ill|ive|me|myself|mi|wanna|gonna|lemme|let me)\b`);
/** Wanting or planning to, said before the act. */
export const INTENT = rx1(
  String.raw`\b(?:want|wanna|wanted|wish|going to|gonna|will|ill|might|may|could|would|should|feel like|urge|urges|thinking|thought|plan|planning|need to|deserve|ready to|about to|tempted|cant stop)\b`,
);
/** Doing it again and again, said anywhere. */
export const REPEATED = rx1(String.raw`\b(?:again|keep|keeps|kept|started|start|relapsed|relapse|every night|every day|anymore)\b`);
export const ACCIDENT = rx1(
  String.raw`\b(?:accident|accidentally|by mistake|cooking|shaving|chopping|slicing|kitchen|gym|lifting|running|playing|football|cricket|basketball|fell|slipped|tripped|stairs|sport|sports|workout|paper cut|knife slipped|onions?|vegetables)\b`,
);
export const THIRD_PERSON_SUBJECT = rx1(
  String.raw`\b(?:he|she|they|him|her|them|we|you|u|it|patient|patients|pt|pts|people|someone|somebody|person|everyone|everybody|mom|mum|dad|father|mother|parents|grandma|grandpa|grandmother|grandfather|nani|dadi|uncle|aunt|aunty|friend|dog|cat|pet|plant|plants|cells|neurons|bacteria|tumor|cancer|baby|child|kid|kids|who|battery|phone|laptop|hero|character|villain)\b`,
);

/** Up to n words, none of them the writer ("this exam is killing me", but not "this ... I want to die"). */
export const notMe = (n: number): string => String.raw`(?: (?!(?:i|im|id|ill|ive|me|my|myself|wanna|gonna)\b)\w+){0,${n}}`;

export function firstMatch(rules: readonly Rule[], text: string, onlyStrong = false): string | undefined {
  for (const rule of rules) {
    if (onlyStrong && !rule.strong) continue;
    rule.pattern.lastIndex = 0;
    for (const m of text.matchAll(rule.pattern)) {
      const start = m.index ?? 0;
      const window = {
        before: text.slice(Math.max(0, start - WINDOW), start),
        match: m[0],
        after: text.slice(start + m[0].length, start + m[0].length + WINDOW),
        whole: text,
      };
      if (rule.unless?.(window)) continue;
      return rule.id;
    }
  }
  return undefined;
}


/**
 * The nearest subject before a match, walking back up to 6 words, is someone else (a patient, a
 * friend, "who"): "I saw a patient who jumped from a building" is not about the writer.
 */
export function saidOfSomeoneElse(before: string): boolean {
  const words = before.trim().split(' ').filter((w) => w && w !== '~').slice(-6).reverse();
  for (const word of words) {
    if (FIRST_PERSON.test(word)) return false;
    if (THIRD_PERSON_SUBJECT.test(word) || /^(?:man|woman|guy|girl|boy|student|resident|doctor|colleague|neighbor|neighbour|question)$/.test(word)) return true;
  }
  return false;
}
