import type { CounselorApiConfig } from '../config';
import { awsAuthenticator, localAuthenticator, type CounselorAuthenticator } from '../app/counselors/counselor-auth';
import { SIGN_IN_CALLBACK_PATH, type HostedSignIn } from '../domain/sign-in-flow';
import { codeExchanger } from './cognito-token';
import type { CodeExchanger } from '../ports/counselor-tokens';
import { cachedJwks, cognitoIssuer, cognitoJwksUrl, cognitoTokenVerifier } from './cognito-jwks';
import { jwtVerifier, localIssuer } from './local-jwt';
import type { CounselorAccounts } from '../ports/counselor-accounts';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createCognitoCounselorAccounts } from './cognito/cognito-counselor-accounts';
import { loggerOf } from '../ports';
import { createDynamoCounselorStore } from './dynamo/counselor-store';
import { createDynamoStore } from './dynamo/dynamo-store';
import { createDynamoEngagementStore } from './dynamo/engagement-store';
import { tokenSecret } from './secrets';
import { dynamoClientOf } from './dynamo/client';
import type { Services } from './services';
import type { ServicesOptions } from './dispatcher-services';

/**
 * The composition root of the counselors' function (functions/counselor-api.ts): the table, the
 * link key, counselor sign-in and their accounts, and nothing that sends. Invitations are queued
 * for the dispatcher, so this function holds neither SES nor Twilio (nor, in AWS, their grants or
 * the Twilio secret). Kept apart so that token verification (JWT, JWKS, the local issuer) and the
 * hosted sign-in are not built into, or bundled with, functions that never sign a counselor in.
 * The CLI and the local stack use these together with ./services.ts (Services & CounselorServices).
 */
export interface CounselorServices extends Pick<Services, 'store' | 'counselors' | 'engagement' | 'clock' | 'log' | 'tokenSecret' | 'publicBaseUrl'> {
  /** CAN-SPAM's postal address, for the invitations counselors queue. */
  postalAddress: string;
  /** Who is calling /counselor/...: API Gateway's verified claims in AWS, the local issuer locally. */
  counselorAuth: CounselorAuthenticator;
  /** AWS only: Cognito's hosted sign-in for the dashboard (/auth/start, /auth/callback). Unset locally. */
  counselorSignIn?: CounselorSignIn;
  /** The counselors' sign-in accounts, shut when a counselor is removed: Cognito on AWS, none locally. */
  counselorAccounts: CounselorAccounts;
  /** Calling codes whose numbers may get texts (SMS_COUNTRY_CODES): what an announcement's preview counts as textable. */
  smsCountryCodes?: readonly string[];
}

interface CounselorSignIn {
  hosted: HostedSignIn;
  /** Milliseconds the callback waits for Cognito's token endpoint. */
  timeoutMs: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** The token endpoint of a hosted sign-in, as these settings say now (tests change the timeout and the fetch). */
export const codeExchangeOf = (signIn: CounselorSignIn): CodeExchanger => codeExchanger(signIn.hosted, { timeoutMs: signIn.timeoutMs, fetch: signIn.fetch });

/** The local stack has no directory: tokens come from the local issuer, so there is no account to shut. */
const noCounselorAccounts: CounselorAccounts = { disable: async () => ({ accounts: 0 }) };

export async function createCounselorServices(config: CounselorApiConfig, options: ServicesOptions = {}): Promise<CounselorServices> {
  const dynamo = dynamoClientOf(config);
  const clock = options.clock ?? { now: () => new Date() };
  const base = {
    store: createDynamoStore({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
    counselors: createDynamoCounselorStore({ client: dynamo, tableName: config.TABLE_NAME }),
    engagement: createDynamoEngagementStore({ client: dynamo, tableName: config.TABLE_NAME, onCapacity: options.onCapacity }),
    clock,
    log: loggerOf(options),
    tokenSecret: await tokenSecret(config),
    publicBaseUrl: config.PUBLIC_BASE_URL.replace(/\/$/, ''),
    postalAddress: config.POSTAL_ADDRESS,
    smsCountryCodes: config.SMS_COUNTRY_CODES,
  };
  return { ...base, ...counselorSignInOf(config, base) };
}

function counselorSignInOf(
  config: CounselorApiConfig,
  { clock, log, publicBaseUrl }: Pick<Services, 'clock' | 'log' | 'publicBaseUrl'>,
): Pick<CounselorServices, 'counselorAuth' | 'counselorSignIn' | 'counselorAccounts'> {
  const local = Boolean(config.LOCAL_COUNSELOR_JWT_DIR && config.DYNAMODB_ENDPOINT);
  return {
    // Locally tokens come from the local issuer: there is no account to shut (the record check is what refuses).
    counselorAccounts:
      config.COUNSELOR_USER_POOL_ID && !local
        ? createCognitoCounselorAccounts({
            client: new CognitoIdentityProviderClient({ requestHandler: { requestTimeout: config.PROVIDER_TIMEOUT_MS, throwOnRequestTimeout: true } }),
            userPoolId: config.COUNSELOR_USER_POOL_ID,
          })
        : noCounselorAccounts,
    // The local issuer only beside DynamoDB Local: a stray setting in AWS must not swap verifiers.
    counselorAuth:
      local && config.LOCAL_COUNSELOR_JWT_DIR
        ? localAuthenticator(jwtVerifier(localIssuer(config.LOCAL_COUNSELOR_JWT_DIR)), clock, log)
        : awsAuthenticator(
            config.COUNSELOR_USER_POOL_ID && config.COUNSELOR_CLIENT_ID
              ? cognitoTokenVerifier({
                  issuer: cognitoIssuer(config.COUNSELOR_USER_POOL_ID),
                  clientId: config.COUNSELOR_CLIENT_ID,
                  jwks: cachedJwks(cognitoJwksUrl(config.COUNSELOR_USER_POOL_ID), { timeoutMs: config.COUNSELOR_JWKS_TIMEOUT_MS }),
                })
              : undefined,
            clock,
            log,
          ),
    ...(config.COUNSELOR_USER_POOL_ID &&
      config.COUNSELOR_CLIENT_ID &&
      config.COUNSELOR_SIGN_IN_BASE_URL &&
      !config.LOCAL_COUNSELOR_JWT_DIR && {
        counselorSignIn: {
          hosted: { signInBaseUrl: config.COUNSELOR_SIGN_IN_BASE_URL, clientId: config.COUNSELOR_CLIENT_ID, redirectUri: `${publicBaseUrl}${SIGN_IN_CALLBACK_PATH}` },
          timeoutMs: config.PROVIDER_TIMEOUT_MS,
        },
      }),
  };
}
