import { channelAddress, marketingBlockedFor, oneWaySmsCountry, whatsappAddress, whatsappRefusal, windowOpen, WHATSAPP_REASONS } from '../../shared/domain/whatsapp';
import { expandOccurrences } from '../../shared/domain/schedule';
import { Sequence } from '../../shared/domain/sequence';

/** WhatsApp's rules as pure functions: addresses, the 24-hour window, refusals, where WhatsApp comes first. */

describe('addresses', () => {
  it('reads a whatsapp: address as the WhatsApp channel and its number', () => {
    expect(channelAddress('whatsapp:+919812345678')).toEqual({ channel: 'whatsapp', phone: '+919812345678' });
    expect(channelAddress('+919812345678')).toEqual({ channel: 'sms', phone: '+919812345678' });
    expect(whatsappAddress('+2348031234567')).toBe('whatsapp:+2348031234567');
  });

  it('refuses a WhatsApp address without a whole E.164 number', () => {
    for (const bad of ['whatsapp:919812345678', 'whatsapp:', 'whatsapp:+0123456789', 'whatsapp:+91 98123', 'whatsapp:+919812345678,+15551234567']) {
      expect(channelAddress(bad)).toBeUndefined();
    }
  });
});

describe('the customer service window', () => {
  const last = '2026-12-07T10:00:00.000Z';
  const at = (iso: string) => new Date(iso);

  it('is closed for someone who never wrote', () => {
    expect(windowOpen(undefined, at(last))).toBe(false);
    expect(windowOpen({}, at(last))).toBe(false);
  });

  it('is open for 24 hours after their last message, less a margin for Twilio\'s queue', () => {
    expect(windowOpen({ lastInboundAt: last }, at('2026-12-07T10:00:01.000Z'))).toBe(true);
    expect(windowOpen({ lastInboundAt: last }, at('2026-12-08T09:44:59.000Z'))).toBe(true);
    expect(windowOpen({ lastInboundAt: last }, at('2026-12-08T09:45:00.000Z'))).toBe(false);
    expect(windowOpen({ lastInboundAt: last }, at('2026-12-08T10:00:01.000Z'))).toBe(false);
  });

  it('stays closed after WhatsApp said so, until they write again', () => {
    expect(windowOpen({ lastInboundAt: last, closedAt: '2026-12-07T12:00:00.000Z' }, at('2026-12-07T13:00:00.000Z'))).toBe(false);
    expect(windowOpen({ lastInboundAt: '2026-12-07T14:00:00.000Z', closedAt: '2026-12-07T12:00:00.000Z' }, at('2026-12-07T15:00:00.000Z'))).toBe(true);
  });
});

describe("WhatsApp's refusals", () => {
  it('maps 63016, 63003 and 63024 to reason codes and what to do', () => {
    expect(whatsappRefusal(63016)).toEqual({ reason: WHATSAPP_REASONS.windowClosed, behaviour: 'window' });
    expect(whatsappRefusal(63003)).toEqual({ reason: WHATSAPP_REASONS.notOnWhatsApp, behaviour: 'unreachable' });
    expect(whatsappRefusal(63024)).toEqual({ reason: WHATSAPP_REASONS.invalidRecipient, behaviour: 'unreachable' });
    expect(whatsappRefusal(30003)).toBeUndefined();
    expect(whatsappRefusal(undefined)).toBeUndefined();
  });
});

describe('where WhatsApp comes first', () => {
  it('names the countries whose numbers cannot answer our texts', () => {
    expect(oneWaySmsCountry('+919812345678')).toBe('India');
    expect(oneWaySmsCountry('+923001234567')).toBe('Pakistan');
    expect(oneWaySmsCountry('+2348031234567')).toBe('Nigeria');
    expect(oneWaySmsCountry('+201001234567')).toBe('Egypt');
    expect(oneWaySmsCountry('+15551234567')).toBeUndefined();
    expect(oneWaySmsCountry('+639171234567')).toBeUndefined();
  });

  it('keeps marketing templates from every +1 number', () => {
    expect(marketingBlockedFor('+15551234567')).toBe(true);
    expect(marketingBlockedFor('+919812345678')).toBe(false);
  });
});

describe('WhatsApp occurrences', () => {
  const sequence = Sequence.parse({
    id: 'demo', name: 'Demo',
    steps: [
      { id: 'text-late', kind: 'nudge', channels: ['sms'], schedule: { type: 'once', anchor: 'enrolled', offsetDays: 0, at: '22:30' }, sms: { text: 'Hello' } },
      { id: 'mail', kind: 'nudge', channels: ['email'], schedule: { type: 'once', anchor: 'enrolled', offsetDays: 1, at: '09:00' }, email: { subject: 'Hi', text: 'Hello' } },
    ],
  });

  it('come from the steps written for texts, keep quiet hours, and only when asked for', () => {
    const anchors = { enrolled: '2027-01-04' };
    const asked = expandOccurrences({ sequence, anchors, zone: 'Asia/Kolkata', channels: ['whatsapp'] }).occurrences;
    expect(asked.map((o) => o.key)).toEqual(['text-late.once.whatsapp']);
    // 22:30 is inside the quiet hours: moved to 08:00 the next morning, like a text.
    expect(asked[0]!.sendAt.toISOString()).toBe('2027-01-05T02:30:00.000Z');
    const unasked = expandOccurrences({ sequence, anchors, zone: 'Asia/Kolkata' }).occurrences;
    expect(unasked.map((o) => o.channel).sort()).toEqual(['email', 'sms']);
  });
});
