import fc from 'fast-check';
import {
  GOAL_TEXT_MAX,
  HELP_WORDS,
  InboundIntent,
  MAX_SMS_BODY,
  normaliseSms,
  OPT_IN_WORDS,
  OPT_OUT_WORDS,
  parseInboundSms,
} from '../../shared/domain/keywords';

const awaiting = { awaitingScore: true };

/** The same word as people actually type it. */
const spellings = (word: string): string[] => {
  const lower = word.toLowerCase();
  const title = lower.charAt(0).toUpperCase() + lower.slice(1);
  return [word, lower, title, `  ${word}  `, `${title}.`, `${word}!`, `${lower}!!!`, `*${word}*`, `"${lower}"`, `${word} 🙏`, `\t${lower}\n`];
};

describe('carrier keywords', () => {
  it('exports the words docs/rules.md lists', () => {
    expect([...OPT_OUT_WORDS]).toEqual(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT']);
    expect([...OPT_IN_WORDS]).toEqual(['START', 'YES', 'UNSTOP']);
    expect([...HELP_WORDS]).toEqual(['HELP', 'INFO']);
  });

  it.each(OPT_OUT_WORDS.flatMap(spellings))('%j opts out by keyword', (body) => {
    expect(parseInboundSms(body)).toEqual({ kind: 'opt-out', via: 'keyword' });
    expect(parseInboundSms(body, awaiting)).toEqual({ kind: 'opt-out', via: 'keyword' });
  });

  it.each(['opt-out', 'Opt Out', 'opt_out', 'ＳＴＯＰ', 'S\u200BTOP', 'stop\u00A0', '\u200Bstop'])('%j opts out by keyword after normalising', (body) => {
    expect(parseInboundSms(body)).toEqual({ kind: 'opt-out', via: 'keyword' });
  });

  it.each(OPT_IN_WORDS.flatMap(spellings))('%j opts in', (body) => {
    expect(parseInboundSms(body)).toEqual({ kind: 'opt-in' });
  });

  it.each(HELP_WORDS.flatMap(spellings))('%j asks for help', (body) => {
    expect(parseInboundSms(body)).toEqual({ kind: 'help' });
  });

  it('leaves "help me" to the journal and the safety screen', () => {
    expect(parseInboundSms('help me')).toEqual({ kind: 'free-text', text: 'help me' });
  });
});

describe('revoking consent in free text', () => {
  it.each([
    'please stop texting me',
    'stop sending me these',
    'Stop sending me these messages!',
    'unsubscribe me',
    'pls unsubscribe',
    'how do I unsubscribe?',
    'I already unsubscribed, why are you still texting',
    'remove me from this list',
    'Remove me',
    'take me off the list',
    'delete my number',
    "don't text me anymore",
    'Dont text me',
    'do not contact me again',
    'never message me again',
    'no need to text me anymore',
    'no more messages',
    'No more texts this week please',
    'leave me alone',
    'just leave me alone!!',
    'quit texting me',
    'quit sending me reminders',
    'stop the reminders',
    'cancel these messages',
    'cancel my subscription',
    "I don't want these texts",
    'I do not wish to receive these messages',
    'I no longer want to receive reminders',
    "I don't want to be contacted",
    'I want to opt out',
    'opt me out',
    'please opt me out of this',
    'wrong number',
    'Wrong number, who is this?',
    'not interested',
    "I'm not interested anymore",
    'please stop',
    'STOP please',
    'Stop it now',
    'stop stop stop',
    'Kindly stop',
    'I said stop',
    'S T O P',
    'I quit',
    'cancel pls',
    'Failed the block again. STOP.',
    'pause. actually just stop texting me',
  ])('%j opts out', (body) => {
    expect(parseInboundSms(body)).toEqual({ kind: 'opt-out', via: 'free-text' });
    expect(parseInboundSms(body, awaiting)).toEqual({ kind: 'opt-out', via: 'free-text' });
  });

  it.each([
    "I can't stop worrying",
    'stop procrastinating is my goal',
    'the bus stop',
    'the bus stop near the library moved',
    'I want to quit my job',
    'I want to quit my job to focus on Step 2',
    'I need to stop checking my phone at night',
    "please don't stop texting me, it helps",
    "I don't want you to stop the messages",
    'never stop sending these, they help',
    "the anxiety won't leave me alone",
    'text me back when you can',
    "I opted out of the ERAS fee assistance",
    'can you take me from the station?',
    'Failed again. I quit.',
    'end of the rotation today',
    'my goal is to stop scrolling',
    'I stopped by the embassy',
  ])('%j does not opt out', (body) => {
    expect(parseInboundSms(body).kind).not.toBe('opt-out');
  });

  it('treats GOAL text as a goal, even when it says stop', () => {
    expect(parseInboundSms('GOAL stop sending emails after 10pm')).toEqual({ kind: 'goal-add', text: 'stop sending emails after 10pm' });
  });
});

describe('commands', () => {
  it.each([
    ['PAUSE', { kind: 'pause' }],
    ['pause', { kind: 'pause' }],
    ['Pause please', { kind: 'pause' }],
    ['pause while I travel', { kind: 'pause' }],
    ['PAUSE 7', { kind: 'pause', days: 7 }],
    ['pause 14 days', { kind: 'pause', days: 14 }],
    ['Pause 1 day.', { kind: 'pause', days: 1 }],
    ['pause 90', { kind: 'pause', days: 90 }],
    ['pause for 10 days', { kind: 'pause', days: 10 }],
    ['pause 2 weeks', { kind: 'pause', days: 14 }],
    ['pause a week', { kind: 'pause', days: 7 }],
    ['pause 3 months', { kind: 'pause', days: 90 }],
    ['RESUME', { kind: 'resume' }],
    ['resume!', { kind: 'resume' }],
    ['DONE', { kind: 'done' }],
    ['done!', { kind: 'done' }],
    ['Done.', { kind: 'done' }],
    ['all done', { kind: 'done' }],
    ['SKIP', { kind: 'skip' }],
    ['skip today', { kind: 'skip' }],
    ['DONE 2', { kind: 'done-goal', goal: 2 }],
    ['done #3', { kind: 'done-goal', goal: 3 }],
    ['done 20', { kind: 'done-goal', goal: 20 }],
    ['GOALS', { kind: 'goals' }],
    ['my goals', { kind: 'goals' }],
    ['NEXT', { kind: 'next' }],
    ['next?', { kind: 'next' }],
    ['GOAL finish my personal statement', { kind: 'goal-add', text: 'finish my personal statement' }],
    ['Goal: 40 UWorld questions a day', { kind: 'goal-add', text: '40 UWorld questions a day' }],
    ['goal - call Dr. Mensah', { kind: 'goal-add', text: 'call Dr. Mensah' }],
  ])('%j is %j', (body, intent) => {
    expect(parseInboundSms(body)).toEqual(intent);
  });

  it.each([
    ['pause 0', 'pause-days-out-of-range'],
    ['pause 91', 'pause-days-out-of-range'],
    ['PAUSE 100', 'pause-days-out-of-range'],
    ['pause -5', 'pause-days-out-of-range'],
    ['pause 4 months', 'pause-days-out-of-range'],
    ['pause 7.5', 'pause-not-understood'],
    ['pause until 3/20', 'pause-not-understood'],
    ['DONE 0', 'goal-number-out-of-range'],
    ['done 21', 'goal-number-out-of-range'],
    ['done 2.5', 'goal-number-out-of-range'],
    ['GOAL', 'goal-text-missing'],
    ['goal: !!', 'goal-text-missing'],
    [`GOAL ${'x'.repeat(GOAL_TEXT_MAX + 1)}`, 'goal-text-too-long'],
  ])('%j asks to clarify (%s)', (body, reason) => {
    expect(parseInboundSms(body)).toEqual({ kind: 'clarify', reason, text: normaliseSms(body) });
  });

  it('keeps a goal of exactly the maximum length', () => {
    expect(parseInboundSms(`GOAL ${'é'.repeat(GOAL_TEXT_MAX)}`)).toEqual({ kind: 'goal-add', text: 'é'.repeat(GOAL_TEXT_MAX) });
  });

  it.each(['resume review tomorrow', 'my resume is done', 'goalkeeper training', 'done with 2 blocks today', "I'm done"])(
    '%j is a journal entry, not a command',
    (body) => {
      expect(parseInboundSms(body)).toEqual({ kind: 'free-text', text: body });
    },
  );
});

describe('check-in scores', () => {
  it.each([
    ['4', 4, undefined],
    [' 4 ', 4, undefined],
    ['4/5', 4, undefined],
    ['4 / 5', 4, undefined],
    ['4 out of 5', 4, undefined],
    ['5/5', 5, undefined],
    ['1', 1, undefined],
    ['4.', 4, undefined],
    ['4!', 4, undefined],
    ['4 🙂', 4, undefined],
    ['4\uFE0F\u20E3', 4, undefined],
    ['four', 4, undefined],
    ['Four!', 4, undefined],
    ['FIVE', 5, undefined],
    ['two.', 2, undefined],
    ['four/five', 4, undefined],
    ['4 - ok i guess', 4, 'ok i guess'],
    ['3 - tired but ok', 3, 'tired but ok'],
    ['2, long day', 2, 'long day'],
    ['5: matched an interview!', 5, 'matched an interview!'],
    ['3/5 meh', 3, 'meh'],
    ['four - tired', 4, 'tired'],
    ['1 (exam tomorrow)', 1, 'exam tomorrow)'],
  ])('%j scores %d', (body, score, note) => {
    const expected = note ? { kind: 'score', score, note } : { kind: 'score', score };
    expect(parseInboundSms(body)).toEqual(expected);
    expect(parseInboundSms(body, awaiting)).toEqual(expected);
  });

  it('reads a number then words as a score only when one was asked for', () => {
    expect(parseInboundSms('4 ok i guess', awaiting)).toEqual({ kind: 'score', score: 4, note: 'ok i guess' });
    expect(parseInboundSms('4 ok i guess')).toEqual({ kind: 'free-text', text: '4 ok i guess' });
    expect(parseInboundSms('2 interviews today!')).toEqual({ kind: 'free-text', text: '2 interviews today!' });
    expect(parseInboundSms('one more thing', awaiting)).toEqual({ kind: 'clarify', reason: 'score-not-understood', text: 'one more thing' });
  });

  it.each([
    ['45', 'score-out-of-range'],
    ['0', 'score-out-of-range'],
    ['6', 'score-out-of-range'],
    ['10/10', 'score-out-of-range'],
    ['4/10', 'score-out-of-range'],
    ['six', 'score-out-of-range'],
    ['4.5', 'score-not-whole'],
    ['3,5', 'score-not-whole'],
    ['4th', 'score-not-understood'],
    ['4 5', 'score-not-understood'],
    ['-3', 'score-not-understood'],
    ['hmm not sure', 'score-not-understood'],
    ['', 'score-not-understood'],
  ])('%j is not a score: clarify (%s) when one was asked for, else a journal entry', (body, reason) => {
    expect(parseInboundSms(body, awaiting)).toEqual({ kind: 'clarify', reason, text: normaliseSms(body) });
    expect(parseInboundSms(body)).toEqual({ kind: 'free-text', text: normaliseSms(body) });
  });
});

describe('free text', () => {
  it('keeps the words, normalised', () => {
    expect(parseInboundSms('  Had a  rough\r\nday\u200B today  ')).toEqual({ kind: 'free-text', text: 'Had a rough day today' });
    expect(parseInboundSms('It’s “fine”')).toEqual({ kind: 'free-text', text: `It's "fine"` });
  });

  it('reads at most one concatenated SMS', () => {
    const intent = parseInboundSms('a'.repeat(5000));
    expect(intent).toEqual({ kind: 'free-text', text: 'a'.repeat(MAX_SMS_BODY) });
  });

  it('never throws on what a JavaScript caller might pass', () => {
    expect(parseInboundSms(undefined as unknown as string)).toEqual({ kind: 'free-text', text: '' });
    expect(parseInboundSms(42 as unknown as string)).toEqual({ kind: 'free-text', text: '' });
  });
});

describe('properties', () => {
  const fragments = fc.constantFrom(
    ...OPT_OUT_WORDS, ...OPT_IN_WORDS, ...HELP_WORDS,
    'pause', 'PAUSE 7', 'done', 'DONE 2', 'skip', 'goal', 'GOAL ', 'goals', 'next', 'resume', '4', '4/5', 'four', '10/10', '4.5',
    'stop texting me', "don't", 'unsubscribe', ' ', '.', '!', '-', '/', '#', '\u200B', '\uFE0F', 'ﬁ', 'Ⅳ', '４', '🙂', '\uD800', 'é', 'e\u0301',
  );
  const bodies = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 2000 }),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.array(fragments, { maxLength: 12 }).map((parts) => parts.join('')),
    fc.array(fragments, { maxLength: 12 }).map((parts) => parts.join(' ')),
  );

  it('always answers with a valid intent, whatever arrives', () => {
    fc.assert(
      fc.property(bodies, fc.boolean(), (body, awaitingScore) => {
        const intent = parseInboundSms(body, { awaitingScore });
        expect(InboundIntent.safeParse(intent).success).toBe(true);
        // Without a score prompt, an unreadable number is a journal entry, never a request to clarify.
        if (!awaitingScore && intent.kind === 'clarify') expect(intent.reason).not.toMatch(/^score-/);
      }),
      { numRuns: 2000 },
    );
  });

  it('honours every opt-out word in any case with any surrounding spaces and punctuation', () => {
    const edge = fc.string({ unit: fc.constantFrom(' ', '.', '!', '?', '*', '"', "'", '(', ')', '-', '\t', '🛑', '…'), maxLength: 5 });
    const anyCase = (word: string) =>
      fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) =>
        [...word].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
      );
    fc.assert(
      fc.property(fc.constantFrom(...OPT_OUT_WORDS).chain(anyCase), edge, edge, fc.boolean(), (word, before, after, awaitingScore) => {
        expect(parseInboundSms(`${before}${word}${after}`, { awaitingScore })).toEqual({ kind: 'opt-out', via: 'keyword' });
      }),
      { numRuns: 2000 },
    );
  });
});
