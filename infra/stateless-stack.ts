import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, TimeZone, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CounselorApi } from './counselors';
import { notificationKey } from '../shared/adapters/dynamo/keys';
import { COUNSELOR_API_ROUTE_PATHS } from './handlers';
import { apiThrottles, PUBLIC_THROTTLED_ROUTES } from './api-throttles';
import { subscribeApiToEmailEvents } from './email-events';
import { Operations } from './observability';
import { FunctionEnvironment, ServiceFunction } from './service-function';
import type { StageName } from './stateful-stack';

/** Settings that are values, not resources; app.ts reads them from context. */
export interface DeliverySettings {
  /** `Name <address@domain>`; SES must have the sending identity verified. */
  readonly emailFrom: string;
  /** The verified SES identity sending is scoped to. @default the domain of emailFrom */
  readonly sesIdentity?: string;
  /** Physical address printed in every email (CAN-SPAM). */
  readonly postalAddress: string;
  /** E.164 sending number or Messaging Service SID. */
  readonly twilioFrom: string;
  /** Base of links in messages and of Twilio callbacks. @default the HTTP API's own URL */
  readonly publicBaseUrl?: string;
  /**
   * ACM certificate (same region) for the host of publicBaseUrl: the stack then maps that host to
   * the API, and the operator points DNS at the output PublicDomainTarget. Without it the operator
   * routes publicBaseUrl to the API some other way (or uses the API's own URL, the dev default).
   */
  readonly certificateArn?: string;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
  /** Reserved concurrency of the dispatcher; undefined leaves it uncapped (see DEPLOY.md). */
  readonly dispatcherReservedConcurrency?: number;
  /**
   * WhatsApp through Twilio (DEPLOY.md, WhatsApp): the sender, the approved templates' Content
   * SIDs (`name=HX...`, comma separated) and the sender's rate. Absent: no WhatsApp.
   */
  readonly whatsapp?: { readonly from: string; readonly templates: string; readonly perSecond: number };
  /** The providers' limits for this account, which the shared send budget enforces. */
  readonly pacing: {
    /** Twilio: about 1/s for a long code, 3/s toll-free, 100/s short code, 10DLC by trust score. */
    readonly smsPerSecond: number;
    /** SES: the account's maximum send rate (1/s in the sandbox, 14/s to start in production). */
    readonly emailPerSecond: number;
    /** SES: the account's 24-hour quota (200 in the sandbox, 50,000 to start). */
    readonly emailDailyQuota: number;
  };
}

export interface StatelessStackProps extends StackProps {
  readonly stage: StageName;
  readonly table: dynamodb.ITable;
  readonly twilioSecret: secretsmanager.ISecret;
  readonly appSecret: secretsmanager.ISecret;
  readonly counselorPool: cognito.IUserPool;
  /** The pool's hosted sign-in domain (`https://<prefix>.auth.<region>.amazoncognito.com`), for /auth/start. */
  readonly counselorSignInBaseUrl: string;
  /** The pool's token trigger (in the stateful stack, beside its pool): alarmed here with the rest. */
  readonly counselorTokenClaims: ServiceFunction;
  readonly sesConfigurationSet: ses.IConfigurationSet;
  readonly sesEventsTopic: sns.ITopic;
  readonly settings: DeliverySettings;
}

// The dispatcher stops taking new work DISPATCH_BUDGET_MARGIN before its timeout, and a claimed
// message's lease outlives the longest possible invocation, so a live send is never taken over.
export const DISPATCHER_TIMEOUT = Duration.seconds(60);
const DISPATCH_BUDGET_MARGIN = Duration.seconds(10);
const DISPATCH_LEASE = Duration.seconds(DISPATCHER_TIMEOUT.toSeconds() * 2);

/** The one partition pattern the weekly digest may write: the notification ledger's (keys.ts names it). */
export const WEEKLY_DIGEST_WRITES = notificationKey('*').pk;

/** Reserved concurrency of the dispatcher unless context says otherwise (see app.ts). */
export const DEFAULT_DISPATCHER_CONCURRENCY = 2;

