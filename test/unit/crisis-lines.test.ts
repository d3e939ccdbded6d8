import fc from 'fast-check';
import { crisisLineTable } from '../../shared/content';
import { CrisisLineTable, crisisResourcesFor } from '../../shared/domain/crisis-lines';
import raw from '../../shared/content/crisis-lines.json';

/**
 * The table of crisis lines and emergency numbers: every number has a source and the date it was
 * checked, the countries our people live in are all there, and the choice goes by the phone's
 * calling code, else the time zone, else the international directory.
 */

const table = crisisLineTable();
const copy = (): Record<string, any> => JSON.parse(JSON.stringify(raw));
const issuesOf = (data: unknown) => {
  const parsed = CrisisLineTable.safeParse(data);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the crisis line table', () => {
  it('holds the countries our applicants live in', () => {
    expect(table.countries.map((c) => c.country).sort()).toEqual(expect.arrayContaining(['BD', 'BR', 'CA', 'EG', 'GB', 'IN', 'MX', 'NG', 'PH', 'PK', 'US']));
  });

  it('gives every number at least one source with an address and the date it was checked', () => {
    const numbers = [
      ...table.directory.sources.map((s) => ['directory', s] as const),
      ...table.countries.flatMap((c) => [
        ...(c.crisisLine?.sources ?? []).map((s) => [`${c.country} line`, s] as const),
        ...(c.textLine?.sources ?? []).map((s) => [`${c.country} text line`, s] as const),
        ...c.emergency.sources.map((s) => [`${c.country} emergency`, s] as const),
      ]),
    ];
    expect(numbers.length).toBeGreaterThanOrEqual(25);
    for (const [what, source] of numbers) {
      expect({ what, url: /^https?:\/\/[^ ]+\.[a-z]{2,}/.test(source.url) }).toEqual({ what, url: true });
      expect({ what, checked: /^\d{4}-\d{2}-\d{2}$/.test(source.checked) }).toEqual({ what, checked: true });
    }
  });

  it('says why, in the entry, when a country has no line we could verify', () => {
    for (const c of table.countries.filter((entry) => entry.crisisLine === null)) {
      expect({ country: c.country, note: (c.note ?? '').length > 40 }).toEqual({ country: c.country, note: true });
    }
  });

  it('refuses an entry without a source or without the date it was checked', () => {
    const noSource = copy();
    noSource.countries[0].crisisLine.sources = [];
    expect(issuesOf(noSource)).toEqual([expect.stringMatching(/^countries\.0\.crisisLine\.sources: every number needs at least one source/)]);

    const noDate = copy();
    delete noDate.countries[2].emergency.sources[0].checked;
    expect(issuesOf(noDate)).toEqual([expect.stringMatching(/^countries\.2\.emergency\.sources\.0\.checked:/)]);

    const noUrl = copy();
    noUrl.countries[1].crisisLine.sources[0].url = 'somewhere on the web';
    expect(issuesOf(noUrl)).toEqual([expect.stringMatching(/^countries\.1\.crisisLine\.sources\.0\.url:/)]);
  });

  it('refuses a line without a note, words outside GSM-7, a zone claimed twice, a country twice', () => {
    const silent = copy();
    const egypt = silent.countries.findIndex((c: { country: string }) => c.country === 'EG');
    delete silent.countries[egypt].note;
    expect(issuesOf(silent)).toEqual([expect.stringMatching(new RegExp(`^countries\\.${egypt}\\.note: an entry without a crisis line`))]);

    const accented = copy();
    accented.countries[0].crisisLine.say = 'llame a la Línea de la Vida';
    expect(issuesOf(accented)).toEqual([expect.stringMatching(/crisisLine\.say: must be plain GSM-7/)]);

    const twice = copy();
    twice.countries[1].zones.push('Asia/Kolkata');
    expect(issuesOf(twice)).toEqual([expect.stringMatching(/Asia\/Kolkata is listed for both/)]);

    const again = copy();
    again.countries.push(again.countries[0]);
    expect(issuesOf(again).some((i) => /US appears twice/.test(i))).toBe(true);
  });
});

