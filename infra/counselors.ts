import { Aws, CfnOutput, Duration, Fn, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { SIGN_IN_CALLBACK_PATH } from '../shared/domain/sign-in-flow';
import { COUNSELOR_ID_ATTRIBUTE, ORG_ATTRIBUTE } from '../shared/app/counselors/counselor-token-claims';
import { orgPk } from '../shared/adapters/dynamo/keys';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/** What the token trigger may read: organisations' partitions, where counselor records live (keys.ts). */
export const TOKEN_TRIGGER_READS = orgPk('*');
import { FunctionEnvironment, ServiceFunction } from './service-function';

/**
 * Counselors sign in with Cognito; the HTTP API checks their access token before the API function
 * runs (a JWT authorizer on `/counselor/{proxy+}`). People receiving coaching never sign in: their
 * links carry signed tokens, and Twilio and SNS sign their webhooks.
 */

/** The resource server and scope a counselor's access token must carry. */
export const COUNSELOR_RESOURCE_SERVER = 'matchcoach';
export const COUNSELOR_SCOPE_NAME = 'counselor';
export const COUNSELOR_SCOPE = `${COUNSELOR_RESOURCE_SERVER}/${COUNSELOR_SCOPE_NAME}`;
/** Groups the counselor API reads from the token's `cognito:groups` claim. */
export const COUNSELOR_GROUPS = { counselors: 'counselors', admins: 'admins' } as const;
/** Where the hosted sign-in returns to, under the public base URL; outside /counselor/ (a browser
 * following a redirect sends no bearer token). */
export { SIGN_IN_CALLBACK_PATH };

/** The custom attribute holding a counselor's organisation (`custom:orgId`), set by admins only. */
export const ORG_ATTRIBUTE_NAME = ORG_ATTRIBUTE.replace(/^custom:/, '');
/** The custom attribute holding the counselor's id in our records (`custom:counselorId`), set by admins only. */
export const COUNSELOR_ID_ATTRIBUTE_NAME = COUNSELOR_ID_ATTRIBUTE.replace(/^custom:/, '');

export interface CounselorDirectoryProps {
  readonly stage: string;
  /** The table holding counselor records, which the token trigger reads (and nothing else). */
  readonly table: dynamodb.ITable;
  readonly removalPolicy: RemovalPolicy;
  /** What happens to the token trigger's log group when the stack goes. */
  readonly logRemovalPolicy: RemovalPolicy;
  readonly logRetention?: logs.RetentionDays;
  readonly deletionProtection: boolean;
}

/**
 * The user pool and what belongs to it (groups, the API's scope, the hosted sign-in domain):
 * stateful, since it holds the counselors' accounts and MFA enrolments.
 */
export class CounselorDirectory extends Construct {
  readonly userPool: cognito.UserPool;
  readonly domain: cognito.UserPoolDomain;
  /** Cognito's pre-token-generation trigger: puts `custom:orgId` and the role into access tokens. */
  readonly tokenClaims: ServiceFunction;

  constructor(scope: Construct, id: string, props: CounselorDirectoryProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Counselors are invited by an admin (DEPLOY.md), never sign themselves up: the pool guards
      // crisis alerts and journals of people in distress.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      // TOTP apps only: SMS codes would need an SNS spending limit and are phishable.
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // The organisation every counselor record and request is scoped to. Set by an admin
      // (admin-create-user, DEPLOY.md); the app client may not write it (CounselorApi), so a
      // counselor cannot move themselves into another organisation. Mutable only so that an
      // admin with IAM rights can correct a mistake without deleting the account.
      // The counselor's id in our records goes with it, so the token names the record the API checks.
      customAttributes: {
        [ORG_ATTRIBUTE_NAME]: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        [COUNSELOR_ID_ATTRIBUTE_NAME]: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      // Plus tier for threat protection (compromised-credential checks, adaptive authentication)
      // enforced, not audited: at $0.02 per monthly active user it costs cents for a few dozen
      // counselors, and these accounts can read crisis alerts.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: `Your Match Coach counselor account${props.stage === 'prod' ? '' : ` (${props.stage})`}`,
        emailBody:
          'You have been invited to Match Coach as a counselor. Your user name is {username} and your ' +
          'temporary password is {####}. You will choose a new password and set up an authenticator app ' +
          'at first sign-in.',
      },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    // Access tokens carry no user attributes: this trigger (event V2_0, which needs the Essentials
    // or Plus feature plan, Plus above) copies the org, counselor id and role into them, and
    // refuses anyone the organisation has no counselor record of. Cognito calls it synchronously on
    // every sign-in and refresh, and fails that sign-in if it fails. It reads counselor records
    // only: item reads on organisations' partitions, nothing else of the table, no writes.
    this.tokenClaims = new ServiceFunction(this, 'TokenClaims', {
      handler: 'counselorToken',
      description: "Puts the counselor's organisation and role into Cognito access tokens",
      serviceName: 'counselorToken',
      memorySize: 256,
      // Cognito gives a trigger 5 seconds; it reads one item.
      timeout: Duration.seconds(5),
      logRemovalPolicy: props.logRemovalPolicy,
      logRetention: props.logRetention,
      environment: new FunctionEnvironment().table(props.table, { readPartitions: [TOKEN_TRIGGER_READS] }),
      invocation: { kind: 'sync', caller: 'Cognito, during sign-in and token refresh; a failure fails that sign-in and the counselor retries' },
    });
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.tokenClaims.function, cognito.LambdaVersion.V2_0);

    for (const [id, groupName] of Object.entries(COUNSELOR_GROUPS)) {
      new cognito.CfnUserPoolGroup(this, `Group${id[0]!.toUpperCase()}${id.slice(1)}`, {
        userPoolId: this.userPool.userPoolId,
        groupName,
        description: groupName === 'admins' ? 'Invite counselors, see every alert' : 'See and act on their cohort and its alerts',
      });
    }

    this.userPool.addResourceServer('CounselorApi', {
      identifier: COUNSELOR_RESOURCE_SERVER,
      userPoolResourceServerName: 'Match Coach counselor API',
      scopes: [new cognito.ResourceServerScope({ scopeName: COUNSELOR_SCOPE_NAME, scopeDescription: 'Use the counselor API' })],
    });

    // Custom scopes only appear in tokens issued by the OAuth endpoints, which need a domain. The
    // prefix must be unique in the region, so it ends with a piece of this stack's own id rather
    // than a name someone chose (no hard-coded physical names; two stages never collide).
    const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    this.domain = this.userPool.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: `matchcoach-${props.stage}-${Fn.select(0, Fn.split('-', stackUuid))}` },
    });

    const stack = Stack.of(this);
    new CfnOutput(stack, 'CounselorUserPoolId', { value: this.userPool.userPoolId, description: 'Create the first admin here (DEPLOY.md)' });
    new CfnOutput(stack, 'CounselorSignInBaseUrl', { value: this.domain.baseUrl(), description: 'Hosted sign-in for counselors' });
  }
}

