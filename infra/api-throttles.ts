import { SES_EVENTS_DELIVERY_POLICY } from './email-events';

/**
 * The HTTP API's throttles, per route, so that no caller can use up another's allowance: before,
 * one stage-wide limit was shared by the sign-up form and the Twilio and SNS webhooks, so a flood
 * of form posts could answer inbound STOP and crisis texts with 429s (and Twilio does not retry a
 * refused status callback). API Gateway keeps a token bucket per route for the routes named here
 * (the stage's route settings); every other request ($default: pages, people's links, /health)
 * has the stage's default. All of them also share the account's regional limit (10,000 requests a
 * second by default), which no setting here can reserve.
 *
 * To tune: change the numbers below (or the SMS and WhatsApp rates they follow, context
 * `smsRatePerSecond` and `whatsappRatePerSecond`) and
 * deploy the stateless stack; DEPLOY.md ("Throttles") has the table and an emergency command.
 */
export interface Throttle {
  /** Requests a second, steady. */
  rateLimit: number;
  /** Requests at once, above the steady rate, for a moment. */
  burstLimit: number;
}

/** The public API's routes that get a bucket of their own: the API function serves them, like $default. */
export const PUBLIC_THROTTLED_ROUTES = {
  /** Inbound texts and WhatsApp messages: replies, STOP, HELP and crisis messages. People answer a broadcast in waves. */
  twilioInbound: 'POST /webhooks/twilio/sms',
  /** Delivery callbacks: up to three per text we send (queued, sent, delivered), four per WhatsApp message (and read). */
  twilioStatus: 'POST /webhooks/twilio/status',
  /** SES bounces and complaints through SNS. */
  sesEvents: 'POST /webhooks/ses',
  /** The anonymous sign-up form: the route a flood is most likely to use, and the lowest. */
  signUp: 'POST /subscribe',
  /** Forms behind people's signed links. */
  confirm: 'POST /confirm/{token}',
  preferences: 'POST /preferences/{token}',
  unsubscribe: 'POST /unsubscribe/{token}',
  plan: 'POST /plan/{token}',
} as const;

/** The counselors' routes (infra/handlers.ts COUNSELOR_API_ROUTE_PATHS), each with a bucket of its own. */
export const COUNSELOR_THROTTLED_ROUTES = ['ANY /counselor/{proxy+}', 'ANY /dashboard', 'ANY /dashboard/{proxy+}', 'ANY /auth/{proxy+}'] as const;

const twice = (rateLimit: number): Throttle => ({ rateLimit, burstLimit: 2 * rateLimit });

export interface ApiThrottles {
  /** Pages, people's links and /health: the stage's default route settings. */
  stageDefault: Throttle;
  /** Route key -> its own bucket (the stage's RouteSettings). */
  routes: Record<string, Throttle>;
}

/**
 * The limits for the given sending rates (texts and WhatsApp messages a second the senders take;
 * Twilio's callbacks and people's replies follow them). Without WhatsApp, its rate is 0.
 */
export function apiThrottles(smsPerSecond: number, whatsappPerSecond = 0): ApiThrottles {
  const phonePerSecond = smsPerSecond + whatsappPerSecond;
  const sesPerSecond = SES_EVENTS_DELIVERY_POLICY.throttlePolicy?.maxReceivesPerSecond ?? 10;
  const counselors = twice(10);
  return {
    stageDefault: twice(25),
    routes: {
      // Replies come from people, not from our pace: a generous floor, growing with the sender.
      [PUBLIC_THROTTLED_ROUTES.twilioInbound]: { rateLimit: 20 + 2 * phonePerSecond, burstLimit: 100 + 4 * phonePerSecond },
      [PUBLIC_THROTTLED_ROUTES.twilioStatus]: twice(5 + 3 * smsPerSecond + 4 * whatsappPerSecond),
      // SNS sends at most this many a second (infra/email-events.ts); twice that leaves room for its retries.
      [PUBLIC_THROTTLED_ROUTES.sesEvents]: twice(2 * sesPerSecond),
      [PUBLIC_THROTTLED_ROUTES.signUp]: { rateLimit: 5, burstLimit: 10 },
      [PUBLIC_THROTTLED_ROUTES.confirm]: twice(10),
      [PUBLIC_THROTTLED_ROUTES.preferences]: twice(10),
      [PUBLIC_THROTTLED_ROUTES.unsubscribe]: twice(10),
      [PUBLIC_THROTTLED_ROUTES.plan]: twice(10),
      ...Object.fromEntries(COUNSELOR_THROTTLED_ROUTES.map((key) => [key, counselors])),
    },
  };
}
