/**
 * Safety screening of what people write to us. Pure and deterministic: no model, no network, so
 * it can run on every inbound message before anything else and be measured on labelled sets
 * (test/fixtures/screening-set.jsonl, the set rules are written against; screening-held-out.jsonl,
 * only measured; crisis-messages.json, the first English set, kept as a regression check).
 *
 * Four levels. `risk`: the crisis reply at once whatever the hour, a support hold and an alert to
 * the counselor. `ask` (the middle band: hopelessness, "I can't do this anymore"): the coach asks
 * plainly whether they are thinking of harming themselves, with help in the same text, and their
 * answer decides (shared/domain/safety-question.ts). `distress`: a warm reply and a follow-up flag.
 * `none`. Recall on risk comes first: false alarms cost a kind message and a human look.
 *
 * How:
 *  1. Normalise: emoji that stand for a means read as the word ("💊" is "pills"), NFKD with marks
 *     removed, lowercase, apostrophes dropped ("don't" -> "dont"); de-leet inside words that mix
 *     letters and symbols (0->o 1->i 3->e 4->a 5->s 7->t @->a $->s, "want2die"), never in numbers
 *     with units ("5kms", "3am"); join letters typed apart ("k i l l"); squeeze runs of a letter
 *     ("kiiill", "kill" and "kil" all read "kil"); split words typed without spaces
 *     ("iwanttodie"). Patterns are written in plain words and squeezed the same way.
 *     Arabic in Latin letters keeps its digits (3, 7, 2, 5 are letters there): a view of its own.
 *  2. Blank benign idioms in every language ("this exam is killing me", "I could just die, they
 *     invited me!", "me muero de risa", "mamatay ako sa kilig", "this exam wan kill me o"). Only the
 *     idiom's span goes, so a risk phrase elsewhere in the message is still seen.
 *  3. Risk, plans and means first (crisis-plans.ts: a method, the means at hand, a height, a time,
 *     a farewell), then the direct and indirect phrases below, then the other languages
 *     (crisis-languages.ts). A rule may carry an `unless` check on the text around it ("I hurt
 *     myself at the gym", "a patient who jumped"); the strongest also run before idioms are
 *     blanked, so no idiom can hide "I'll take a tylenol overdose".
 *  4. The middle band, then distress.
 *
 * `matched` is the id of the rule that fired, never the person's words: safe to log.
 *
 * Limits, measured (README, "Safety screening"): a phrase list finds what it was written for. On
 * the held-out set, written before these rules and never used to write one, recall is well below
 * the main set's, and lowest for time-bound phrasing. Treat it as a net under human attention, not a guarantee: every missed real message
 * becomes a labelled line, and a fresh held-out batch is written before the next round of rules.
 */

/**
 * `risk`: the crisis reply, a hold and an alert. `ask`: the middle band (hopelessness, "I can't do
 * this anymore"): we ask plainly whether they are thinking of harming themselves, and their answer
 * decides. `distress`: a warm reply and a follow-up flag. `none`: nothing safety-related.
 */
import {
  ACCIDENT,
  FIRST_PERSON,
  firstMatch,
  INTENT,
  MYSELF,
  notMe,
  REPEATED,
  rx,
  rx1,
  saidOfSomeoneElse,
  squeeze,
  THIRD_PERSON_SUBJECT,
  type Rule,
} from './crisis-kit';
import {
  ARABIZI_ASK_RULES,
  ARABIZI_DISTRESS_RULES,
  ARABIZI_IDIOMS,
  ARABIZI_RISK_RULES,
  LANGUAGE_ASK_RULES,
  LANGUAGE_DISTRESS_RULES,
  LANGUAGE_IDIOMS,
  LANGUAGE_RISK_RULES,
} from './crisis-languages';
import { ASK_RULES, PLAN_IDIOMS, PLAN_RULES } from './crisis-plans';

type RiskLevel = 'risk' | 'ask' | 'distress' | 'none';
export interface RiskAssessment {
  level: RiskLevel;
  /** Id of the rule that fired (for example `risk:kill-self`). Never the message text. */
  matched?: string;
}

// ---- normalisation -------------------------------------------------------------------------------

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '+': 't' };
/** Numbers with a unit keep their digits: "5kms" is a distance, not "skms". */
const NUMBER_WITH_UNIT =
  /^\d+(?:[.,]\d+)?(?:km|kms|k|mg|mcg|ml|kg|g|lb|lbs|am|pm|st|nd|rd|th|h|hr|hrs|min|mins|s|x|d|m|yr|yrs|y|yo|cm|mm|ft|mi|q|qs|pct|k)?$/;

function deLeet(token: string): string {
  if (!/[a-z]/.test(token) || !/[0-9@$+!|]/.test(token) || NUMBER_WITH_UNIT.test(token)) return token;
  return token
    .replace(/(?<=[a-z])2(?=[a-z])/g, ' to ')
    .replace(/(?<=[a-z])[!|](?=[a-z])/g, (c) => (c === '!' ? 'i' : 'l'))
    .replace(/[013457@$+]/g, (c) => LEET[c] ?? c);
}

/**
 * The text the rules read, with " | " where a sentence or clause ended. Idioms never match across
 * a marker ("I want to be dead. Serious." keeps its "dead"); risk rules read the text without
 * markers, so "I want to... die" is still one phrase.
 */
