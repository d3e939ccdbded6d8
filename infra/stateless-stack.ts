import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
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
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

export interface StatelessStackProps extends StackProps {
  readonly stage: StageName;
  readonly table: dynamodb.ITable;
  readonly twilioSecret: secretsmanager.ISecret;
  readonly appSecret: secretsmanager.ISecret;
  readonly settings: DeliverySettings;
}

const FUNCTIONS_DIR = path.join(__dirname, '..', 'functions');

// The dispatcher stops taking new work DISPATCH_BUDGET_MARGIN before its timeout, and a claimed
// message's lease outlives the longest possible invocation, so a live send is never taken over.
const DISPATCHER_TIMEOUT = Duration.seconds(60);
const DISPATCH_BUDGET_MARGIN = Duration.seconds(10);
const DISPATCH_LEASE = Duration.seconds(DISPATCHER_TIMEOUT.toSeconds() * 2);

/**
 * What can be redeployed at will: the functions, the HTTP API, the every-minute schedule, the
 * dead-letter queue and the alarms. All state comes in through props from the stateful stack.
 */
export class StatelessStack extends Stack {
  readonly dispatcher: ServiceFunction;
  readonly api: ServiceFunction;
  readonly httpApi: apigwv2.HttpApi;
  readonly httpStage: apigwv2.HttpStage;
  readonly deadLetters: sqs.Queue;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { settings, stage } = props;
    const logRemovalPolicy = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // The HTTP API comes first because, unless a public URL is configured, links point at the
    // API itself. Its URL depends only on the API id, so the functions can carry it without a cycle.
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `Match Coach ${stage}: Twilio webhooks, enrollment and subscription links`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: logRemovalPolicy,
    });
    this.httpStage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // Twilio retries webhooks and answers bursts of texts quickly; this caps a runaway client
      // or a flood well below the dispatcher's and providers' limits.
      throttle: { rateLimit: 25, burstLimit: 50 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No path and no query string: they can carry tokens, phone numbers or emails.
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
          }),
        ),
      },
    });
    const apiUrl = this.httpStage.url;
    const publicBaseUrl = settings.publicBaseUrl ?? apiUrl;

    const environment = () =>
      new FunctionEnvironment()
        .table(props.table)
        .secret(props.twilioSecret)
        .appSecret(props.appSecret)
        .email({ from: settings.emailFrom, identity: settings.sesIdentity })
        .setting('POSTAL_ADDRESS', settings.postalAddress)
        .setting('TWILIO_FROM', settings.twilioFrom)
        .setting('PUBLIC_BASE_URL', publicBaseUrl);

    // Encrypted at rest with SQS-managed keys, which EventBridge Scheduler and Lambda can write to
    // without a key policy; it holds only event envelopes (ids and times), never message content.
    this.deadLetters = new sqs.Queue(this, 'DispatchDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue (for the dispatch schedule and for the dispatcher\'s ' +
        'failed async invocations); a DLQ behind a DLQ adds nothing. Its depth is alarmed instead.',
    });

    this.dispatcher = new ServiceFunction(this, 'Dispatcher', {
      entry: path.join(FUNCTIONS_DIR, 'dispatcher.ts'),
      description: 'Sends the plan messages that are due, every minute',
      serviceName: 'dispatcher',
      memorySize: 512,
      timeout: DISPATCHER_TIMEOUT,
      logRemovalPolicy,
      environment: environment()
        .setting('DISPATCH_MAX_SECONDS', DISPATCHER_TIMEOUT.minus(DISPATCH_BUDGET_MARGIN).toSeconds())
        .setting('DISPATCH_LEASE_SECONDS', DISPATCH_LEASE.toSeconds()),
      // The next tick a minute later reads the same due index, so Lambda's own retries would only
      // duplicate that work; a failed tick is recorded in the dead-letter queue instead.
      asyncInvoke: { retryAttempts: 0, onFailure: this.deadLetters },
    });

    this.api = new ServiceFunction(this, 'Api', {
      entry: path.join(FUNCTIONS_DIR, 'api.ts'),
      description: 'HTTP API: Twilio webhooks, enrollment, subscription links',
      serviceName: 'api',
      memorySize: 512,
      // Below the HTTP API's 30 s integration limit, above one provider call.
      timeout: Duration.seconds(20),
      logRemovalPolicy,
      environment: environment(),
    });

    // The API function is the default integration: the `$default` route takes every method and
    // path, and the handler routes inside (one function, one cold start to keep warm).
    const defaultRoute = new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('ApiIntegration', this.api.function),
    });
    Validations.of(defaultRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The API is public by design: its callers are Twilio (webhooks) and people following links in ' +
        'emails and texts, none of which can present an IAM, JWT or Lambda-authorizer credential. Each ' +
        'route authenticates in the handler instead: Twilio webhooks by X-Twilio-Signature (HMAC with the ' +
        'auth token), links by a signed token; only /health is open. Throttled at the stage.',
    });

    // Every minute, invoke the dispatcher (asynchronously, as Scheduler invokes Lambda). Scheduler's
    // retries cover a failed hand-over to Lambda (throttling, service errors); a tick older than two
    // minutes is worthless (later ticks cover the same due items) and goes to the dead-letter queue,
    // where its depth alarms. Function errors are Lambda's side: see asyncInvoke above.
    const scheduleRole = new iam.Role(this, 'DispatchScheduleRole', {
      description: 'EventBridge Scheduler invokes the dispatcher and dead-letters to the queue',
      // The confused-deputy guard CDK's default target role carries: only schedules of this
      // account's default group may assume it.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': this.account,
            'aws:SourceArn': this.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
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

    this.alarmTopic = this.alarmTopicFor(stage, settings.alarmEmail);
    this.addAlarms();

    new CfnOutput(this, 'ApiUrl', { value: apiUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
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
    if (alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
    return topic;
  }

  private addAlarms(): void {
    const action = new SnsAction(this.alarmTopic);
    const fiveMinutes = Duration.minutes(5);
    const alarm = (id: string, props: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, id, props);
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };

    alarm('DispatcherErrors', {
      alarmDescription: 'The dispatcher failed a tick: messages may be late',
      metric: this.dispatcher.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // The dispatcher stops itself at DISPATCH_MAX_SECONDS (timeout minus 10 s); beyond 90 % of the
    // timeout it did not, most likely because a provider call hung.
    const timeoutMs = DISPATCHER_TIMEOUT.toMilliseconds();
    alarm('DispatcherNearTimeout', {
      alarmDescription: 'A dispatcher tick ran past 90% of its timeout: it is about to be cut off mid-send',
      metric: this.dispatcher.function.metricDuration({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: Math.round(timeoutMs * 0.9),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    alarm('DeadLettersWaiting', {
      alarmDescription: 'A dispatch tick was dropped or failed for good: see the dead-letter queue',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    alarm('ApiErrors', {
      alarmDescription: 'The API function failed (webhooks or links are erroring)',
      metric: this.api.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
