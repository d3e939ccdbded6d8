import { crisisLineTable, poolLibrary } from '../../shared/content';
import { crisisResourcesFor, type CrisisResources } from '../../shared/domain/crisis-lines';
import * as safety from '../../shared/domain/safety-replies';
import { renderTemplate, smsSegments } from '../../shared/domain/template';
import { report } from '../support/report';

/**
 * Every safety and distress text, rendered for every country in the table and for the
 * international directory: help where the person lives, the line that nobody watches this number
 * around the clock, plain GSM-7, and a measured length (the crisis reply and the direct question
 * may take 2-3 segments, the others 2; the gentle-care safety step stays in one).
 */

const table = crisisLineTable();
const places: [string, CrisisResources][] = [
  ...table.countries.map((c) => [c.country, crisisResourcesFor(table, { phone: `+${c.callingCode}1234567890`, zone: c.zones[0] })] as [string, CrisisResources]),
  ['directory', crisisResourcesFor(table, { zone: 'Europe/Berlin' })],
];

const replies = {
  crisis: { say: safety.crisisReply, maxSegments: 3 },
  ask: { say: safety.askDirectlyReply, maxSegments: 3 },
  answeredNo: { say: safety.askAnsweredNoReply, maxSegments: 2 },
  distress: { say: safety.distressReply, maxSegments: 2 },
  struggling: { say: safety.strugglingReply, maxSegments: 2 },
};

describe.each(places)('for %s', (place, help) => {
  it.each(Object.entries(replies))('the %s reply names their help, says nobody watches around the clock, and fits its segments', (_name, { say, maxSegments }) => {
    const text = say(help);
    const size = smsSegments(text);
    expect(size.encoding).toBe('GSM-7');
    expect(size.segments).toBeLessThanOrEqual(maxSegments);
    expect(text).toContain(help.talk);
    expect(text).toContain(safety.NOT_WATCHED);
    expect(text).not.toMatch(/\{\{|undefined/);
  });

  it('gives the emergency number in the crisis reply and the direct question', () => {
    expect(safety.crisisReply(help)).toContain(`call ${help.emergency}.`);
    expect(safety.askDirectlyReply(help)).toContain(`call ${help.emergency}.`);
    // Another country's line is no help: 988 only where it answers, the Crisis Text Line only in the US.
    if (place !== 'US' && place !== 'CA') expect(safety.crisisReply(help)).not.toMatch(/988/);
    if (place !== 'US') expect(safety.crisisReply(help)).not.toMatch(/741741/);
  });

  it('asks the question plainly', () => {
    expect(safety.askDirectlyReply(help)).toMatch(/are you thinking of harming or killing yourself\?/);
  });

  it('keeps the gentle-care safety step in one segment with their help in it', () => {
    const step = poolLibrary().get('gentle-care')!.items.find((i) => i.id === 'if-unsafe')!;
    const text = renderTemplate(step.sms.text, { zone: 'UTC', sendAt: new Date(), helpline: safety.helplineSlot(help) });
    expect(text).toContain(help.talk);
    expect(text).toContain(help.emergency);
    expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });
});

test('the US crisis reply carries 988, the Crisis Text Line and 911', () => {
  const us = crisisResourcesFor(table, { phone: '+12125550123' });
  expect(safety.crisisReply(us)).toBe(
    "Thank you for telling us. You matter, and you don't have to face this alone. Please call or text 988 (Suicide & Crisis Lifeline) or text HOME to 741741 (Crisis Text Line). If you are in danger now, call 911. This number is not watched around the clock.",
  );
});

test('lengths, for the report', () => {
  const rows = places.flatMap(([place, help]) =>
    Object.entries(replies).map(([name, { say }]) => {
      const size = smsSegments(say(help));
      return `${place.padEnd(9)} ${name.padEnd(11)} ${String(size.units).padStart(4)} septets, ${size.segments} segments`;
    }),
  );
  const crisisSegments = new Set(places.map(([, help]) => smsSegments(safety.crisisReply(help)).segments));
  report(`safety replies (GSM-7):\n${rows.join('\n')}\n`);
  expect([...crisisSegments].every((n) => n >= 2 && n <= 3)).toBe(true);
});