function markedText(body: unknown): string {
  const text = readEmoji(typeof body === 'string' ? body : '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['\u2018\u2019\u201B\u02BC`´]/g, '')
    .split(/\s+/)
    .map(deLeet)
    .join(' ')
    // letters typed apart: "k i l l", "k.i.l.l", "k-m-s" (three or more single letters in a row)
    .replace(/(?<![a-z0-9])[a-z](?:[\s.\-_*,]+[a-z](?![a-z0-9])){2,}/g, (run) => run.replace(/[^a-z]/g, ''))
    // "off myself" (slang for suicide) must be read before squeezing makes it "of myself" ("proud
    // of myself"), and only after a verb of intent: "take the pressure off myself" is self-care.
    .replace(/\b(gonna|going to|want to|wanna|will|ll|i ll|might|to|just|should|could|gon|finna) off(?:ing)? (?:my ?self|meself)\b/g, '$1 kill myself')
    .replace(/\boffing (?:my ?self|meself)\b/g, 'killing myself')
    .replace(/[.!?,;:\n]+/g, ' | ')
    .replace(/[^a-z0-9|]+/g, ' ')
    .replace(/ +/g, ' ')
    .trim();
  return ` ${squeeze(text).split(' ').map(splitJoined).join(' ')} `;
}

/**
 * Emoji that stand for a means or an end are read as the word ("💊💊 tonight" is "pills pills
 * tonight"); laughing faces become "lol", which joy idioms read. Others are dropped as before.
 */
const EMOJI_WORDS: readonly [RegExp, string][] = [
  [/\u{1F48A}/gu, ' pills '],
  [/[\u{1F52A}\u{1F5E1}]/gu, ' knife '],
  [/\u{1FA92}/gu, ' razor '],
  [/\u{1FAA2}/gu, ' rope '],
  [/\u{1F52B}/gu, ' gun '],
  [/\u{26B0}/gu, ' coffin '],
  [/\u{1FAA6}/gu, ' grave '],
  [/\u{1F309}/gu, ' bridge '],
  [/[\u{1F3E2}\u{1F3D9}\u{1F3EC}]/gu, ' building '],
  [/[\u{1F686}\u{1F682}\u{1F687}\u{1F688}\u{1F68A}]/gu, ' train '],
  [/[\u{1F602}\u{1F923}\u{1F606}\u{1F639}\u{1F605}]/gu, ' lol '],
  [/[\u{1F389}\u{1F973}\u{1F60D}\u{1F970}\u{1F929}]/gu, ' yay '],
];
function readEmoji(body: string): string {
  return /[\u{1F000}-\u{1FAFF}\u{2600}-\u{27BF}]/u.test(body) ? EMOJI_WORDS.reduce((text, [emoji, word]) => text.replace(emoji, word), body) : body;
}

/**
 * Words typed without spaces ("iwanttodie", "wanttokillmyself"): a token that splits wholly into
 * these words is read split. Squeezed like the text; a real word that happens to split ("itself")
 * is harmless, and the rules' word boundaries keep "upskill" from reading "kill".
 */
const JOINED_WORDS = new Set(
  'i im il ive want wan wana to go going gona gon kil end ending my life myself self die dying dead it al just me now tonight rn am wil be hang cut hurt suicide unalive off do this so realy'.split(' '),
);
function splitJoined(token: string): string {
  if (token.length < 7 || !/^[a-z]+$/.test(token) || JOINED_WORDS.has(token)) return token;
  // Fewest words first, so "myself" stays one word; at most a few hundred steps for a token.
  const best: (string[] | undefined)[] = [[]];
  for (let end = 1; end <= token.length; end++) {
    for (let start = Math.max(0, end - 8); start < end; start++) {
      const head = best[start];
      const word = token.slice(start, end);
      if (head && JOINED_WORDS.has(word) && (!best[end] || best[end]!.length > head.length + 1)) best[end] = [...head, word];
    }
  }
  const words = best[token.length];
  return words && words.length >= 2 ? words.join(' ') : token;
}

/**
 * Arabic in Latin letters keeps its digits (3 is ain, 7 is ha, 2 is hamza), so it is read on a
 * view of its own: lowercase, accents and punctuation gone, letters squeezed, digits kept.
 */
function arabiziText(body: string): string {
  const text = body
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['\u2018\u2019\u201B\u02BC`´]/g, '2')
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/ +/g, ' ')
    .trim();
  return ` ${squeeze(text)} `;
}

const unmarked = (text: string): string => text.replace(/\|/g, ' ').replace(/ +/g, ' ');

/** Lowercase words only, de-leeted, letters squeezed: what the risk rules read. */
export function normaliseForScreening(body: unknown): string {
  return unmarked(markedText(body));
}

// ---- rules ---------------------------------------------------------------------------------------