describe('choosing help for a person', () => {
  const help = (who: { phone?: string; zone?: string }) => crisisResourcesFor(table, who);

  it.each([
    ['an Indian number', { phone: '+919812345678', zone: 'Asia/Kolkata' }, { country: 'IN', via: 'phone', emergency: '112' }],
    ['an Indian number whose owner is in Chicago', { phone: '+919812345678', zone: 'America/Chicago' }, { country: 'IN', via: 'phone' }],
    ['a Nigerian WhatsApp address', { phone: 'whatsapp:+2348031234567' }, { country: 'NG', via: 'phone', emergency: '112' }],
    ['a Pakistani number', { phone: '+923001234567' }, { country: 'PK', via: 'phone', emergency: '1122' }],
    ['a Philippine number', { phone: '+639171234567' }, { country: 'PH', via: 'phone', emergency: '911' }],
    ['a UK number', { phone: '+447700900123' }, { country: 'GB', via: 'phone', emergency: '999' }],
    ['a Brazilian number', { phone: '+5511912345678' }, { country: 'BR', via: 'phone', emergency: '192' }],
    ['a Mexican number', { phone: '+525512345678' }, { country: 'MX', via: 'phone', emergency: '911' }],
    ['a +1 number in Toronto', { phone: '+14165550123', zone: 'America/Toronto' }, { country: 'CA', via: 'phone' }],
    ['a +1 number in New York', { phone: '+12125550123', zone: 'America/New_York' }, { country: 'US', via: 'phone' }],
    ['a +1 number in Kolkata', { phone: '+12125550123', zone: 'Asia/Kolkata' }, { country: 'US', via: 'phone' }],
    ['no phone, in Manila', { zone: 'Asia/Manila' }, { country: 'PH', via: 'zone' }],
    ['a German number in Lagos', { phone: '+4915112345678', zone: 'Africa/Lagos' }, { country: 'NG', via: 'zone' }],
    ['a German number in Berlin', { phone: '+4915112345678', zone: 'Europe/Berlin' }, { via: 'directory', emergency: 'your local emergency number' }],
  ])('%s', (_name, who, expected) => {
    expect(help(who)).toMatchObject(expected);
  });

  it('names the verified line, the US text line only in the US, and the directory where no line is verified', () => {
    expect(help({ phone: '+12125550123' })).toEqual({
      country: 'US', via: 'phone', talk: 'call or text 988 (Suicide & Crisis Lifeline)', text: 'text HOME to 741741 (Crisis Text Line)', emergency: '911',
    });
    expect(help({ phone: '+14165550123', zone: 'America/Vancouver' })).toEqual({ country: 'CA', via: 'phone', talk: 'call or text 988 (Suicide Crisis Helpline)', emergency: '911' });
    expect(help({ phone: '+919812345678' }).talk).toBe('call Tele-MANAS free on 14416');
    expect(help({ phone: '+201001234567' })).toEqual({ country: 'EG', via: 'phone', talk: table.directory.say, emergency: '123' });
    expect(help({ phone: '+8801712345678' })).toEqual({ country: 'BD', via: 'phone', talk: table.directory.say, emergency: '999' });
  });

  it('never throws and never trusts a malformed number', () => {
    for (const phone of ['+', '++919812345678', '919812345678', '+91 98123 45678', '<script>+91</script>', `+9${'1'.repeat(400)}`, 'whatsapp:91981']) {
      expect(help({ phone, zone: 'Europe/Berlin' })).toEqual({ via: 'directory', talk: table.directory.say, emergency: 'your local emergency number' });
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), fc.string({ maxLength: 64 }), (phone, zone) => {
        expect(['phone', 'zone', 'directory']).toContain(help({ phone, zone }).via);
      }),
      { numRuns: 300 },
    );
  });
});
