import { smsSegments } from '../../shared/domain/template';
import * as wa from '../../shared/domain/whatsapp-words';
import { WHATSAPP_REASONS } from '../../shared/domain/whatsapp';

/** The words around WhatsApp: consent that names it, replies that fit a text, an honest fallback email. */

describe('consent words', () => {
  it('name WhatsApp wherever the person agrees to WhatsApp', () => {
    for (const text of [wa.WHATSAPP_CONSENT_TEXT, wa.WHATSAPP_KEYWORD_OPT_IN_TEXT, wa.WHATSAPP_OPT_OUT_TEXT.keyword, wa.WHATSAPP_OPT_OUT_TEXT['free-text']]) {
      expect(text).toMatch(/WhatsApp/);
    }
    expect(wa.WHATSAPP_CONSENT_TEXT).toMatch(/about 3 messages a week/);
    expect(wa.WHATSAPP_CONSENT_TEXT).toMatch(/STOP/);
  });
});

describe('replies that go by text fit one GSM-7 segment', () => {
  const url = 'https://coach.example.org/';
  it.each([
    ['how to move to WhatsApp', wa.howToSwitchToWhatsAppReply('+15005550006')],
    ['how to move to WhatsApp, number unknown', wa.howToSwitchToWhatsAppReply(undefined)],
    ['WhatsApp not set up', wa.whatsappUnavailableReply],
    ['already on texts', wa.alreadyOnTextsReply],
    ['the sign-up link', wa.signUpLinkReply(url)],
    ['moved to texts', wa.switchedToSmsReply],
  ])('%s', (_what, text) => {
    expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('keeps the WhatsApp replies short and plain too (they may be read on a small screen)', () => {
    for (const text of [wa.whatsappOptInReply, wa.whatsappOptOutReply, wa.switchedToWhatsAppReply, wa.cannotTextReply, wa.switchedToSmsOneWayReply('Pakistan')]) {
      expect(smsSegments(text).encoding).toBe('GSM-7');
      expect(text.length).toBeLessThanOrEqual(160);
    }
  });
});

describe('the email that carries a refused WhatsApp message', () => {
  it('after a closed window, just the words, said plainly', () => {
    const mail = wa.whatsappFallbackEmail({ text: 'Ten minutes of questions today.', reason: WHATSAPP_REASONS.windowClosed, preferencesUrl: 'https://x/p' });
    expect(mail.subject).toBe('A message from Match Coach');
    expect(mail.text).toContain('Ten minutes of questions today.');
    expect(mail.text).not.toContain('https://x/p');
  });

  it('for a number WhatsApp cannot reach, says why and asks the person to choose', () => {
    for (const reason of [WHATSAPP_REASONS.notOnWhatsApp, WHATSAPP_REASONS.invalidRecipient]) {
      const mail = wa.whatsappFallbackEmail({ text: 'NRMP registration closes Friday.', reason, preferencesUrl: 'https://x/p' });
      expect(mail.subject).toBe('We could not reach you on WhatsApp');
      expect(mail.text).toContain('NRMP registration closes Friday.');
      expect(mail.text).toContain('https://x/p');
      expect(mail.text).toContain('have stopped');
    }
  });
});