const RISK_RULES: readonly Rule[] = [
  // --- direct statements ---
  {
    id: 'kill-self',
    pattern: rx(
      String.raw`\b(?:kill|kl|kyl|killed|killing|kills|murder|murdering|unalive|unaliving|end|ending|hang|hanging|poison|poisoning|stab|stabbing|strangle|strangling|suffocate|suffocating|electrocute|gas|finish|finishing|do something to|do something bad to|do something stupid to)\s?${MYSELF}\b`,
    ),
    strong: true,
  },
  // Verbs with everyday idioms ("drowning myself in UWorld", "shoot myself in the foot"): blanked text only.
  { id: 'kill-self', pattern: rx(String.raw`\b(?:shoot|shooting|drown|drowning|starve|starving|destroy|destroying|bury|burying)\s?${MYSELF}\b`) },
  { id: 'kill-self', pattern: rx(String.raw`\bkill self\b(?! (?:doubt|pity|sabotage|criticism|talk|esteem|hate|care))`), strong: true },
  {
    id: 'hurt-self',
    pattern: rx(String.raw`\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|injure|injuring|scratch|scratching|hit|hitting|punish|punishing|bleed) ${MYSELF}\b`),
    // An accident is not self-harm ("I cut myself chopping onions"), unless intent is there too.
    unless: ({ before, match, after }) => {
      const around = `${before}${match}${after}`;
      if (/^ (?:some slack|slack|a break|short|of|from)\b/.test(after)) return true;
      return !INTENT.test(before) && !REPEATED.test(around) && ACCIDENT.test(around);
    },
  },
  {
    id: 'self-harm',
    pattern: rx(
      String.raw`\b(?:self ?(?:harm|harming|harmed|injury|injure|injuring|mutilation|mutilate|hurt|delete|deleting)|(?:started|start|began|back to|relapsed|relapse|keep|kept|been) cutting|(?:cut|cutting|slit|slitting|slash|slashing|open) (?:my|both|me) (?:wrist|wrists|vein|veins|throat|arms?|thighs?|skin))\b`,
    ),
  },
  { id: 'suicide', pattern: rx(String.raw`\b(?:su[ie]?[cs]i?d\w*|suicd\w*|sewer ?slide\w*|sui cide|khud ?kushi|khud ?khushi|magpaka ?matay|magpapakamatay|nagpakamatay|pakamatay|antahar|hantehar)\b`) },
  { id: 'unalive', pattern: rx(String.raw`\b(?:unaliv\w*|un alive|delete myself|self delete)\b(?! from (?:the|this|your|ur) (?:list|database|group|chat|app|program|system|mailing))`) },
  {
    id: 'kms',
    pattern: rx(String.raw`\bkms\b`),
    // "I ran 5 kms", "few kms from the embassy": a distance.
    unless: ({ before, after }) =>
      rx1(String.raw`(?:\d|\b(?:few|many|some|several|couple|hundred|hundreds|thousand|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|of|more|less|ran|walked|drove|cycled))\s*$`).test(before) ||
      rx1(String.raw`^ (?:away|from|per|walk|run|drive|far|long|a day|daily|each|every|by road|on foot)\b`).test(after),
  },
  {
    id: 'kill-me',
    // "someone kill me", "just kill me", "kill me now" (after "X is killing me" idioms are blanked)
    pattern: rx(String.raw`\b(?:someone|somebody|god|lord|allah|please|pls|plz|just|literally|anyone|can someone|wanna|want to|let me) (?:\w+ )?kill me\b|\bkill me (?:now|already|please|pls|plz|rn|right now)\b`),
  },
  {
    id: 'die',
    // "die" said of oneself or of no one in particular; "the patient might die", "we all die" are not.
    pattern: rx(String.raw`\b(?:die|dye|mar jaun\w*|mar jana\w*|mar jaon\w*|marna (?:chahta|chahti|hai)|mamatay|amot|amout)\b`),
    // The nearest subject decides: walking back up to 8 words, the writer ("I want to die") or
    // someone else ("my dog is getting old and might die") - whichever comes first.
    unless: ({ before, match }) => {
      if (match !== 'die' && match !== 'dye') return false;
      const previous = before.trim().split(' ').filter((w) => w && w !== '~').slice(-8).reverse();
      for (const word of previous) {
        if (FIRST_PERSON.test(word)) return false;
        if (THIRD_PERSON_SUBJECT.test(word)) return true;
      }
      return false;
    },
  },
  {
    id: 'die',
    pattern: rx(
      String.raw`\b(?:feel like|feels like|felt like|feeling like|wish|want|wanted|wanting|wanna|rather|would rather|prefer|ready for|thinking of|thinking about|think about|dreaming of|dream of|dreaming about|wouldnt mind|dont mind|planning) (?:to be |be )?dying\b`,
    ),
  },
  {
    id: 'dead-wish',
    pattern: rx(String.raw`\b(?:wish|wished|want|wanna|rather|better|prefer|should|need|hope|deserve)\b(?: \w+){0,3} (?:be |b |being |was |were |am |had been )?dead\b`),
  },
  {
    id: 'end-life',
    pattern: rx(
      String.raw`\b(?:end|ending|finish|finishing|take|taking|terminate|stop) (?:my|my own|this|me) (?:life|lyf|existence|journey)\b(?! back)|(?<!\bdon )\b(?:end|ending|finish|finishing) (?:it all|everything|it tonight|it today|it now|things|all of this|all this|my existence)\b(?! (?:with|for today|today|for the day|for now|on time|before))|\bapni (?:jaan|jan) (?:le|de|lena|dena|le lunga|de dunga|le lungi|de dungi)\b`,
    ),
    strong: true,
  },
  {
    id: 'end-it',
    pattern: rx(String.raw`\bend(?:ing)? it\b`),
    unless: ({ after }) =>
      rx1(String.raw`^ (?:with|here|there|early|for|on|at|by|off|soon with|now for today|and start|and move)\b`).test(after),
  },
  // --- no reason to live, not wanting to live ---
  {
    id: 'no-reason-to-live',
    pattern: rx(
      String.raw`\b(?:no|nothing|not a single|no more|zero|lost (?:all )?(?:my |the )?|lost the|(?:dont|not|cant|never) (?:see|seeing|have|having|find|finding|get|getting)(?: any| a| the)?|see no|have no|find no) ?(?:reason|reasons|point|purpose|use|meaning|will|desire|wish) (?:to|of|in|for) (?:me |my |me to |me even )?(?:live|living|life|be alive|being alive|go on|going on|exist|existing|existence|continue|keep going|stay alive|wake up|waking up|carry on)\b|\bnothing (?:left )?to live for\b|\b(?:what is|whats|what s|wats|what) (?:the )?(?:point|use|purpose|meaning) (?:of|in|to) (?:living|life|my life|being alive|going on|live|this life|existing|continuing|staying alive)\b`,
    ),
  },
  {
    id: 'life-not-worth',
    pattern: rx(
      String.raw`\b(?:life|lyf|living) (?:isnt|is not|aint|not|is no longer|no longer) worth (?:living|it)\b|\bnot worth living\b|\b(?:life|my life|lyf) (?:is|feels|seems|has become|is just) (?:so )?(?:worthless|pointless|meaningless|useless|over|finished|a waste|waste|nothing|no meaning)\b|\blife has no (?:meaning|point|purpose|value)\b`,
    ),
  },
  {
    id: 'not-want-to-live',
    pattern: rx(
      String.raw`\b(?:dont|do not|dont even|no longer|not|never|cant|cannot|can not|shouldnt|should not|wont|will not|refuse to)\b(?: (?:want|wanna|wanting|wish|feel like|like|need|deserve|bother|care))?(?: to)? (?:live|living|be alive|stay alive|go on living|keep living|continue living)\b(?! (?:in|with|without|at|near|here|there|abroad|alone|together|on|so far|far|close|like that|off campus|by myself|for|up|out|under|through|paycheck|a lie|my best|the dream|in the moment))`,
    ),
  },
  {
    id: 'not-want-to-live',
    // A negation or "why should I" a few words before living: "I don't think I'll live to see it",
    // "why should I even live", "I don't want to wake up tomorrow". The gap takes only words that
    // keep the meaning ("I don't know where to live" is a housing question).
    pattern: rx(
      String.raw`\b(?:dont|do not|not|never|cant|cannot|no longer|why should i|why would i|why do i|why must i|why should|why bother)\b(?: (?:want|wanna|wish|feel like|like|need|deserve|care|bother|think|see|to|even|still|really|just|i|ill|will|should|can|could|anymore|ever|more|much|longer|any|reason|point|im|am|going|gonna|keep|continue|trying))*? (?:live|living|be alive|stay alive|exist|existing|wake up|wake up tomorrow|see tomorrow|see another day|make it to tomorrow)\b(?! (?:in|with|without|at|near|here|there|abroad|alone|together|on|so far|far|close|like that|off campus|by myself|for|up|out|under|through|paycheck|a lie|my best|the dream|in the moment|early|late|on time|before|till|until|when|a little|it up|it down|online|outside|longer than|tomorrow (?:at|early|before|for|morning|in time|on time)))`,
    ),
  },
  {
    id: 'not-want-to-live',
    pattern: rx(String.raw`\b(?:stop|stopped|stopping|quit) (?:living|breathing)\b(?! (?:in|with|like|off|for|at|on|under|paycheck|the|my|a|your|our|his|her|their|life|it up|through))|\b(?:stop|stopped|stopping) existing\b|\bcease to exist\b|\bwish i (?:didnt|did not|never) exist(?:ed)?\b|\bnot existing\b|\b(?:dont|do not) want to exist\b`),
  },
  {
    id: 'tired-of-life',
    pattern: rx(
      String.raw`\b(?:tired|tire|sick|exhausted|fed up|done|finished|over) (?:of|with|from|for) (?:living|life|this life|my life|being alive|existing|breathing|this world|lyf|this lyf|zindagi)\b|\bzindagi (?:se|sey) (?:thak|tang|pareshan)|\bpagod (?:na )?(?:ako )?(?:mabuhay|sa buhay)|\b(?:ayoko|ayaw ko|ayaw ko na) (?:na |nang )?mabuhay\b|\bjeena nahi|\bjina nahi|\bgusto ko (?:na |nang )?mamatay\b|\b(?:gusto ko|sana)\b(?: \w+){0,3} (?:mawala|mamatay)\b`,
    ),
  },
  {
    id: 'cant-go-on',
    pattern: rx(
      String.raw`\b(?:cant|cannot|can not|cnt|unable to|not able to|dont think i can|no longer able to|dont know if i can|dont know how to) (?:go on|carry on)\b(?! (?:vacation|leave|holiday|a trip|trip|the trip|rotation|rounds|call|interview|interviews|a date|date|dates|break|a break|social media|twitter|instagram|reddit|tiktok|facebook|youtube|time|that|this rotation|the website|the portal|zoom|teams))`,
    ),
  },
  {
    id: 'cant-go-on',
    pattern: rx(
      String.raw`\b(?:cant|cannot|can not|cnt|unable to|not able to|dont think i can|no longer able to|dont know how to) (?:live like this|survive|survive this|do this life|go on like this)\s?(?:anymore|any more|any longer|no more|much longer)\b`,
    ),
  },
  {
    id: 'give-up-on-life',
    pattern: rx(String.raw`\b(?:give|giving|gave|given) up on (?:life|living|my life|everything in life|being alive)\b|\bdone with (?:life|living|this life|my life)\b`),
  },
  // --- burden, others better off ---
  {
    id: 'better-off-without-me',
    pattern: rx(
      String.raw`\b(?:better|happier|easier|fine|ok|okay|lighter|freer|richer|relieved|at peace) (?:off )?without me\b|\b(?:better|happier|easier|care|cares|notice|miss|matter|relief|relieved|fine|free|lighter|solved|peace)\b(?: \w+){0,4} (?:if|when|once|after) (?:i (?:was|were|am|m|have|had) |im |i |ive |id )(?:just |simply |even |finally |really )?(?:gone|dead|died|die|disappear\w*|never born|leave this world|left this world|(?:not|no longer|wasnt|werent|was not|were not|didnt|did not) (?:here|around|alive|there|exist|in the picture|in their lives|in this world))\b|\b(?:nobody|no one|noone|none) (?:will|would|wud|will ever|would ever|is going to|gonna|even) (?:even )?(?:miss me|mourn me|cry for me|care about me|notice me|notice if|notice when|care if|care when|notice(?= *$)|care(?= *$))\b|\bwont be missed\b|\b(?:better|happier|easier|richer) off (?:with|after|from) (?:the |my )?(?:life )?(?:insurance|insurance money|death)\b|\b(?:family|parents|everyone|everybody|world|wife|husband|kids|children|they|mom|mum|dad|mother|father)\b(?: (?:would|will|d|all|honestly|really|just|truly|be)){1,3} better off(?= *$)`,
    ),
  },
  {
    id: 'burden',
    pattern: rx(String.raw`\b(?:a|such a|being a|am a|im a|just a|only a|nothing but a) (?:financial |big |huge |heavy |constant |total |useless )?burden\b(?! of)`),
  },
  // --- methods and preparation ---
  {
    id: 'pills',
    pattern: rx(
      String.raw`\b(?:pills|tablets|tabs|meds|medicines|medication|sleeping pills|sleeping tablets|painkillers|antidepressants|insulin)\b(?: \w+){0,2} (?:saved|stored|collected|stockpiled|hoarded|ready|hidden|stashed|lined up|it takes|would it take|does it take|is enough|are enough|to end|to die)\b|\b(?:saved|saving|collected|collecting|stockpiled|stockpiling|hoarded|hoarding|stashed|stashing|gathered|gathering|counting|counted)\b(?: up)?(?: \w+){0,2} (?:pills|tablets|tabs|meds|sleeping pills|painkillers)\b|\benough (?:pills|tablets|meds|sleeping pills|sleeping tablets|insulin|paracetamol|panadol|tylenol)\b|\bhow many (?:pills|tablets|tabs|meds|sleeping pills|paracetamol|panadol|tylenol)\b`,
    ),
    unless: ({ before, match, after }) => rx1(String.raw`\b(?:pharmacy|chemist|pickup|pick up|refill|prescription|trip|travel|packing|flight|suitcase|journey|vacation|holiday)\b`).test(`${before}${match}${after}`),
    strong: true,
  },
  {
    id: 'pills',
    pattern: rx(
      String.raw`\b(?:take|taking|swallow|swallowing|eat|eating|drink|drinking|pop|popping|down|finish|overdose on|od on)\b (?:all|all of|the whole|a whole|the entire|an entire|the full|a full|whole|full|entire|a bottle of|the bottle of|a strip of|a pack of|whole strip of|two strips of|many|lots of|a bunch of|handful of|a handful of|everything|every|every single)\b(?: \w+){0,3} ?(?:pills|pill|tablets|tablet|tabs|meds|medicine|medicines|bottle|strip|strips|pack|sleeping|panadol|paracetamol|tylenol|cabinet|medicine box|drawer)\b`,
    ),
    strong: true,
  },
  {
    id: 'overdose',
    pattern: rx(String.raw`\b(?:overdose|overdosing|overdosed|oding)\b`),
  },
  {
    id: 'overdose',
    // First person, so no idiom can hide it ("I'll take a tylenol overdose"); studying is not intent.
    pattern: rx(
      String.raw`\b(?:ill|ll|i will|want to|wanna|gonna|going to|about to|plan to|planning to|thinking of|thinking about|tempted to|decided to|might|could|should)\b(?: \w+){0,3} (?:overdose|overdosing)\b|\b(?:wanna|gonna|going to|want to|ill|will|might|about to|plan to) od\b`,
    ),
    unless: ({ before, match, after }) =>
      rx1(String.raw`\b(?:question|questions|review|antidote|management|treatment|toxicity|uworld|qbank|nbme|amboss|lecture|notes|flashcard|flashcards|anki|studying|learn|learning|memorize)\b`).test(`${before}${match}${after}`),
    strong: true,
  },
  {
    id: 'poison',
    pattern: rx(
      String.raw`\b(?:drink|drinking|take|taking|eat|eating|swallow|swallowing|buy|bought|have|got|mix|drank|took|ate|buying)\b(?: \w+){0,2} (?:poison|rat poison|pesticide|insecticide|sniper|bleach|kerosene|rat killer|phenyl|harpic|gamalin|gammalin|otapiapia|snipper)\b(?! (?:ivy|oak|control|center|centre))`,
    ),
    strong: true,
  },
  {
    id: 'hanging',
    pattern: rx(
      String.raw`\bhang (?:from|on|with) (?:the |a |my )?(?:ceiling )?(?:fan|rope|dupatta|dupata|scarf|belt|tree|noose)\b|\bnoose\b|\b(?:phansi|fansi) (?:laga|lagana|laga lunga|lagaunga|lagaungi|lagalunga)\b|\b(?:bought|buy|got|get|have|tied|tie|tying|found|made|make) (?:a |the |some )?rope\b(?! ?(?:light|lights|ladder|course|access|bridge|for (?:the |my )?(?:gym|camping|climbing|hiking|skipping)))`,
    ),
  },
  {
    id: 'jump',
    pattern: rx(
      String.raw`\b(?:jump|jumping|jumped|leap|leaping|throw myself|throwing myself|fling myself|drive|driving|drove|walk|walking|run|running|fall|falling|roll|swerve|swerving|go|going|step|stepping) (?:off|from|of|down from|out of|out) (?:(?:a|the|my|this|that|our|\d+\w*|top|highest|tall|high|of) ){0,3}(?:bridge|building|roof|rooftop|terrace|balcony|floor|cliff|tower|hostel|overpass|fly ?over|window|ledge|roofs|story|storey)\b|\b(?:jump|jumping|throw myself|throwing myself|step|stepping|lie|lying) (?:in front of|before|under) (?:a |the |an )?(?:train|bus|car|truck|lorry|metro|vehicle|subway|tram|trains|cars|traffic)\b|\b(?:lie|lay|lying|laying|sleep|stand) (?:on|down on|across) (?:the |a )?(?:train |railway |rail )?(?:tracks|track|rails|railway line)\b|\b(?:jump|throw myself) (?:into|in) (?:the )?(?:river|sea|ocean|lake|well|canal|nile|water)\b`,
    ),
    // "A patient who jumped from a building" is about someone else.
    unless: ({ before }) => saidOfSomeoneElse(before),
    strong: true,
  },
  {
    id: 'jump',
    pattern: rx(
      String.raw`\b(?:going to|gonna|wanna|want to|ill|will|might|could|about to|ready to|plan to|planning to|should|just|thinking of|thinking about) (?:jump|jumping|leap)\b(?! (?:in|into|on|onto|at|to|ahead|back|right|start|ship|rope|through|the gun|the queue|queue|line|straight|for|up|around|over|between|across))`,
    ),
  },
  {
    id: 'method-search',
    pattern: rx(
      String.raw`\b(?:painless|easy|easiest|quick|quickest|fast|fastest|best|peaceful|surest|simple|simplest|clean|quiet|sure) (?:way|ways|method|methods|means|option|options) (?:to|of) (?:go|die|dying|end it|end my life|end things|end everything|end myself|ending it|ending my life|do it|kill myself|killing myself|leave this world|exit|check out|not wake up|overdose|od)\b(?! hard)|\bhow (?:to|do i|can i|do you|do people|would i) (?:die|kill myself|end it|end my life|overdose|od|hang myself|not wake up|disappear forever)\b(?! hard)`,
    ),
    strong: true,
  },
  {
    id: 'method-search',
    pattern: rx(String.raw`\b(?:lethal|fatal|deadly) (?:dose|amount|overdose|quantity)\b`),
    // Toxicology is exam material; asking without a study context is not.
    unless: ({ before, after }) =>
      rx1(String.raw`\b(?:exam|question|questions|uworld|qbank|nbme|amboss|lecture|learned|learnt|learning|studying|study|pharm|pharmacology|tox|toxicology|flashcard|flashcards|anki|step|ck|block)\b`).test(`${before} ${after}`),
    strong: true,
  },
  {
    id: 'gun',
    pattern: rx(String.raw`\b(?:gun|pistol|revolver) (?:to|in|against) my (?:head|mouth|temple)\b|\bbullet (?:in|through) my (?:head|brain|skull)\b|\bshot myself\b`),
    strong: true,
  },
  {
    id: 'crash',
    pattern: rx(String.raw`\b(?:crash|drive|driving|swerve) my (?:car|bike|motorbike|scooter)\b(?: \w+){0,3} (?:on purpose|into (?:a |the )?(?:tree|wall|truck|river|bridge))\b`),
  },
  // --- farewells and last acts ---
  {
    id: 'goodbye',
    pattern: rx(
      String.raw`\b(?:my (?:final|last) (?:goodbye|good bye|farewell|words|note|letter)|(?<!the )(?:final|last) (?:goodbye|farewell|words)(?! (?:at|in|before|from|was|were|party|dinner|lunch|event|gathering|ceremony|session|lecture|class|drinks|get together|meetup|celebration|for the))|this is goodbye|(?:last|final) (?:message|text|msg) (?:you|ull|youll|you will) (?:ever )?(?:get|receive|hear|read)|(?:wont|will not|will never|never) hear from me (?:again|ever again|anymore)|goodbye (?:forever|world|everyone|everybody|cruel world|to everyone|to this world|to this life)|(?:suicide|goodbye|farewell) (?:note|letter|message|video)|(?:note|will) (?:for|to) my (?:family|parents|mom|mum|dad|wife|husband|kids|children|sister|brother|mother|father)|(?:giving|give|gave|given) away (?:all )?(?:of )?my (?:things|stuff|belongings|possessions|everything))\b`,
    ),
  },
  {
    id: 'goodbye',
    // Last words passed on through us: "tell my mom I'm sorry", "tell my family I love them".
    pattern: rx(
      String.raw`\btell (?:my )?(?:mom|mum|mama|amma|ammi|dad|papa|abba|baba|mother|father|parents|family|wife|husband|sister|brother|kids|children|everyone|them|her|him) (?:that )?(?:i love (?:her|him|them|you)|i loved (?:her|him|them)|im sorry|i am sorry|i was sorry|sorry|goodbye|i said goodbye|i tried|i did my best)\b`,
    ),
  },
  {
    id: 'let-go',
    pattern: rx(String.raw`\b(?:want|wanna|ready|time|need|going|gonna) to (?:just )?let (?:go|it all go|myself go)\b(?= *$| now| forever| of (?:life|everything|this life|this world|it all))`),
  },
  {
    id: 'not-be-here',
    pattern: rx(
      String.raw`\b(?:wont|will not) be (?:around|here|alive) (?:much longer|for long|anymore|any more|by morning|to see)\b|\b(?:wont|will not|may not|might not) be alive\b(?! without)|\bnot be alive\b(?! without)|\b(?:not|dont|doubt|wont|never|no longer|might not|may not)\b(?: \w+){0,3} (?:still )?(?:be|stay|remain) alive\b(?! without)|\b(?:ill|ll|i will|will|soon i will|i may|might) be gone (?:soon|forever|by morning|by tomorrow|tomorrow|for good|for ever)\b|\bgone forever\b|\b(?:leave|leaving|go from|depart|exit|escape|quit|comot|comot for|commot|commot for) (?:this|the) (?:world|earth|life|planet)\b(?! (?:a |better|of))|\bmy last (?:day|night) (?:on earth|alive|in this world)\b|\blast day on earth\b`,
    ),
  },
  {
    id: 'never-wake',
    pattern: rx(
      String.raw`\b(?:not|never|dont|wont|wouldnt|not to|rather not) wake up\b(?! (?:late|early|on time|at|in time|before|till|until|til|for|when))|\b(?:sleep|asleep|slumber) (?:forever|for ever|permanently|and never wake|and not wake|and never come back)\b(?! ago)|\bclose my eyes forever\b|\b(?:ill|ll|i will|let me|time to|time for me to|i shall|and) (?:finally )?rest (?:forever|in peace|permanently|for ever)\b`,
    ),
  },
  {
    id: 'want-it-over',
    // "I just want everything to end", "I want it over", "I won't make it through the night"
    pattern: rx(
      String.raw`\b(?:want|wanna|wish|need|just want|ready for) (?:it all|everything|this|my life|it|life|things|all of this|all this|the pain) (?:to )?(?:end|stop|be over|over|finish)\b(?= *$| forever| now| already| permanently| for good| once and for all| and| but| i| so)|\b(?:wont|will not|not going to|dont think i will|dont think ill|might not|may not|cant) (?:make it|survive|last) (?:through )?(?:the night|tonight|this night|til morning|till morning|until morning|to morning|much longer)\b|\b(?:time for me to|my time to|ready to|want to|wanna|going to|gonna|have to|need to) go(?: away)? (?:for good|forever|for ever|permanently)(?= *$| (?:now|tonight|today|soon|this time|i|and|so|but|please|from|maybe|honestly))`,
    ),
  },
  {
    id: 'planning-death',
    pattern: rx(
      String.raw`\b(?:planning|plan|planned|imagining|imagine|picturing|picture|thinking about|think about|writing|wrote|arranging|preparing|prepare|rehearsing) my (?:own )?(?:death|funeral|suicide|last day|goodbye)\b|\b(?:razor|blade|blades|knife|rope|noose|gun|poison|pills|tablets)\b(?: \w+){0,2} (?:ready|prepared|waiting for me|in my hand|next to me|by my bed|hidden)\b`,
    ),
    unless: ({ before, match, after }) =>
      rx1(String.raw`\b(?:cook|cooking|dinner|lunch|breakfast|chop|chopping|kitchen|vegetables|onions?|shave|shaving|beard|camping|hike|hiking|trip|travel|packing|flight|suitcase|journey)\b`).test(`${before}${match}${after}`),
    strong: true,
  },
  {
    id: 'end-of-me',
    pattern: rx(String.raw`\bend of me\b(?! \w+ing\b)`),
  },
  {
    id: 'disappear',
    pattern: rx(String.raw`\b(?:want|wanna|wish|wish i could|just want|going) (?:to )?disappear(?= *$| forever| from (?:this|the) (?:world|earth|planet)| for ever| and never| permanently| completely| for good)`),
  },
  {
    id: 'never-born',
    pattern: rx(String.raw`\bwish (?:i|id) (?:was|were|had|hadnt|had not|never)\b(?: \w+){0,2} (?:never )?born\b|\bshould (?:never |not |nt )?have been born\b|\bshouldnt have been born\b`),
  },
  {
    id: 'take-me',
    pattern: rx(
      String.raw`\b(?:god|lord|allah|jesus|bhagwan|rab|universe|heaven|death) (?:\w+ ){0,2}(?:take|takes|call|calls|recall) (?:me|my life|my soul)\b(?! (?:through|to|out|along|there|back|forward|higher|places|safely))|\b(?:meet|see|join) my (?:maker|creator)\b|\bgo (?:and |to )?(?:meet|see) (?:god|allah|my maker|my creator)\b`,
    ),
  },
  {
    id: 'join-the-dead',
    pattern: rx(
      String.raw`\b(?:want|wanna|wish|ready|going|gonna|will|ill|time|soon|just want)\b(?: to)?(?: go(?: and)?)? (?:join|follow) (?:him|her|them|my (?:late )?(?:mother|father|mom|mum|dad|mama|papa|abu|abba|ammi|amma|baba|grandma|grandmother|grandpa|grandfather|nani|dadi|nana|brother|sister|husband|wife|son|daughter|friend|parents|family))(?= *$| (?:in heaven|in paradise|in jannah|up there|there|soon|now|tonight|already|on the other side|in the grave|in death|to the grave|to heaven))`,
    ),
  },
  {
    id: 'death-wish',
    pattern: rx(
      String.raw`\b(?:want|wanting|wish for|welcome|welcoming|praying for|pray for|waiting for|long for|longing for|ready for|craving|crave|beg for|asking for|hoping for) death\b|\bdeath (?:would|will|is|seems|sounds|feels) (?:be )?(?:better|easier|a relief|welcome|the only|the answer|peaceful|my only|the solution|sweeter|kinder|preferable|nicer)\b|\b(?:only|just) death (?:remain|remains|is left|left|can save|will solve)\b|\b(?:thoughts|thinking|think|thought|dreaming|dream|fantasize|fantasizing|fantasise|obsessed) (?:of|about) (?:death|dying|not existing|ending (?:it|my life|things)|killing myself|suicide|disappearing|not being here|not waking up)\b`,
    ),
  },
  {
    id: 'something-stupid',
    pattern: rx(
      String.raw`\b(?:might|may|will|ill|gonna|going to|about to|want to|wanna|feel like|scared i|afraid i|worried i|could|think i)\b(?: \w+)? do something (?:stupid|drastic|bad|dangerous|terrible|crazy|permanent|to myself|i regret|i will regret|i ll regret)\b`,
    ),
  },
];