/**
 * What can be redeployed at will: the functions, the HTTP API (with the counselors' authorizer),
 * the every-minute schedule, the SES events subscription, the dead-letter queues, the alarms and
 * the dashboard. All state comes in through props from the stateful stack.
 */
export class StatelessStack extends Stack {
  readonly dispatcher: ServiceFunction;
  readonly api: ServiceFunction;
  /** The counselors' side of the HTTP API (/counselor/*, /dashboard, /auth/*), a function of its own. */
  readonly counselorApiFunction: ServiceFunction;
  readonly weeklyDigest: ServiceFunction;
  readonly httpApi: apigwv2.HttpApi;
  readonly httpStage: apigwv2.HttpStage;
  readonly deadLetters: sqs.Queue;
  readonly notificationDeadLetters: sqs.Queue;
  readonly alarmTopic: sns.Topic;
  readonly counselorApi: CounselorApi;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { settings, stage } = props;
    const logRemovalPolicy = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // The HTTP API comes first because, unless a public URL is configured, links point at the
    // API itself. Its URL depends only on the API id, so the functions can carry it without a cycle.
    //
    // No AWS WAF: WAF cannot be attached to an HTTP API at all (only to REST APIs, CloudFront,
    // ALB, AppSync, Cognito and a few others), so it would take a CloudFront distribution in front,
    // a web ACL ($5/month), rules ($1 each) and per-request fees, for an API whose every route
    // already authenticates in code (Twilio and SNS signatures, HMAC link tokens, JWTs) and whose
    // stage throttle caps floods. The case that would change this is abuse of the public sign-up
    // form (confirmation emails to strangers hurt SES reputation): DEPLOY.md says when and how.
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `Match Coach ${stage}: Twilio and SES webhooks, sign-up and people's links, the counselors' API and dashboard`,
      createDefaultStage: false,
    });
    const throttles = apiThrottles(settings.pacing.smsPerSecond, settings.whatsapp?.perSecond ?? 0);
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: logRemovalPolicy,
    });
    this.httpStage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // The default bucket, for routes without one of their own: pages, people's links, /health.
      // The webhooks and forms have theirs (infra/api-throttles.ts, set below once the routes exist).
      throttle: throttles.stageDefault,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No path and no query string: they can carry tokens, phone numbers or emails. No claims
        // either: the counselor's id is in the API function's own logs when it matters.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            sourceIp: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    // The API's own address without a trailing slash: the base of links in dev and of the SES
    // events subscription everywhere.
    const apiBaseUrl = `https://${this.httpApi.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    const publicBaseUrl = settings.publicBaseUrl?.replace(/\/$/, '') ?? apiBaseUrl;
    if (settings.certificateArn) this.mapPublicDomain(settings);

    // Encrypted at rest with SQS-managed keys, which EventBridge Scheduler, Lambda and SNS can
    // write to without a key policy.
    const deadLetterQueue = (queueId: string, what: string) => {
      const queue = new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
        Validations.of(queue).acknowledge({
          id: rule,
          reason: `This queue is itself a dead-letter queue (${what}); a DLQ behind a DLQ adds nothing. Its depth is alarmed instead.`,
        });
      }
      return queue;
    };
    // Event envelopes only (ids and times), never message content.
    this.deadLetters = deadLetterQueue(
      'DispatchDeadLetters',
      "for the two schedules (dispatch, weekly digest) and their functions' failed async invocations",
    );
    // SNS deliveries that failed for good: SES bounce/complaint events (these name recipients, for
    // 14 days, encrypted) and alarm emails.
    this.notificationDeadLetters = deadLetterQueue(
      'NotificationDeadLetters',
      'for SNS deliveries that failed for good: SES events to the API, alarm emails',
    );

    // Each function is told (and granted) what its own configuration reads, nothing more
    // (shared/config.ts FUNCTION_CONFIG; ServiceFunction checks it at synth). Only the two that
    // send hold the Twilio secret and SES; only they and the counselors' function the link key.
    const sending = () => {
      const environment = new FunctionEnvironment()
        .table(props.table)
        .secret(props.twilioSecret)
        .appSecret(props.appSecret)
        .email({ from: settings.emailFrom, identity: settings.sesIdentity, configurationSet: props.sesConfigurationSet })
        .setting('POSTAL_ADDRESS', settings.postalAddress)
        .setting('TWILIO_FROM', settings.twilioFrom)
        .setting('PUBLIC_BASE_URL', publicBaseUrl)
        // The same limits in both: they share one send budget in the table.
        .setting('SMS_RATE_PER_SECOND', settings.pacing.smsPerSecond)
        .setting('EMAIL_RATE_PER_SECOND', settings.pacing.emailPerSecond)
        .setting('EMAIL_DAILY_QUOTA', settings.pacing.emailDailyQuota);
      // WhatsApp: the same Twilio account and secret; its own sender, templates and rate.
      if (settings.whatsapp) {
        environment.setting('WHATSAPP_FROM', settings.whatsapp.from).setting('WHATSAPP_RATE_PER_SECOND', settings.whatsapp.perSecond);
        if (settings.whatsapp.templates) environment.setting('WHATSAPP_TEMPLATES', settings.whatsapp.templates);
      }
      return environment;
    };

    // Concurrency: how fast we send is governed by the shared send budget in DynamoDB,
    // which every dispatcher draws on, so overlapping ticks cannot exceed Twilio's or SES's rate
    // and the dispatcher need not be a singleton. The cap (2: the tick running and the next one)
    // is there so that Scheduler retries, a manual invoke or a slow provider cannot stampede
    // dozens of dispatchers onto the table and the providers at once.
    this.dispatcher = new ServiceFunction(this, 'Dispatcher', {
      handler: 'dispatcher',
      description: 'Sends the plan messages that are due, every minute',
      serviceName: 'dispatcher',
      memorySize: 512,
      timeout: DISPATCHER_TIMEOUT,
      reservedConcurrency: settings.dispatcherReservedConcurrency,
      logRemovalPolicy,
      environment: sending()
        .setting('DISPATCH_MAX_SECONDS', DISPATCHER_TIMEOUT.minus(DISPATCH_BUDGET_MARGIN).toSeconds())
        .setting('DISPATCH_LEASE_SECONDS', DISPATCH_LEASE.toSeconds()),
      // Retries: none by Lambda. The next tick a minute later reads the same due index, so a retry
      // would only duplicate that work; a failed tick is recorded in the dead-letter queue instead.
      // A tick that waited two minutes (throttled at the cap) is stale for the same reason.
      invocation: { kind: 'async', retryAttempts: 0, maxEventAge: Duration.minutes(2), onFailure: this.deadLetters },
    });

    // Counselors: each counselor's weekly digest of their cohorts, for every organisation.
    this.weeklyDigest = new ServiceFunction(this, 'WeeklyDigest', {
      handler: 'weeklyDigest',
      description: "Emails each counselor the weekly digest of their organisation's cohorts",
      serviceName: 'weeklyDigest',
      memorySize: 512,
      // One report per cohort and one email per counselor and cohort, one after another: minutes
      // for hundreds of cohorts, well inside Lambda's 15-minute limit.
      timeout: Duration.minutes(10),
      logRemovalPolicy,
      // It reads reports and emails counselors: SES, no Twilio, no link key. Its only writes are the
      // notification ledger's (one digest per counselor, cohort and week), so it may write nothing else.
      environment: new FunctionEnvironment()
        .table(props.table, { writePartitions: [WEEKLY_DIGEST_WRITES] })
        .email({ from: settings.emailFrom, identity: settings.sesIdentity, configurationSet: props.sesConfigurationSet })
        .setting('POSTAL_ADDRESS', settings.postalAddress)
        .setting('PUBLIC_BASE_URL', publicBaseUrl),
      // Retries: two, by Lambda, after a failed digest. Safe because the notification ledger sends
      // each digest once a week, so a retry sends only what failed. A run a day late is still this
      // week's digest; one older than that goes to the dead-letter queue (alarmed).
      invocation: { kind: 'async', retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: this.deadLetters },
    });

    // Counselors: the app client and the JWT authorizer. The counselors' function is told
    // the pool and client so that it can verify the dashboard's cookie itself: browsers send a
    // cookie, not a bearer header, so /dashboard and /auth have routes without the authorizer.
    this.counselorApi = new CounselorApi(this, 'Counselors', {
      userPool: props.counselorPool,
      httpApi: this.httpApi,
      publicBaseUrl,
    });

    this.api = new ServiceFunction(this, 'Api', {
      handler: 'api',
      description: 'HTTP API, public side: Twilio and SES webhooks, sign-up and links',
      serviceName: 'api',
      memorySize: 512,
      // Below the HTTP API's 30 s integration limit, above one provider call.
      timeout: Duration.seconds(20),
      logRemovalPolicy,
      // No Cognito settings: no public route verifies a counselor.
      environment: sending().sesEvents(props.sesEventsTopic),
      invocation: {
        kind: 'sync',
        caller: 'API Gateway; Twilio and SNS retry a failed webhook, a person retries a page',
      },
    });

    // The counselors' side in a function of its own (csv-parse, the dashboard pages and the cohort
    // reports stay out of the public function's bundle and cold start). It sends nothing itself
    // (invitations are queued messages, which the dispatcher sends), so it holds neither the Twilio
    // secret nor SES: the table, the link key (sign-in state, invitation links), the pool it verifies
    // tokens against and may shut a removed counselor's accounts in.
    this.counselorApiFunction = new ServiceFunction(this, 'CounselorApi', {
      handler: 'counselorApi',
      description: "HTTP API, counselors' side: the counselor API, the dashboard and its sign-in",
      serviceName: 'counselorApi',
      memorySize: 512,
      // Below the HTTP API's 30 s integration limit: a large CSV import reads, writes and queues
      // invitations for up to that.
      timeout: Duration.seconds(20),
      logRemovalPolicy,
      environment: new FunctionEnvironment()
        .table(props.table)
        .appSecret(props.appSecret)
        .setting('POSTAL_ADDRESS', settings.postalAddress)
        .setting('PUBLIC_BASE_URL', publicBaseUrl)
        .counselorDirectory(props.counselorPool)
        .setting('COUNSELOR_CLIENT_ID', this.counselorApi.client.userPoolClientId)
        .setting('COUNSELOR_SIGN_IN_BASE_URL', props.counselorSignInBaseUrl),
      invocation: {
        kind: 'sync',
        caller: 'API Gateway; a counselor retries a page or a request',
      },
    });

    // The API function is the default integration: the `$default` route takes every method and
    // path, and the handler routes inside (one function, one cold start to keep warm).
    const integration = new HttpLambdaIntegration('ApiIntegration', this.api.function);
    const defaultRoute = new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration,
    });
    Validations.of(defaultRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'These routes are public by design: their callers are Twilio (webhooks), SNS (SES events) and people ' +
        'following links in emails and texts or using the sign-up form, none of which can present an IAM, JWT ' +
        'or Lambda-authorizer credential. Each route authenticates in the handler instead: Twilio webhooks by ' +
        'X-Twilio-Signature, SES events by the SNS signature and topic, links by an HMAC token; sign-up and ' +
        '/health are open. Counselor routes have the JWT authorizer. Throttled at the stage.',
    });

    // The webhooks and the public forms: routes of their own (to the same function) only so that
    // each has its own throttle bucket; the handler routes inside exactly as for $default.
    const publicRoutes = Object.values(PUBLIC_THROTTLED_ROUTES).map((routeKey) => {
      const [method, routePath] = routeKey.split(' ') as [keyof typeof apigwv2.HttpMethod, string];
      const route = new apigwv2.HttpRoute(this, `PublicRoute${routePath.replace(/\{token\}/, 'Token').replace(/[^A-Za-z]/g, '')}`, {
        httpApi: this.httpApi,
        routeKey: apigwv2.HttpRouteKey.with(routePath, apigwv2.HttpMethod[method]),
        integration,
      });
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'A public route by design, split from $default only for its own throttle: its callers (Twilio, SNS, people ' +
          'following signed links or using the sign-up form) cannot present an IAM, JWT or Lambda-authorizer credential. ' +
          'The handler authenticates it (X-Twilio-Signature, the SNS signature, the HMAC link token) as on $default.',
      });
      return route;
    });

    // Counselors: more specific routes than `$default`, to the counselors' function.
    // On /counselor/{proxy+} API Gateway checks the access token (issuer, client, scope) first.
    const counselorIntegration = new HttpLambdaIntegration('CounselorApiIntegration', this.counselorApiFunction.function);
    // The dashboard and its sign-in: a browser sends a cookie, not a bearer token, so these have
    // no authorizer and the handler verifies the cookie (and the sign-in's state) itself.
    const counselorRoutes = this.counselorApi.routeTo(counselorIntegration);
    for (const routePath of COUNSELOR_API_ROUTE_PATHS.filter((p) => p !== '/counselor/{proxy+}')) {
      const id = `CounselorPagesRoute${routePath.replace(/\{proxy\+\}/, 'Proxy').replace(/[^A-Za-z]/g, '')}`;
      const route = new apigwv2.HttpRoute(this, id, {
        httpApi: this.httpApi,
        routeKey: apigwv2.HttpRouteKey.with(routePath, apigwv2.HttpMethod.ANY),
        integration: counselorIntegration,
      });
      counselorRoutes.push(route);
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "The counselors' dashboard and its sign-in are opened by a browser, which sends a cookie, not a bearer " +
          'token an API Gateway authorizer could check. The handler verifies the cookie (a Cognito access token ' +
          "checked against the pool's keys, client and scope) on every dashboard page, and the sign-in's state " +
          'and PKCE verifier on /auth/*; the sign-in page itself is open. Throttled at the stage.',
      });
    }

    // Each throttled route's own bucket (CloudFormation's own spelling: this property is passed through as JSON).
    // The stage may name only routes that exist, so it waits for them.
    const cfnStage = this.httpStage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      Object.entries(throttles.routes).map(([routeKey, { rateLimit, burstLimit }]) => [routeKey, { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit }]),
    );
    for (const route of [...publicRoutes, ...counselorRoutes]) this.httpStage.node.addDependency(route);

    // SES bounce and complaint events, by HTTPS to the API (infra/email-events.ts says why). The
    // subscription waits for the routes, so SNS's confirmation request finds the handler.
    const sesEvents = subscribeApiToEmailEvents(this, {
      topic: props.sesEventsTopic,
      apiBaseUrl,
      deadLetterQueue: this.notificationDeadLetters,
    });
    sesEvents.node.addDependency(this.httpStage, defaultRoute);

    // Every minute, invoke the dispatcher (asynchronously, as Scheduler invokes Lambda). Scheduler's
    // retries cover a failed hand-over to Lambda (throttling, service errors); a tick older than two
    // minutes is worthless (later ticks cover the same due items) and goes to the dead-letter queue,
    // where its depth alarms. Function errors are Lambda's side: see `invocation` above.
    const scheduleRole = this.scheduleRole('DispatchScheduleRole', 'EventBridge Scheduler invokes the dispatcher and dead-letters to the queue');
    new scheduler.Schedule(this, 'DispatchEveryMinute', {
      description: `Match Coach ${stage}: send what is due`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(this.dispatcher.function, {
        role: scheduleRole,
        retryAttempts: 3,
        maxEventAge: Duration.minutes(2),
        deadLetterQueue: this.deadLetters,
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          executionId: scheduler.ContextAttribute.executionId,
        }),
      }),
    });

    const dispatcherLogicalId = this.getLogicalId(this.dispatcher.function.node.defaultChild as lambda.CfnFunction);
    Validations.of(scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${dispatcherLogicalId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the dispatcher and its versions/aliases (`<arn>:*`), as the LambdaInvoke ' +
        'target grants it. The wildcard only spans qualifiers of this one function.',
    });

    // Once a week, Friday 09:00 in New York (most counselors are in the US; the week's check-ins
    // are mostly in by then), the weekly digest. Its own role, so neither schedule can invoke the
    // other's function. Scheduler retries a failed hand-over for a day; the digest is this week's
    // until Sunday, and the ledger makes a late or repeated run send nothing twice.
    const digestScheduleRole = this.scheduleRole('DigestScheduleRole', 'EventBridge Scheduler invokes the weekly digest and dead-letters to the queue');
    new scheduler.Schedule(this, 'WeeklyDigestSchedule', {
      description: `Match Coach ${stage}: the counselors' weekly digest`,
      schedule: scheduler.ScheduleExpression.cron({ weekDay: 'FRI', hour: '9', minute: '0', timeZone: TimeZone.AMERICA_NEW_YORK }),
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(this.weeklyDigest.function, {
        role: digestScheduleRole,
        retryAttempts: 10,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: this.deadLetters,
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          executionId: scheduler.ContextAttribute.executionId,
        }),
      }),
    });
    const digestLogicalId = this.getLogicalId(this.weeklyDigest.function.node.defaultChild as lambda.CfnFunction);
    Validations.of(digestScheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${digestLogicalId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the weekly digest function and its versions/aliases (`<arn>:*`), as the ' +
        'LambdaInvoke target grants it. The wildcard only spans qualifiers of this one function.',
    });

    this.alarmTopic = this.alarmTopicFor(stage, settings.alarmEmail);
    this.operations = new Operations(this, 'Operations', {
      stage,
      alarmTopic: this.alarmTopic,
      functions: { dispatcher: this.dispatcher, api: this.api, counselorApi: this.counselorApiFunction, counselorToken: props.counselorTokenClaims, weeklyDigest: this.weeklyDigest },
      dispatcherTimeout: DISPATCHER_TIMEOUT,
      httpApi: this.httpApi,
      sesEventsTopic: props.sesEventsTopic,
      deadLetterQueues: [
        { id: 'DispatchDeadLetters', queue: this.deadLetters, what: 'a dispatch tick (messages are still sent by later ticks) or a weekly digest run was dropped or failed for good' },
        {
          id: 'NotificationDeadLetters',
          queue: this.notificationDeadLetters,
          what: 'SNS gave up delivering: SES bounce/complaint events to replay (DEPLOY.md), or an alarm email',
        },
      ],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpStage.url });
    new CfnOutput(this, 'PublicBaseUrl', { value: publicBaseUrl, description: 'Base of every link and webhook URL (DEPLOY.md)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'CounselorClientId', { value: this.counselorApi.client.userPoolClientId });
    new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName });
    new CfnOutput(this, 'DispatcherFunctionName', {
      value: this.dispatcher.function.functionName,
      description: 'The kill switch: reserved concurrency 0 stops all sending (DEPLOY.md)',
    });
    new CfnOutput(this, 'DispatcherLogGroup', { value: this.dispatcher.logGroup.logGroupName });
    new CfnOutput(this, 'ApiLogGroup', { value: this.api.logGroup.logGroupName });
    new CfnOutput(this, 'CounselorApiLogGroup', { value: this.counselorApiFunction.logGroup.logGroupName });
  }

  /**
   * A role EventBridge Scheduler assumes to invoke one function, with the confused-deputy guard
   * CDK's default target role carries: only schedules of this account's default group may assume it.
   */
  private scheduleRole(id: string, description: string): iam.Role {
    return new iam.Role(this, id, {
      description,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': this.account,
            'aws:SourceArn': this.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
  }

  /** The public host (from publicBaseUrl) served by this API, with the operator's certificate. */
  private mapPublicDomain(settings: DeliverySettings): void {
    const url = new URL(settings.publicBaseUrl!);
    const domainName = new apigwv2.DomainName(this, 'PublicDomain', {
      domainName: url.hostname,
      certificate: acm.Certificate.fromCertificateArn(this, 'PublicCertificate', settings.certificateArn!),
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });
    new apigwv2.ApiMapping(this, 'PublicMapping', { api: this.httpApi, domainName, stage: this.httpStage });
    new CfnOutput(this, 'PublicDomainTarget', {
      value: domainName.regionalDomainName,
      description: `Point ${url.hostname} here (CNAME, or a Route 53 alias)`,
    });
  }

  /**
   * The topic is encrypted with a key of its own, because CloudWatch cannot publish to a topic
   * under the AWS-managed SNS key (its policy cannot be extended to cloudwatch.amazonaws.com).
   */
  private alarmTopicFor(stage: StageName, alarmEmail: string | undefined): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Match Coach ${stage}: alarm notifications`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" means this key
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    if (alarmEmail) {
      topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail, { deadLetterQueue: this.notificationDeadLetters }));
    }
    return topic;
  }
}
