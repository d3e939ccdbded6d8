import { parseInboundSms } from '../../shared/domain/keywords';

/** Our own single words beside the carrier keywords: JOIN, and moving between texts and WhatsApp. */

describe('JOIN and the channel words', () => {
  it.each([
    ['JOIN', { kind: 'join' }],
    [' join! ', { kind: 'join' }],
    ['WhatsApp', { kind: 'switch', to: 'whatsapp' }],
    ['whats app', { kind: 'switch', to: 'whatsapp' }],
    ['TEXTS', { kind: 'switch', to: 'sms' }],
    ['sms.', { kind: 'switch', to: 'sms' }],
    ['Text', { kind: 'switch', to: 'sms' }],
  ])('%j is %j', (body, intent) => {
    expect(parseInboundSms(body)).toEqual(intent);
  });

  it('reads them only as the whole message: in a sentence they are the person\'s words', () => {
    expect(parseInboundSms('I will join the study group')).toMatchObject({ kind: 'free-text' });
    expect(parseInboundSms('can you text me on whatsapp later')).toMatchObject({ kind: 'free-text' });
    expect(parseInboundSms('GOAL join a mock interview')).toEqual({ kind: 'goal-add', text: 'join a mock interview' });
  });

  it('leaves the carrier keywords as they were', () => {
    expect(parseInboundSms('STOP')).toEqual({ kind: 'opt-out', via: 'keyword' });
    expect(parseInboundSms('START')).toEqual({ kind: 'opt-in' });
    expect(parseInboundSms('HELP')).toEqual({ kind: 'help' });
  });
});