/**
 * Benign idioms, blanked before the risk rules run (step 2). Each names a thing or a fixed phrase,
 * so "this exam is killing me" goes but "just kill me" stays.
 */
const BENIGN_IDIOMS: readonly RegExp[] = [
  // "this exam is killing me", "it would kill me", "Step 2 murdered me", "my parents will kill me"
  rx(
    String.raw`\b(?:exam|exams|step|step ?\d|test|tests|block|blocks|nbme|nbmes|uwsa|uworld|qbank|amboss|anki|ck|cs|oet|ecfmg|eras|nrmp|match|visa|embassy|interview|interviews|shift|shifts|call|wait|waiting|stress|anxiety|work|job|commute|traffic|heat|weather|back|neck|head|feet|legs|knees|stomach|tooth|teeth|migraine|period|cramps|parents|mom|mum|dad|father|mother|wife|husband|family|boss|pd|attending|resident|chief|senior|prof|professor|teacher|he|she|they|it|this|that|these|those|questions|question|biostats|ethics|pharm|pharmacology|renal|cardio|physio|biochem|micro|path|psych|obgyn|peds|surgery|ortho|neuro|gi|heme|onc|rent|fees|price|prices|bill|bills|deadline|deadlines|program|programs|schedule|rotation|rotations|residency|coffee|timer|clock|time|sun|humidity|noise|neighbours|neighbors|roommate|suspense|lecture|lectures)\b${notMe(3)} (?:killing|killed|kill|kills|murdering|murdered|murder|murders|destroying|destroyed|wrecking|wrecked|slaughtered|butchered) me\b`,
  ),
  rx(String.raw`\b(?:is|was|are|were|s|been|keeps|keep|literally|actually|really|totally|slowly|lowkey|honestly|kinda) (?:killing|murdering|destroying|wrecking|slaughtering) me\b`),
  rx(String.raw`\bdying (?:to|2) (?:know|see|hear|get|find|try|meet|go|visit|tell|start|read|eat|watch|sleep|have|talk|share|ask|check|learn|catch|look|sit|take|be|match|begin|move|join|travel)\b`),
  rx(String.raw`\bto die for\b|\b(?:die|dying) for (?:a|an|some|this|that|it|my|the|his|her|our|their|coffee|chai|biryani|pizza|food|tea)\b`),
  rx(
    String.raw`\b(?:dying|die|died|almost died|nearly died) (?:of|from|with) (?:laughter|laughing|boredom|curiosity|embarrassment|hunger|heat|the heat|thirst|suspense|cringe|shame|envy|jealousy|excitement|cuteness|anticipation|fomo)\b|\b(?:dying|died|dead) laughing\b`,
  ),
  rx(
    String.raw`\b(?:phone|batteries|battery|laptop|car|plant|plants|charger|tablet|ipad|computer|pc|wifi|internet|network|signal|bike|scooter|mac|macbook|iphone|airpods|torch|inverter|ups|generator|fridge|motivation|vibe|conversation|group chat|chat|ac|pen|mouse|keyboard|screen|zoom|brain cells|braincells)\b(?: (?:is|was|s|are|about|to|going|gonna|will|just|already|almost|keeps|totally|completely|literally|nearly|has|have|on|the|so|about to|finally)){0,3} (?:die|dying|died|dead)\b`,
  ),
  rx(
    String.raw`\bdead (?:tired|serious|seriously|end|ends|last|set|on|week|silent|quiet|heat|weight|line|lines|zone|ringer|giveaway|center|centre|space|air|beat|broke|bored|sure|right|wrong|asleep|slow)\b|\bdead ?lines?\b|\bdead ?lift\w*|\bdeadass\b|\bdrop dead\b|\bdead to the world\b`,
  ),
  rx(String.raw`\b(?:do or die|die hard|diehard|die trying|never say die|the die is cast|die cast|diecast|die cut|die happy|die a happy (?:man|woman|person))\b`),
  rx(String.raw`\bkill (?:for|2 for)\b|\b(?:kill|kills|killed|killing) (?:it|time|the lights|the light|the vibe|the mood|the game|two birds|2 birds|bacteria|germs|the interview|the exam|the test|the presentation|that interview|that exam|my step|step|the ck|this interview|this exam)\b`),
  rx(String.raw`\bmurder(?:ed|s|ing)? (?:it|that|this|the (?:exam|test|interview|presentation|block|nbme|question|questions)|my (?:exam|interview|presentation))\b|\bmurder mystery\b`),
  rx(String.raw`\b(?:career|social|political|academic|professional|financial|residency|application|match) ?suicid\w*`),
  // suicide, self-harm or overdose as a topic: "the suicide prevention lecture", "UWorld question on suicidal ideation"
  rx(
    String.raw`\b(?:suicid\w*|self ?harm\w*) (?:prevention|awareness|rate|rates|risk (?:assessment|assessments|factors|factor|screening|stratification|score|scale|evaluation)|screening|screen|assessment|assessments|lecture|lectures|module|modules|question|questions|qs|case|cases|statistics|stats|research|training|seminar|webinar|among|in (?:physicians|doctors|residents|medical|med|students|teens|adolescents|india|nigeria|egypt|the us|the philippines)|precautions|protocol|squad|sprints?|run|runs|doors?|burn|patient|patients|ideation (?:question|questions|case|screening|lecture))\b`,
  ),
  rx(
    String.raw`\b(?:question|questions|qs|lecture|lectures|case|cases|block|module|notes|chapter|topic|screening|screen for|screened for|assessing|assessment|managing|management|rotation|training|webinar|seminar|ward|unit|protocol|research|paper|study|article|documentary|movie|film|book|podcast|news|stats|statistics|uworld|amboss|qbank|nbme|psych|psychiatry|awareness|prevention|month|campaign|walk|ribbon|rate|rates|manage|treat|treating)\b(?: (?:the|a|an|on|about|of|for|with|re|regarding|in|and|acute|pediatric|adolescent|geriatric|elderly|passive|active|chronic|completed|attempted|risk|physician|doctor)){0,3} (?:suicid\w*|self ?harm\w*|overdos\w*|death|dying)\b`,
  ),
  rx(
    String.raw`\b(?:patient|patients|pt|pts|client|clients|yo|year old|y o|veteran)\b${notMe(4)} (?:attempted|attempt|attempts|committed|commits|died by|with|after|for|about|threatening|threatened|talking about|denies|denied|endorses|endorsing|reported|screened for|at risk of|risk of|history of|hx of|h o) (?:suicid\w*|self ?harm\w*|overdos\w*)\b`,
  ),
  rx(
    String.raw`\b(?:acetaminophen|paracetamol|tylenol|panadol|aspirin|salicylate|opioid|opiate|heroin|iron|tca|tricyclic|digoxin|lithium|benzo|benzodiazepine|insulin|methanol|ethylene glycol|beta blocker|ccb|warfarin|heparin|organophosphate|isoniazid|theophylline|cocaine|amphetamine|vitamin a|vitamin d|drug)\b(?: \w+){0,1} (?:overdose|overdoses|toxicity|poisoning|od|ods)\b|\boverdos\w* (?:question|questions|case|cases|management|treatment|antidote|lecture|patient|patients|pt)\b`,
  ),
  rx(String.raw`\b(?:overdose|overdosed|overdosing|od|oding) on (?:coffee|caffeine|chai|tea|sugar|netflix|anki|questions|qbank|uworld|content|memes|red bull|energy drinks|sleep|carbs)\b`),
  rx(String.raw`\bhang (?:in there|out)\b|\bjump rope\b|\bskipping rope\b|\bshoot me (?:a|an|the) \w+|\bshoot myself in the foot\b`),
  rx(
    String.raw`\b(?:drown|drowning|bury|burying|lose|losing|throw|throwing|kill|killing) myself (?:in|into|with) (?:work|books|studying|study|uworld|anki|questions|qbank|research|coffee|chai|music|netflix|the gym|gym|prep|my prep|my studies|my work|work and|this project)\b`,
  ),
  rx(String.raw`\bfamous last words\b`),
  // "this exam will be the end of me"
  rx(
    String.raw`\b(?:exam|exams|step|test|block|blocks|nbme|uworld|qbank|questions|biostats|this|that|it|commute|job|shift|shifts|heat|weather|paperwork|visa|eras|rotation|boss|attending|you|kids|roommate|season|interview|interviews|week|month|year|cycle|application|applications|studying|coffee|call|calls|stress|wait|waiting|process|pd|mentor|parents|mom|mum|dad)\b${notMe(3)} (?:be|is|was|will be|gonna be|going to be) the end of me\b`,
  ),
  rx(String.raw`\bcould (?:just |literally |honestly )?sleep (?:forever|for ever|for a week|for days|for a year)\b`),
  rx(String.raw`\b(?:crying|cried|cry) (?:laughing|of laughter|with laughter|with joy|happy tears)\b|\bhappy tears\b|\btears of joy\b|\bdead simple\b`),
];

