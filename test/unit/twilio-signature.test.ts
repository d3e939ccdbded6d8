import fc from 'fast-check';
import twilio from 'twilio';
import { isSignedByTwilio, twilioSignature } from '../../shared/domain/twilio-signature';

/**
 * Our signature check must agree with Twilio's own library (kept as a dev dependency for this
 * and for the local SMS sandbox) on every input, since a disagreement either drops real texts
 * or lets forged ones in.
 */
const urls = fc.oneof(
  fc.webUrl({ withQueryParameters: true }),
  fc.constantFrom(
    'https://coach.example.com/webhooks/twilio/sms',
    'https://coach.example.com:443/webhooks/twilio/sms?x=1',
    'http://127.0.0.1:3000/webhooks/twilio/status?p=abc&m=def',
    'https://coach.example.com/webhooks/twilio/sms?name=J%C3%BCrgen&q=a b',
  ),
);
const params = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 8 });
const tokens = fc.string({ minLength: 1, maxLength: 40 });

describe('Twilio webhook signature', () => {
  it('computes the same signature as the twilio package', () => {
    fc.assert(
      fc.property(tokens, urls, params, (token, url, form) => {
        expect(twilioSignature(token, url, form)).toBe(twilio.getExpectedTwilioSignature(token, url, form));
      }),
      { numRuns: 500 },
    );
  });

  it('accepts and rejects exactly what the twilio package does, including port variants and forged signatures', () => {
    const signedUrl = fc.tuple(urls, fc.constantFrom('as-is', 'add-port', 'drop-port'));
    fc.assert(
      fc.property(tokens, signedUrl, params, fc.boolean(), fc.string({ maxLength: 30 }), (token, [url, variant], form, forge, forged) => {
        const signedOver =
          variant === 'as-is' ? url : variant === 'drop-port' ? url.replace(/:(80|443)(?=[/?#]|$)/, '') : url.replace(/^(https?:\/\/[^/?#:]+)(?=[/?#]|$)/, (m) => `${m}${m.startsWith('https') ? ':443' : ':80'}`);
        const signature = forge ? forged : twilio.getExpectedTwilioSignature(token, signedOver, form);
        let theirs: boolean;
        try {
          theirs = signature !== '' && twilio.validateRequest(token, signature, url, form);
        } catch {
          theirs = false;
        }
        expect(isSignedByTwilio(token, signature, url, form)).toBe(theirs);
      }),
      { numRuns: 500 },
    );
  });

});
