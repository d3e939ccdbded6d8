import type { Config } from '../config';
import { awsAuthenticator, localAuthenticator, type CounselorAuthenticator } from '../app/counselor-auth';
import { SIGN_IN_CALLBACK_PATH, type HostedSignIn } from '../domain/sign-in-flow';
import { cachedJwks, cognitoIssuer, cognitoJwksUrl } from './cognito-jwks';
import { localIssuer } from './local-jwt';
import type { CounselorAccounts } from '../ports/counselor-accounts';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createCognitoCounselorAccounts } from './cognito/cognito-counselor-accounts';
import { createServices, type Services, type ServicesOptions } from './services';

/**
 * The composition root for the counselors' side (functions/counselor-api.ts, the CLI's counselor
 * commands): every service of ./services.ts plus counselor sign-in. Kept apart so that token
 * verification (JWT, JWKS, the local issuer) and the hosted sign-in are not built into, or bundled
 * with, functions that never sign a counselor in (issue 7: the public API's cold start).
 */
export interface CounselorServices extends Services {
  /** Who is calling /counselor/...: API Gateway's verified claims in AWS, the local issuer locally. */
  counselorAuth: CounselorAuthenticator;
  /** AWS only: Cognito's hosted sign-in for the dashboard (/auth/start, /auth/callback). Unset locally. */
  counselorSignIn?: CounselorSignIn;
  /** The counselors' sign-in accounts, shut when a counselor is removed: Cognito on AWS, none locally. */
  counselorAccounts: CounselorAccounts;
}

export interface CounselorSignIn {
  hosted: HostedSignIn;
  /** Milliseconds the callback waits for Cognito's token endpoint. */
  timeoutMs: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** The local stack has no directory: tokens come from the local issuer, so there is no account to shut. */
const noCounselorAccounts: CounselorAccounts = { disable: async () => ({ accounts: 0 }) };

export async function createCounselorServices(config: Config, options: ServicesOptions = {}): Promise<CounselorServices> {
  const services = await createServices(config, options);
  return { ...services, ...counselorSignInOf(config, services) };
}

function counselorSignInOf(
  config: Config,
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
        ? localAuthenticator(localIssuer(config.LOCAL_COUNSELOR_JWT_DIR), clock, log)
        : awsAuthenticator(
            config.COUNSELOR_USER_POOL_ID && config.COUNSELOR_CLIENT_ID
              ? {
                  issuer: cognitoIssuer(config.COUNSELOR_USER_POOL_ID),
                  clientId: config.COUNSELOR_CLIENT_ID,
                  jwks: cachedJwks(cognitoJwksUrl(config.COUNSELOR_USER_POOL_ID), { timeoutMs: config.COUNSELOR_JWKS_TIMEOUT_MS }),
                }
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