/** Applied to the whole (idiom-blanked) text when no risk rule fired. */
const DISTRESS_RULES: readonly Rule[] = [
  {
    id: 'worry',
    pattern: rx(
      String.raw`\b(?:homesick|nervous|worried|worrying|worried sick|frustrat\w*|disappointed in me|heart is racing|mind (?:wont|will not) stop|shaking|miss (?:my family|my parents|home) so much|not coping|nobody understands|no one understands|lost (?:my|all) motivation|wasted (?:years|my years)|cant concentrate|(?:so|very|really|and) sad|sad and|today was awful|yelled at me)\b`,
    ),
    unless: ({ whole }) => rx1(String.raw`\b(?:not (?:nervous|worried)|no longer (?:nervous|worried)|excited|lol|haha)\b`).test(whole),
  },
  {
    id: 'heavy-feeling',
    pattern: rx(
      String.raw`\b(?:hopeless\w*|helpless\w*|worthless|devastated|devastating|depressed|depression|depressing|anxious|anxiety|panic\w*|miserable|heartbroken|heart broken|shattered|numb|empty inside|dead inside|dying inside|lonely|loneliness|isolated|overwhelmed|overwhelming|burnt out|burned out|burnout|burn out|exhausted|drained|crying|cried|cry|tears|sobbing|ashamed|humiliated|(?:a|such a|total|complete|utter|big) failure|loser|hate myself|hate my life|beating myself up|beat myself up|(?<!(?:dont|never|wont|not|didnt|do not) )(?:give up|giving up|gave up)|lost hope|losing hope|no hope|lost all hope|cant cope|cannot cope|breaking down|breakdown|break down|falling apart|fall apart|dark place|struggling|drowning|terrified|nightmares?|insomnia|trapped|desperate|despair|suffering|grief|grieving|traumatized|nothing matters|dont care anymore|tired of everything|cant breathe|heart racing|cant stop crying|cant get out of bed|doubt myself|not good enough|never good enough|ruined|gutted|defeated|disappointed in myself|(?:whats|what is) the point(?= *$| of (?:it|this|trying|anything|everything|studying|all this))|unbearable|in pieces)\b`,
    ),
  },
  {
    id: 'heavy-feeling',
    pattern: rx(
      String.raw`\b(?:so|really|very|extremely|too|completely|totally|utterly|incredibly|super|deeply|feel|feeling|felt|am|im|been|getting|truly|all) (?:\w+ )?(?:sad|upset|alone|lost|down|low|scared|afraid|stressed|broken|lonely|empty|stupid|pathetic|disgusting|terrible|awful|guilty|hurt|hurting|useless|crushed|hopeless)\b|\bstressed out\b`,
    ),
  },
  {
    id: 'heavy-feeling',
    pattern: rx(
      String.raw`\b(?:letting (?:everyone|everybody|my family|my parents|them|you all) down|let (?:everyone|everybody|my family|my parents) down|at my lowest|rock bottom|lowest point|worst (?:year|day|week|month|time|period|phase) of my life|(?:sick|tired) of (?:failing|trying|being|this|everything|it all|fighting|pretending|struggling|myself)|heavy (?:feeling|heart)|feel(?:s|ing)? (?:so )?heavy|weight on my chest|chest (?:feels )?tight|tight chest|no energy|no motivation (?:for anything|at all|left)|in bed all day|(?:stayed|staying|lying) in bed|feel(?:ing)? (?:like )?(?:garbage|trash|shit|crap|nothing|a fraud|invisible)|isolat\w*|comparing myself|(?:scared|afraid|terrified|worried) (?:i will|ill|that i will|i might|i) never|cant (?:shake|handle|take) (?:this|it)|(?:really|so|very) (?:hard|difficult|rough|tough) (?:time|day|week|few days|lately)|(?:not|never) (?:okay|ok|fine) (?:anymore|lately|at all)|barely (?:holding|coping|surviving|functioning|hanging on|keeping it together)|wasted my (?:whole |entire )?(?:life|youth|years|twenties)|(?:feels|is|seems|everything is|life is) (?:so )?pointless|overthinking|losing myself|(?:family|such a|a big|total) disappointment)\b`,
    ),
  },
  {
    id: 'sleep-appetite',
    pattern: rx(
      String.raw`\b(?:cant|cannot|couldnt|unable to|not able to|havent|have not|hardly|barely) (?:sleep|sleeping|slept|eat|eating|eaten|focus|breathe|function|think straight|stop thinking)\b|\bnot (?:sleeping|eating)\b|\bstopped eating\b|\bno sleep\b`,
    ),
  },
  {
    id: 'setback',
    pattern: rx(
      String.raw`\b(?:failed|fail|failing) (?:again|step|the (?:exam|test|step|boards)|my (?:exam|step|boards|test)|ck|oet|usmle|boards|twice|thrice|for the (?:second|third) time)\b|\b(?:didnt|did not|not|never) match(?:ed)?\b|\bunmatched\b|\b(?:no|zero|0) interviews?\b|\brejected\b|\brejections?\b|\bvisa (?:got |was )?(?:refused|rejected|denied)\b`,
    ),
  },
];