export interface CounselorApiProps {
  readonly userPool: cognito.IUserPool;
  readonly httpApi: apigwv2.HttpApi;
  /** Public base URL without a trailing slash (a token in dev, where it is the API's own). */
  readonly publicBaseUrl: string;
}

/**
 * The counselors' app client and the authorizer on their part of the API. Stateless: the client
 * carries the callback URL, which in dev is the API's own address.
 */
export class CounselorApi extends Construct {
  readonly client: cognito.UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  private readonly httpApi: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: CounselorApiProps) {
    super(scope, id);
    this.httpApi = props.httpApi;

    // A browser app: authorization code with PKCE, no client secret to leak.
    this.client = new cognito.UserPoolClient(this, 'Client', {
      userPool: props.userPool,
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.custom(COUNSELOR_SCOPE)],
        callbackUrls: [`${props.publicBaseUrl}${SIGN_IN_CALLBACK_PATH}`],
        logoutUrls: [`${props.publicBaseUrl}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      // Counselors may change their email, nothing else: `custom:orgId` and `custom:counselorId`
      // are the admin's to set, since the API trusts them as the caller's organisation and record.
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(ORG_ATTRIBUTE_NAME, COUNSELOR_ID_ATTRIBUTE_NAME),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // A working day: a counselor signs in once a shift, and a lost laptop stops working by night.
      refreshTokenValidity: Duration.hours(12),
    });

    // Cognito access tokens carry no `aud`; API Gateway then checks `client_id` against the
    // audience, and the route's scopes against `scope`.
    const issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${props.userPool.userPoolId}`;
    this.authorizer = new HttpJwtAuthorizer('CounselorJwt', issuer, {
      jwtAudience: [this.client.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });
  }

  /**
   * Sends `/counselor/{proxy+}` to the integration behind the authorizer. Separate from the
   * constructor because the API function needs the client id (it verifies the dashboard's cookie
   * itself) before its integration exists.
   */
  routeTo(integration: apigwv2.HttpRouteIntegration): apigwv2.HttpRoute[] {
    return this.httpApi.addRoutes({
      path: '/counselor/{proxy+}',
      methods: [apigwv2.HttpMethod.ANY],
      integration,
      authorizer: this.authorizer,
      authorizationScopes: [COUNSELOR_SCOPE],
    });
  }
}
