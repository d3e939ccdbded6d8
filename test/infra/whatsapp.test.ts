import { createApp } from '../../infra/app';
import { apiThrottles, PUBLIC_THROTTLED_ROUTES } from '../../infra/api-throttles';
import { build, PROD_CONTEXT, type Resources, SKIP_BUNDLING } from './context';

/**
 * WhatsApp on AWS: given `whatsappFrom`, the two functions that send (the dispatcher and the
 * public API) are told the sender, the approved templates and the rate, and nothing else is; the
 * Twilio webhooks' throttles make room for WhatsApp's replies and callbacks; a template name the
 * repository never submitted fails the synth.
 */

const sid = (n: number) => `HX${n.toString(16).padStart(32, '0')}`;
const WHATSAPP = { whatsappFrom: 'whatsapp:+15551234567', whatsappTemplates: `deadline_alert=${sid(1)},coaching_nudge=${sid(2)}`, whatsappRatePerSecond: '20' };

describe('WhatsApp on AWS', () => {
  const app = build({ ...PROD_CONTEXT, ...WHATSAPP });
  const functions = Object.values(app.stateless.findResources('AWS::Lambda::Function') as Resources).map((fn) => fn.Properties.Environment.Variables as Record<string, unknown>);
  const byName = (name: string) => functions.find((v) => v.POWERTOOLS_SERVICE_NAME === name)!;

  test('the dispatcher and the public API are told the sender, the templates and the rate; no other function is', () => {
    for (const name of ['dispatcher', 'api']) {
      expect(byName(name)).toMatchObject({ WHATSAPP_FROM: WHATSAPP.whatsappFrom, WHATSAPP_TEMPLATES: WHATSAPP.whatsappTemplates, WHATSAPP_RATE_PER_SECOND: '20' });
    }
    for (const name of ['counselorApi', 'weeklyDigest']) expect(Object.keys(byName(name)).filter((k) => k.startsWith('WHATSAPP_'))).toEqual([]);
  });

  test('the Twilio webhooks get room for WhatsApp replies and its four callbacks a message', () => {
    const expected = apiThrottles(1, 20).routes;
    expect(expected[PUBLIC_THROTTLED_ROUTES.twilioStatus]!.rateLimit).toBe(5 + 3 + 80);
    const stage = Object.values(app.stateless.findResources('AWS::ApiGatewayV2::Stage') as Resources)[0]!;
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number }>;
    expect(settings[PUBLIC_THROTTLED_ROUTES.twilioStatus]!.ThrottlingRateLimit).toBe(expected[PUBLIC_THROTTLED_ROUTES.twilioStatus]!.rateLimit);
    expect(settings[PUBLIC_THROTTLED_ROUTES.twilioInbound]!.ThrottlingRateLimit).toBe(expected[PUBLIC_THROTTLED_ROUTES.twilioInbound]!.rateLimit);
  });

  test('without whatsappFrom nothing about WhatsApp is set', () => {
    const without = build(PROD_CONTEXT);
    const variables = Object.values(without.stateless.findResources('AWS::Lambda::Function') as Resources).flatMap((fn) => Object.keys(fn.Properties.Environment.Variables));
    expect(variables.filter((k) => k.startsWith('WHATSAPP_'))).toEqual([]);
  });

  test.each([
    ['a template the repository never submitted', { ...WHATSAPP, whatsappTemplates: `welcome_offer=${sid(3)}` }, /whatsappTemplates.*welcome_offer/],
    ['a SID that is not a Content SID', { ...WHATSAPP, whatsappTemplates: 'deadline_alert=MG123' }, /whatsappTemplates/],
    ['a sender that is not a WhatsApp address', { ...WHATSAPP, whatsappFrom: '+15551234567' }, /whatsappFrom/],
  ])('refuses to synthesize with %s', (_what, context, message) => {
    expect(() => createApp({ context: { ...SKIP_BUNDLING, ...PROD_CONTEXT, ...context } })).toThrow(message);
  });
});