// ---- assessment ----------------------------------------------------------------------------------

/** Blank idioms in the marked text (they never span a sentence end), then drop the markers. */
function blankIdioms(marked: string, idioms: readonly RegExp[] = ALL_IDIOMS): string {
  let out = marked;
  for (const idiom of idioms) out = out.replace(idiom, ' ~ ');
  return unmarked(out);
}

/** Plans and means first: they are risk whatever else the message says. */
const ALL_RISK_RULES: readonly Rule[] = [...PLAN_RULES, ...RISK_RULES, ...LANGUAGE_RISK_RULES];
const ALL_IDIOMS: readonly RegExp[] = [...BENIGN_IDIOMS, ...PLAN_IDIOMS, ...LANGUAGE_IDIOMS];
const ALL_ASK_RULES: readonly Rule[] = [...ASK_RULES, ...LANGUAGE_ASK_RULES];
const ALL_DISTRESS_RULES: readonly Rule[] = [...DISTRESS_RULES, ...LANGUAGE_DISTRESS_RULES];

/**
 * A word broken by a stray space ("sui cidal", "su icide"). Only a stem that no two English words
 * make when joined: "kill myself" would also match "upskill myself".
 */
function splitWord(blanked: string): string | undefined {
  return /suicid|suicd/.test(blanked.replace(/[^a-z]/g, '')) ? 'suicide' : undefined;
}

export function assessRisk(body: string): RiskAssessment {
  const marked = markedText(body);
  const text = unmarked(marked);
  if (!text.trim()) return { level: 'none' };
  const blanked = blankIdioms(marked);
  const arabizi = blankIdioms(arabiziText(typeof body === 'string' ? body : ''), ARABIZI_IDIOMS);
  const risk =
    firstMatch(ALL_RISK_RULES, blanked) ?? firstMatch(ALL_RISK_RULES, text, true) ?? splitWord(blanked) ?? firstMatch(ARABIZI_RISK_RULES, arabizi);
  if (risk) return { level: 'risk', matched: `risk:${risk}` };
  const ask = firstMatch(ALL_ASK_RULES, blanked) ?? firstMatch(ARABIZI_ASK_RULES, arabizi);
  if (ask) return { level: 'ask', matched: `ask:${ask}` };
  const distress = firstMatch(ALL_DISTRESS_RULES, blanked) ?? firstMatch(ARABIZI_DISTRESS_RULES, arabizi);
  if (distress) return { level: 'distress', matched: `distress:${distress}` };
  return { level: 'none' };
}
