import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClientOf } from './dynamo/client';
import { createDynamoFormLimits } from './dynamo/dynamo-form-limits';
import type { FormLimits } from '../ports/form-limits';
import type { PublicFormLimits } from '../domain/public-forms';
import type { ApiConfig, DispatcherConfig } from '../config';
import { tokenSecret, twilioCredentials } from './secrets';
import { createSnsClient, snsNetwork, type SnsClient } from './sns';
import { dispatcherServicesOn, type DispatcherServices, type ServicesOptions } from './dispatcher-services';
import { whatsappSetupOf, type WhatsAppSetup } from './whatsapp-setup';

/**
 * What the public API holds: everything the dispatcher holds (it sends too: the sign-up
 * confirmation, the YES text, replies to texts), and what answering people and webhooks needs.
 * Counselor sign-in (verifying tokens, Cognito's hosted sign-in) is added on top by
 * ./counselor-services.ts, for the counselors' function only: this bundle stays without it.
 */
export interface Services extends DispatcherServices {
  /** Where WhatsApp is set up (WHATSAPP_FROM): our number and the approved templates. */
  whatsappSetup?: WhatsAppSetup;
  /** Signs and checks people's links (see shared/domain/tokens.ts). */
  tokenSecret: string;
  // ---- SMS conversation ----
  /** Checks X-Twilio-Signature on Twilio's webhooks: the account's auth token as it is now (rotated tokens are re-read). */
  twilioAuthToken: () => Promise<string>;
  /** Named in the HELP reply: the address part of EMAIL_FROM, where people can write to us. */
  helpAddress: string;
  // ---- Email subscription ----
  /** SES bounce and complaint events, delivered by SNS to POST /webhooks/ses. */
  sesEvents: SesEventSettings;
  /** Calling codes whose numbers may get texts (SMS_COUNTRY_CODES); absent means every country. */
  smsCountryCodes?: readonly string[];
  /** The anonymous sign-up form's caps (counters in the table) and the least time its answer takes. */
  publicForms?: { limits: FormLimits; caps: PublicFormLimits; responseFloorMs: number };
}

interface SesEventSettings {
  sns: SnsClient;
  /** The topic SES publishes to (SES_EVENTS_TOPIC_ARN): the only one subscribed to and read. */
  topicArn?: string;
  /** Local stack only (LOCAL_SES_EVENTS=1 with the SES twin): unsigned events are accepted. */
  acceptUnsigned: boolean;
}

/** "Match Coach <coach@example.org>" -> "coach@example.org". */
export const addressOf = (from: string) => /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ?? from.trim();

/** What createServices reads: the dispatcher's settings, and the public API's where they are given. */
type SendingConfig = DispatcherConfig &
  Partial<
    Pick<
      ApiConfig,
      'SES_EVENTS_TOPIC_ARN' | 'LOCAL_SES_EVENTS' | 'SIGNUP_LIMIT_PER_CLIENT_PER_HOUR' | 'SIGNUP_LIMIT_PER_NUMBER_PREFIX_PER_HOUR' | 'SIGNUP_LIMIT_PER_HOUR' | 'SIGNUP_RESPONSE_FLOOR_MS'
    >
  >;

/**
 * The composition root of the public API (functions/api.ts), also used by the CLI and the local
 * stack, which do what every function does. The dispatcher, the counselors' function and the weekly
 * digest have their own (./dispatcher-services.ts, ./counselor-services.ts, ./digest-services.ts),
 * holding less.
 */
export async function createServices(config: SendingConfig, options: ServicesOptions = {}): Promise<Services> {
  const dynamo = dynamoClientOf(config);
  const sending = await dispatcherServicesOn(dynamo, config, options);
  // Both were read (and cached) just now by the dispatcher's part: these calls do not go out again.
  const secret = await tokenSecret(config);
  const twilio = () => twilioCredentials(config);
  const whatsappSetup = whatsappSetupOf(config);
  return {
    ...sending,
    ...(whatsappSetup && { whatsappSetup }),
    tokenSecret: secret,
    twilioAuthToken: async () => (await twilio()).authToken,
    helpAddress: addressOf(config.EMAIL_FROM),
    sesEvents: {
      sns: createSnsClient(snsNetwork),
      ...(config.SES_EVENTS_TOPIC_ARN && { topicArn: config.SES_EVENTS_TOPIC_ARN }),
      // Only beside the SES twin: a stray LOCAL_SES_EVENTS in AWS must not open the door.
      acceptUnsigned: config.LOCAL_SES_EVENTS === '1' && config.SES_ENDPOINT !== undefined,
    },
    smsCountryCodes: config.SMS_COUNTRY_CODES,
    // The public API's sign-up form (the dispatcher is not told these settings, and needs none).
    ...(config.SIGNUP_LIMIT_PER_HOUR !== undefined && {
      publicForms: {
        limits: createDynamoFormLimits({ doc: DynamoDBDocumentClient.from(dynamo), tableName: config.TABLE_NAME }),
        caps: {
          perClientPerHour: config.SIGNUP_LIMIT_PER_CLIENT_PER_HOUR ?? 20,
          perNumberPrefixPerHour: config.SIGNUP_LIMIT_PER_NUMBER_PREFIX_PER_HOUR ?? 10,
          overallPerHour: config.SIGNUP_LIMIT_PER_HOUR,
        },
        responseFloorMs: config.SIGNUP_RESPONSE_FLOOR_MS ?? 0,
      },
    }),
  };
}
