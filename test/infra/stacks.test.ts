import { Match } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { createApp } from '../../infra/app';
import { COUNSELOR_SCOPE, SIGN_IN_CALLBACK_PATH } from '../../infra/counselors';
import { HANDLERS } from '../../infra/handlers';
import { LOCAL_ONLY_SETTINGS, PENDING_SETTINGS } from '../../infra/service-function';
import { TABLE_DEFINITION } from '../../shared/adapters/dynamo/keys';
import { FUNCTION_CONFIG, type FunctionName } from '../../shared/config';
import { COGNITO_ACCOUNT_ACTIONS } from '../../shared/adapters/cognito/cognito-counselor-accounts';
import { apiThrottles, PUBLIC_THROTTLED_ROUTES } from '../../infra/api-throttles';
import { build, type Built, list, PROD_CONTEXT, type Resources, resourcesOf, SKIP_BUNDLING, type Statement, statements } from './context';

/**
 * Template assertions on both stacks, for both stages. Each app is synthesized once per file.
 * Bundling is skipped here (`aws:cdk:bundling-stacks: []`): these tests are about the templates;
 * nag.test.ts synthesizes with real esbuild bundling, as `cdk synth` does.
 */

describe.each([
  ['dev', {}],
  ['prod', PROD_CONTEXT],
] as const)('%s stage', (stage, context) => {
  let app: Built;
  beforeAll(() => {
    app = build(context);
  });

  test('the stage comes from context', () => {
    expect(app.stage).toBe(stage);
  });

  describe('stateful stack', () => {
    test('the table is built from TABLE_DEFINITION: keys, on-demand, PITR, TTL, customer-managed encryption', () => {
      const { partitionKey, sortKey, timeToLiveAttribute } = TABLE_DEFINITION;
      app.stateful.resourceCountIs('AWS::DynamoDB::Table', 1);
      app.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] },
        },
      });
    });

    test('the sparse due index is KEYS_ONLY on the names from TABLE_DEFINITION', () => {
      const { dueIndex } = TABLE_DEFINITION;
      app.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: [
          {
            IndexName: dueIndex.name,
            KeySchema: [
              { AttributeName: dueIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: dueIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: dueIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: dueIndex.sortKey, AttributeType: 'S' },
        ]),
      });
    });

    test('the data key rotates', () => {
      app.stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    test('the Twilio secret has the JSON shape, is encrypted with the data key, and holds no credential', () => {
      app.stateful.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: Match.serializedJson({ accountSid: Match.anyValue() }),
          GenerateStringKey: 'authToken',
        },
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] },
        SecretString: Match.absent(),
      });
      const template = JSON.stringify(app.stateful.toJSON());
      expect(template).not.toMatch(/AC[0-9a-f]{32}/);
    });

    const retained = stage === 'prod';
    test(`data is ${retained ? 'retained, with deletion protection' : 'destroyed with the stack'}`, () => {
      const policy = retained ? 'Retain' : 'Delete';
      for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::SecretsManager::Secret']) {
        app.stateful.hasResource(type, { DeletionPolicy: policy, UpdateReplacePolicy: policy });
      }
      app.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
        DeletionProtectionEnabled: retained,
      });
    });
  });

  describe('stateless stack', () => {
    const functions = () => Object.values(app.stateless.findResources('AWS::Lambda::Function') as Resources);

    test('both functions run the newest Node.js on arm64 with X-Ray and their own log group', () => {
      const newestNode = Runtime.ALL.filter((r) => /^nodejs\d/.test(r.name))
        .map((r) => r.name)
        .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
        .pop();
      expect(newestNode).toBe(Runtime.NODEJS_24_X.name);
      // All but the user pool's token trigger, which lives beside its pool in the stateful stack.
      const statefulFunctions = Object.values(app.stateful.findResources('AWS::Lambda::Function') as Resources);
      expect(functions().length + statefulFunctions.length).toBe(Object.keys(HANDLERS).length);
      for (const fn of [...functions(), ...statefulFunctions]) {
        expect(fn.Properties).toMatchObject({
          Runtime: newestNode,
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
        expect(fn.Properties.FunctionName).toBeUndefined();
      }
      app.stateless.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    });

    test("each function gets exactly the settings its own configuration reads: every required one, none it does not read, none local-only", () => {
      const stateful = Object.values(app.stateful.findResources('AWS::Lambda::Function') as Resources);
      for (const fn of [...functions(), ...stateful]) {
        const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
        const name = variables.POWERTOOLS_SERVICE_NAME as FunctionName;
        const shape = FUNCTION_CONFIG[name].shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
        const required = Object.entries(shape).filter(([, schema]) => !schema.safeParse(undefined).success).map(([key]) => key);
        for (const key of required) expect(variables).toHaveProperty(key);
        for (const key of Object.keys(variables)) expect([...Object.keys(shape), ...PENDING_SETTINGS, 'POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS']).toContain(key);
        for (const key of LOCAL_ONLY_SETTINGS) expect(variables).not.toHaveProperty(key);
        // Across stacks an import; the token trigger lives beside the table.
        expect(JSON.stringify(variables.TABLE_NAME)).toMatch(/Plans/);
      }
      expect(new Set([...functions(), ...stateful].map((fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME))).toEqual(new Set(Object.keys(FUNCTION_CONFIG)));
    });

    test('only the API function is told the SES events topic (the one it accepts deliveries from)', () => {
      const topicArn = { 'Fn::ImportValue': expect.stringMatching(/EmailEventsTopic/) };
      const byService = Object.fromEntries(
        functions().map((fn) => [fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, fn.Properties.Environment.Variables]),
      );
      expect(byService.api.SES_EVENTS_TOPIC_ARN).toEqual(topicArn);
      expect(byService.dispatcher.SES_EVENTS_TOPIC_ARN).toBeUndefined();
    });

    test('context settings reach the functions', () => {
      const expected =
        stage === 'prod'
          ? { EMAIL_FROM: PROD_CONTEXT.emailFrom, TWILIO_FROM: PROD_CONTEXT.twilioFrom, PUBLIC_BASE_URL: PROD_CONTEXT.publicBaseUrl }
          : {
              EMAIL_FROM: expect.stringContaining('example.com'),
              TWILIO_FROM: '+15005550006',
              // dev links point at the API itself
              PUBLIC_BASE_URL: { 'Fn::Join': ['', expect.arrayContaining(['https://', { Ref: expect.stringMatching(/^HttpApi/) }])] },
            };
      const byService = Object.fromEntries(functions().map((fn) => [fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, fn.Properties.Environment.Variables]));
      // The two that send are told all three; the others only what they read.
      for (const name of ['dispatcher', 'api']) expect(byService[name]).toMatchObject(expected);
      expect(byService.counselorApi).toMatchObject({ PUBLIC_BASE_URL: expected.PUBLIC_BASE_URL });
      expect(byService.weeklyDigest).toMatchObject({ EMAIL_FROM: expected.EMAIL_FROM, PUBLIC_BASE_URL: expected.PUBLIC_BASE_URL });
      for (const name of ['counselorApi', 'weeklyDigest']) expect(byService[name]).not.toHaveProperty('TWILIO_FROM');
    });

    test('the dispatcher budget and lease follow its timeout', () => {
      app.stateless.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 60,
        Environment: { Variables: Match.objectLike({ DISPATCH_MAX_SECONDS: '50', DISPATCH_LEASE_SECONDS: '120' }) },
      });
    });

    test('the schedule invokes the dispatcher every minute with retries and a dead-letter queue', () => {
      app.stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatcherFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatchDeadLetters'), 'Arn'] } },
        },
      });
    });

    test('failed async dispatcher invocations land in the same dead-letter queue, without Lambda retries, and stale ticks too', () => {
      app.stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp('^DispatcherFunction') },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 120,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatchDeadLetters'), 'Arn'] } } },
      });
      // The API function is only ever invoked synchronously: Lambda never queues an event for it.
      // The other one is the weekly digest's (below).
      app.stateless.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    });

    test('a weekly schedule (Friday 09:00 New York) invokes the weekly digest, with its own role, retries and the dead-letter queue', () => {
      const schedules = resourcesOf(app.stateless, 'AWS::Scheduler::Schedule');
      expect(schedules).toHaveLength(2);
      app.stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 9 ? * FRI *)',
        ScheduleExpressionTimezone: 'America/New_York',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WeeklyDigestFunction'), 'Arn'] },
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DigestScheduleRole'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 24 * 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatchDeadLetters'), 'Arn'] } },
        },
      });
      // Lambda retries a failed run twice (the ledger sends nothing twice), then dead-letters it.
      app.stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp('^WeeklyDigestFunction') },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatchDeadLetters'), 'Arn'] } } },
      });
      // Each schedule role may invoke its own function only.
      const invokes = resourcesOf(app.stateless, 'AWS::IAM::Policy')
        .filter(([id]) => /^(Digest|Dispatch)ScheduleRole/.test(id))
        .map(([id, policy]) => [id, JSON.stringify((policy.Properties.PolicyDocument.Statement as Statement[]).filter((st) => list(st.Action).includes('lambda:InvokeFunction')))]);
      expect(invokes).toHaveLength(2);
      for (const [id, text] of invokes) {
        expect(text).toContain(id!.startsWith('Digest') ? 'WeeklyDigestFunction' : 'DispatcherFunction');
        expect(text).not.toContain(id!.startsWith('Digest') ? 'DispatcherFunction' : 'WeeklyDigestFunction');
      }
    });

    test('the dispatcher is capped at two concurrent ticks; the API function is not capped', () => {
      const byService = Object.fromEntries(functions().map((fn) => [fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, fn.Properties]));
      expect(byService.dispatcher.ReservedConcurrentExecutions).toBe(2);
      expect(byService.api.ReservedConcurrentExecutions).toBeUndefined();
    });

    test('every dead-letter queue is encrypted, keeps 14 days and refuses plain HTTP', () => {
      const queues = resourcesOf(app.stateless, 'AWS::SQS::Queue');
      expect(queues.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['DispatchDeadLetters', 'NotificationDeadLetters']);
      app.stateless.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      for (const [id] of queues) {
        app.stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
          },
        });
      }
    });

    describe('alarms', () => {
      const alarms = () => resourcesOf(app.stateless, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const toTopic = [{ Ref: Match.stringLikeRegexp('^Alarms') }];
      const dispatcher = [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^DispatcherFunction') } }];

      test('every alarm notifies the encrypted alarm topic, on alarm and on recovery', () => {
        app.stateless.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmTopicKey'), 'Arn'] } });
        app.stateless.hasResourceProperties('AWS::SNS::TopicPolicy', {
          PolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
          },
        });
        expect(alarms().length).toBeGreaterThanOrEqual(14);
        app.stateless.allResourcesProperties('AWS::CloudWatch::Alarm', {
          AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
          OKActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
          AlarmDescription: Match.anyValue(),
        });
      });

      test('dispatcher: errors, duration near its timeout, not ticking, throttled at its cap', () => {
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dispatcher, Threshold: 1, AlarmActions: toTopic,
        });
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dispatcher, Statistic: 'Maximum', Threshold: 54_000,
        });
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: dispatcher, Period: 600, Threshold: 5,
          ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
        });
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: dispatcher, Threshold: 1,
        });
      });

      test('dead letters: the depth of each queue', () => {
        for (const queue of ['DispatchDeadLetters', 'NotificationDeadLetters']) {
          app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } }],
            ComparisonOperator: 'GreaterThanThreshold',
            Threshold: 0,
          });
        }
      });

      test('SES reputation: account bounce and complaint rates, before SES reviews the account', () => {
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SES', MetricName: 'Reputation.BounceRate', Threshold: 0.04, ComparisonOperator: 'GreaterThanThreshold',
          Dimensions: Match.absent(),
        });
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SES', MetricName: 'Reputation.ComplaintRate', Threshold: 0.0008, ComparisonOperator: 'GreaterThanThreshold',
        });
      });

      test('from the logs: crisis flags, crisis alerts not delivered, SMS failures, email paused', () => {
        const namespace = `MatchCoach/${stage}`;
        const filters = resourcesOf(app.stateless, 'AWS::Logs::MetricFilter').map(([, f]) => f.Properties);
        const filterOf = (metricName: string) => filters.find((f) => f.MetricTransformations[0].MetricName === metricName);
        expect(filterOf('CrisisFlags')).toMatchObject({
          FilterPattern: '{ $.message = "crisis_flag" }',
          LogGroupName: { Ref: expect.stringMatching(/^ApiLogs/) },
          MetricTransformations: [{ MetricNamespace: namespace, MetricValue: '1' }],
        });
        expect(filterOf('CrisisAlertFailures')).toMatchObject({
          FilterPattern: expect.stringContaining('$.message = "crisis_alert_failed"'),
          LogGroupName: { Ref: expect.stringMatching(/^ApiLogs/) },
        });
        expect(filterOf('SmsSendFailures')).toMatchObject({
          FilterPattern: '{ ($.message = "dispatched") && ($.channel = "sms") && ($.outcome = "failed") }',
          LogGroupName: { Ref: expect.stringMatching(/^DispatcherLogs/) },
        });
        expect(filterOf('SmsNotDelivered')).toMatchObject({ LogGroupName: { Ref: expect.stringMatching(/^ApiLogs/) } });
        expect(filterOf('EmailSendingPaused')).toMatchObject({
          FilterPattern: '{ $.alarm = "EmailSendingPaused" }',
          LogGroupName: { Ref: expect.stringMatching(/^DispatcherLogs/) },
        });
        // What the sends cost: values read from the dispatcher's tick report.
        for (const [metricName, value] of [['SmsSegments', '$.segments.sms'], ['EmailsSent', '$.segments.email'], ['Ucs2Texts', '$.ucs2Texts']]) {
          expect(filterOf(metricName!)).toMatchObject({
            FilterPattern: '{ $.message = "tick finished" }',
            LogGroupName: { Ref: expect.stringMatching(/^DispatcherLogs/) },
            MetricTransformations: [{ MetricNamespace: namespace, MetricValue: value }],
          });
        }
        // A single crisis flag alarms within a minute: a human must look.
        for (const metricName of ['CrisisFlags', 'CrisisAlertFailures']) {
          app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: namespace, MetricName: metricName, Period: 60, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          });
        }
        for (const metricName of ['SmsSendFailures', 'SmsNotDelivered', 'EmailSendingPaused']) {
          app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: namespace, MetricName: metricName, Statistic: 'Sum' });
        }
      });

      test('the HTTP API: 5xx answers and function errors', () => {
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: [{ Name: 'ApiId', Value: { Ref: Match.stringLikeRegexp('^HttpApi') } }],
        });
        app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ApiFunction') } }],
        });
      });

      test('one dashboard shows every alarm and the signals behind them', () => {
        app.stateless.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
        const [[, dashboard]] = resourcesOf(app.stateless, 'AWS::CloudWatch::Dashboard') as [[string, Resources[string]]];
        expect(dashboard.Properties.DashboardName).toBeUndefined();
        const body = JSON.stringify(dashboard.Properties.DashboardBody);
        for (const metric of ['CrisisFlags', 'CrisisAlertFailures', 'SmsSendFailures', 'SmsNotDelivered', 'EmailSendingPaused', 'Reputation.BounceRate', 'Reputation.ComplaintRate', 'NumberOfNotificationsFailed', 'ApproximateNumberOfMessagesVisible', 'Duration', 'Throttles', '5xx']) {
          expect(body).toContain(metric);
        }
        expect(body).toContain('alarm');
      });
    });

    test('CloudWatch may use the alarm topic key', () => {
      app.stateless.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
          ]),
        },
      });
    });

    test("the HTTP API sends `$default` to the API function and the counselors' routes to theirs, throttles and logs access without personal data", () => {
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'NONE' });
      app.stateless.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
      for (const fn of ['^ApiFunction', '^CounselorApiFunction']) {
        app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp(fn), 'Arn'] },
        });
      }
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApiAccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
      });
      const [[, httpStage]] = resourcesOf(app.stateless, 'AWS::ApiGatewayV2::Stage') as [[string, Resources[string]]];
      const format = JSON.parse(httpStage.Properties.AccessLogSettings.Format) as Record<string, string>;
      // Paths and query strings carry link tokens; claims carry counselors' emails.
      for (const field of Object.values(format)) expect(field).not.toMatch(/path|querystring|claims|\$context\.authorizer\.(?!error)/i);
    });

    test('the webhooks, the public forms and the counselors\' routes each have a throttle of their own, the sign-up form the lowest', () => {
      const limits = apiThrottles(1);
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: { ThrottlingRateLimit: limits.stageDefault.rateLimit, ThrottlingBurstLimit: limits.stageDefault.burstLimit },
        RouteSettings: Match.objectEquals(
          Object.fromEntries(Object.entries(limits.routes).map(([key, t]) => [key, { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit }])),
        ),
      });
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        RouteSettings: Match.objectLike({
          'POST /webhooks/twilio/sms': { ThrottlingRateLimit: 22, ThrottlingBurstLimit: 104 },
          'POST /webhooks/twilio/status': { ThrottlingRateLimit: 8, ThrottlingBurstLimit: 16 },
          'POST /webhooks/ses': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
          'POST /subscribe': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
        }),
      });
      const webhooks = [PUBLIC_THROTTLED_ROUTES.twilioInbound, PUBLIC_THROTTLED_ROUTES.twilioStatus, PUBLIC_THROTTLED_ROUTES.sesEvents];
      for (const key of webhooks) expect(limits.routes[key]!.rateLimit).toBeGreaterThan(limits.routes[PUBLIC_THROTTLED_ROUTES.signUp]!.rateLimit);
      // Every route named exists, goes to the function that serves it, and the stage waits for it.
      const routes = resourcesOf(app.stateless, 'AWS::ApiGatewayV2::Route');
      const [[stageId, stage]] = resourcesOf(app.stateless, 'AWS::ApiGatewayV2::Stage') as [[string, Resources[string]]];
      expect(stageId).toBeDefined();
      for (const key of Object.keys(limits.routes)) {
        const found = routes.find(([, r]) => r.Properties.RouteKey === key);
        expect(found).toBeDefined();
        expect(stage.DependsOn).toContain(found![0]);
        const integration = JSON.stringify(found![1].Properties.Target);
        expect(integration).toMatch(key.startsWith('ANY') ? /CounselorApiIntegration/ : /"DefaultRouteApiIntegration/);
      }
    });

    describe('counselors', () => {
      test('a JWT authorizer checks Cognito access tokens of the counselor client on /counselor/{proxy+}, with the counselor scope', () => {
        app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: {
            Audience: [{ Ref: Match.stringLikeRegexp('^CounselorsClient') }],
            Issuer: {
              'Fn::Join': ['', Match.arrayWith(['https://cognito-idp.', { 'Fn::ImportValue': Match.stringLikeRegexp('CounselorsUserPool') }])],
            },
          },
        });
        app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: 'ANY /counselor/{proxy+}',
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: Match.stringLikeRegexp('CounselorJwt') },
          AuthorizationScopes: [COUNSELOR_SCOPE],
        });
        // Every route but $default (public by design, signatures checked in code) and the dashboard's
        // (a browser's cookie, verified by the handler) has the authorizer.
        const open = new Set(['$default', 'ANY /dashboard', 'ANY /dashboard/{proxy+}', 'ANY /auth/{proxy+}', ...Object.values(PUBLIC_THROTTLED_ROUTES)]);
        const routes = resourcesOf(app.stateless, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
        expect(routes.map((r) => r.RouteKey).sort()).toEqual([...open, 'ANY /counselor/{proxy+}'].sort());
        for (const route of routes) {
          if (!open.has(route.RouteKey)) expect(route.AuthorizationType).toBe('JWT');
          else expect(route.AuthorizationType ?? 'NONE').toBe('NONE');
        }
      });

      test("the counselors' routes go to the counselorApi function, $default to the api function; only counselorApi knows the pool", () => {
        const integrationOf = (routeKey: string) => {
          const route = resourcesOf(app.stateless, 'AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === routeKey)![1];
          const target = JSON.stringify(route.Properties.Target);
          const [, integration] = resourcesOf(app.stateless, 'AWS::ApiGatewayV2::Integration').find(([id]) => target.includes(id))!;
          return JSON.stringify(integration.Properties.IntegrationUri);
        };
        for (const key of ['ANY /counselor/{proxy+}', 'ANY /dashboard', 'ANY /dashboard/{proxy+}', 'ANY /auth/{proxy+}']) {
          expect(integrationOf(key)).toMatch(/CounselorApiFunction/);
        }
        expect(integrationOf('$default')).toMatch(/"ApiFunction/);
        const byService = Object.fromEntries(
          resourcesOf(app.stateless, 'AWS::Lambda::Function').map(([, fn]) => [fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, fn.Properties.Environment.Variables]),
        );
        for (const name of ['COUNSELOR_USER_POOL_ID', 'COUNSELOR_CLIENT_ID', 'COUNSELOR_SIGN_IN_BASE_URL']) {
          expect(byService.counselorApi).toHaveProperty(name);
          expect(byService.api).not.toHaveProperty(name);
        }
        expect(byService.counselorApi.SES_EVENTS_TOPIC_ARN).toBeUndefined();
      });

      test('the user pool: invited counselors only, MFA required, strong passwords, Plus tier threat protection enforced', () => {
        app.stateful.hasResourceProperties('AWS::Cognito::UserPool', {
          AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
          MfaConfiguration: 'ON',
          EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
          Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireUppercase: true, RequireNumbers: true }) },
          UserPoolTier: 'PLUS',
          UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
          DeletionProtection: stage === 'prod' ? 'ACTIVE' : 'INACTIVE',
        });
        app.stateful.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: stage === 'prod' ? 'Retain' : 'Delete' });
        app.stateful.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
          Identifier: COUNSELOR_SCOPE.split('/')[0],
          Scopes: [Match.objectLike({ ScopeName: COUNSELOR_SCOPE.split('/')[1] })],
        });
        for (const group of ['counselors', 'admins']) app.stateful.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
        // The hosted sign-in domain is unique per stack, not a chosen name.
        app.stateful.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
          Domain: { 'Fn::Join': ['', Match.arrayWith([`matchcoach-${stage}-`])] },
        });
      });

      test('the app client: authorization code for a browser (no secret), the counselor scope, callback under the public URL', () => {
        app.stateless.hasResourceProperties('AWS::Cognito::UserPoolClient', {
          GenerateSecret: false,
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: Match.arrayWith(['openid', COUNSELOR_SCOPE]),
          SupportedIdentityProviders: ['COGNITO'],
          PreventUserExistenceErrors: 'ENABLED',
          EnableTokenRevocation: true,
          CallbackURLs: [stage === 'prod' ? `${PROD_CONTEXT.publicBaseUrl}${SIGN_IN_CALLBACK_PATH}` : Match.anyValue()],
        });
      });

      test("only the counselors' function is told the pool and client, to verify the dashboard cookie itself", () => {
        for (const [id, fn] of resourcesOf(app.stateless, 'AWS::Lambda::Function')) {
          const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
          if (id.startsWith('CounselorApiFunction')) {
            expect(variables.COUNSELOR_USER_POOL_ID).toEqual({ 'Fn::ImportValue': expect.stringMatching(/CounselorsUserPool/) });
            expect(variables.COUNSELOR_CLIENT_ID).toEqual({ Ref: expect.stringMatching(/^CounselorsClient/) });
            // The hosted sign-in domain, for /auth/start (the pool's domain, from the stateful stack).
            const signInBase = JSON.stringify(variables.COUNSELOR_SIGN_IN_BASE_URL);
            expect(signInBase).toContain('https://');
            expect(signInBase).toMatch(/Fn::ImportValue[^}]*CounselorsUserPoolSignIn/);
            expect(signInBase).toContain('amazoncognito.com');
          } else {
            expect(variables).not.toHaveProperty('COUNSELOR_USER_POOL_ID');
            expect(variables).not.toHaveProperty('COUNSELOR_CLIENT_ID');
            expect(variables).not.toHaveProperty('COUNSELOR_SIGN_IN_BASE_URL');
          }
        }
      });

      test("the pool has the admin-set custom:orgId and custom:counselorId attributes, and the app client may not write them (only the email)", () => {
        app.stateful.hasResourceProperties('AWS::Cognito::UserPool', {
          Schema: Match.arrayWith([
            Match.objectLike({ Name: 'orgId', AttributeDataType: 'String', Mutable: true }),
            Match.objectLike({ Name: 'counselorId', AttributeDataType: 'String', Mutable: true }),
          ]),
        });
        const [[, client]] = resourcesOf(app.stateless, 'AWS::Cognito::UserPoolClient') as [[string, Resources[string]]];
        expect(client.Properties.WriteAttributes).toEqual(['email']);
        expect(client.Properties.ReadAttributes).toEqual(expect.arrayContaining(['custom:orgId', 'custom:counselorId', 'email']));
      });

      test('a V2_0 pre-token-generation trigger (Plus tier) runs the counselorToken handler, invocable by this pool only, with logs as its only grant', () => {
        const [[triggerId, trigger]] = resourcesOf(app.stateful, 'AWS::Lambda::Function') as [[string, Resources[string]]];
        expect(trigger.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('counselorToken');
        expect(trigger.Properties.Timeout).toBeLessThanOrEqual(5);
        app.stateful.hasResourceProperties('AWS::Cognito::UserPool', {
          UserPoolTier: 'PLUS',
          LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [triggerId, 'Arn'] }, LambdaVersion: 'V2_0' } },
        });
        app.stateful.hasResourceProperties('AWS::Lambda::Permission', {
          FunctionName: { 'Fn::GetAtt': [triggerId, 'Arn'] },
          Principal: 'cognito-idp.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CounselorsUserPool'), 'Arn'] },
        });
        // Its role writes its own logs and traces and reads counselor records: item reads on
        // organisations' partitions only (decrypting through DynamoDB); no write, secret or mail.
        const triggerPolicies = resourcesOf(app.stateful, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('CounselorsTokenClaims'));
        expect(triggerPolicies.length).toBeGreaterThan(0);
        const docs = triggerPolicies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
        for (const statement of docs) {
          for (const action of list(statement.Action)) expect(action).toMatch(/^(logs|xray):|^dynamodb:(GetItem|BatchGetItem|Query|ConditionCheckItem)$|^kms:(Decrypt|DescribeKey)$/);
        }
        const reads = docs.filter((d) => list(d.Action).some((a) => a.startsWith('dynamodb:')));
        expect(reads).toHaveLength(1);
        expect(reads[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ORG#*'] } });
        expect(reads[0]!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Plans/), 'Arn'] });
      });
    });

    describe('SES events', () => {
      test('a configuration set publishes bounces and complaints to an encrypted topic that only SES (this set) may publish to', () => {
        app.stateful.hasResourceProperties('AWS::SES::ConfigurationSet', {
          ReputationOptions: { ReputationMetricsEnabled: true },
          SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
          Name: Match.absent(),
        });
        app.stateful.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
          ConfigurationSetName: { Ref: Match.stringLikeRegexp('ConfigurationSet') },
          EventDestination: {
            Enabled: true,
            MatchingEventTypes: ['bounce', 'complaint'],
            SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('^EmailEventsTopic') } },
          },
        });
        app.stateful.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EmailEventsTopicKey'), 'Arn'] } });
        app.stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
              Match.objectLike({
                Effect: 'Allow',
                Action: 'sns:Publish',
                Principal: { Service: 'ses.amazonaws.com' },
                Condition: { StringEquals: { 'AWS:SourceAccount': Match.anyValue(), 'AWS:SourceArn': Match.anyValue() } },
              }),
            ]),
          },
        });
        app.stateful.hasResourceProperties('AWS::KMS::Key', {
          KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'ses.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
        });
      });

      test('SNS delivers them over HTTPS to POST /webhooks/ses on the API itself, with retries on purpose and a dead-letter queue', () => {
        app.stateless.hasResourceProperties('AWS::SNS::Subscription', {
          Protocol: 'https',
          TopicArn: { 'Fn::ImportValue': Match.stringLikeRegexp('EmailEventsTopic') },
          Endpoint: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: Match.stringLikeRegexp('^HttpApi') }, '/webhooks/ses'])] },
          RawMessageDelivery: false,
          DeliveryPolicy: {
            healthyRetryPolicy: Match.objectLike({ numRetries: 20, backoffFunction: 'EXPONENTIAL' }),
            throttlePolicy: { maxReceivesPerSecond: 10 },
          },
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationDeadLetters'), 'Arn'] } },
        });
        // SNS may write to that queue, for this topic only.
        app.stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Allow',
                Action: 'sqs:SendMessage',
                Principal: { Service: 'sns.amazonaws.com' },
                Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::ImportValue': Match.stringLikeRegexp('EmailEventsTopic') } } },
              }),
            ]),
          },
        });
        // The subscription is created after the routes, so SNS's confirmation finds the handler.
        const [[, subscription]] = resourcesOf(app.stateless, 'AWS::SNS::Subscription') as [[string, Resources[string]]];
        expect(subscription.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^DefaultRoute/), expect.stringMatching(/^HttpApiDefaultStage/)]));
      });

      test('the SES retry schedule stays within SNS\'s one-hour limit for a whole delivery policy', () => {
        const [[, subscription]] = resourcesOf(app.stateless, 'AWS::SNS::Subscription') as [[string, Resources[string]]];
        const p = subscription.Properties.DeliveryPolicy.healthyRetryPolicy;
        const backoff = p.numRetries - p.numNoDelayRetries - p.numMinDelayRetries - p.numMaxDelayRetries;
        // Exponential backoff from the minimum to the maximum delay over the backoff retries.
        const ratio = (p.maxDelayTarget / p.minDelayTarget) ** (1 / (backoff - 1));
        const backoffSeconds = (p.minDelayTarget * (ratio ** backoff - 1)) / (ratio - 1);
        const total = p.numMinDelayRetries * p.minDelayTarget + backoffSeconds + p.numMaxDelayRetries * p.maxDelayTarget;
        expect(total).toBeGreaterThan(30 * 60); // long enough to ride out a deploy or an outage of minutes
        expect(total).toBeLessThan(3600);
      });
    });

    test('no IAM statement grants wildcard actions, Scan, or "*" resources beyond X-Ray', () => {
      const all = [...statements(app.stateless), ...statements(app.stateful)];
      expect(all.length).toBeGreaterThan(0);
      for (const statement of all) {
        const actions = list(statement.Action);
        for (const action of actions) {
          expect(action).not.toBe('*');
          // dynamodb:*, kms:*, secretsmanager:*, sqs:*, ses:*, ...: a whole service
          expect(action).not.toMatch(/^[a-z0-9-]+:\*$/);
          // and no prefix wildcard on data services (dynamodb:Batch*, ses:Send*)
          if (/^(dynamodb|ses|secretsmanager|kms|sqs|sns):/.test(action)) expect(action).not.toContain('*');
        }
        expect(actions).not.toContain('dynamodb:Scan');
        if (list(statement.Resource).includes('*')) {
          expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
        }
      }
    });

    test('whoever may run PartiQL selects on the table is denied those that would scan it', () => {
      const policies = resourcesOf(app.stateless, 'AWS::IAM::Policy').map(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
      const selecting = policies.filter((docs) => docs.some((d) => d.Effect === 'Allow' && list(d.Action).includes('dynamodb:PartiQLSelect')));
      // The functions that read the table: the dispatcher, both APIs and the scheduled ones.
      expect(selecting.length).toBeGreaterThanOrEqual(3);
      for (const docs of selecting) {
        const allowed = docs.find((d) => d.Effect === 'Allow' && list(d.Action).includes('dynamodb:PartiQLSelect'))!;
        const denied = docs.filter((d) => d.Effect === 'Deny' && list(d.Action).includes('dynamodb:PartiQLSelect'));
        expect(denied).toHaveLength(1);
        expect(denied[0]!.Condition).toEqual({ Bool: { 'dynamodb:FullTableScan': 'true' } });
        expect(denied[0]!.Resource).toEqual(allowed.Resource);
      }
    });

    describe('each function holds exactly the grants it uses', () => {
      /** Every statement of a function's role, by the service name it logs as. */
      const grantsOf = (service: string): Statement[] => {
        const matching = resourcesOf(app.stateless, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service);
        expect(matching).toHaveLength(1);
        const roleId = JSON.stringify(matching[0]![1].Properties.Role).match(/"([A-Za-z0-9]+Role[A-Za-z0-9]*)"/)![1]!;
        const policies = resourcesOf(app.stateless, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`));
        expect(policies.length).toBeGreaterThan(0);
        return policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
      };
      const actions = (service: string) => new Set(grantsOf(service).filter((d) => d.Effect === 'Allow').flatMap((d) => list(d.Action)));
      const secretsRead = (service: string) =>
        grantsOf(service)
          .filter((d) => list(d.Action).includes('secretsmanager:GetSecretValue'))
          // A statement may name several secrets (the minimizePolicies flag merges statements that differ only in resource).
          .flatMap((d) => list(d.Resource).map((r) => (JSON.stringify(r).match(/TwilioCredentials|AppSecret/) ?? ['?'])[0]))
          .sort();

      test.each([
        ['dispatcher', ['AppSecret', 'TwilioCredentials'], true],
        ['api', ['AppSecret', 'TwilioCredentials'], true],
        ['counselorApi', ['AppSecret'], false],
        ['weeklyDigest', [], true],
      ] as const)('%s reads the secrets %j and sends email: %s', (service, secrets, sendsEmail) => {
        expect(secretsRead(service)).toEqual(secrets);
        expect(actions(service).has('ses:SendEmail')).toBe(sendsEmail);
      });

      test("the counselors' function and the digest cannot read the Twilio secret, nor decrypt it", () => {
        for (const service of ['counselorApi', 'weeklyDigest']) {
          const docs = grantsOf(service);
          expect(JSON.stringify(docs)).not.toMatch(/TwilioCredentials/);
          // The data key is used only through DynamoDB (and, for the link key, Secrets Manager), never directly.
          for (const d of docs.filter((x) => list(x.Action).some((a) => a.startsWith('kms:')))) {
            expect(['dynamodb', 'secretsmanager'].map((svc) => JSON.stringify(d.Condition).includes(`${svc}.`))).toContain(true);
          }
        }
        expect(JSON.stringify(grantsOf('weeklyDigest'))).not.toMatch(/secretsmanager:/);
      });

      test('only the counselors\' function may shut counselor accounts: exactly the calls it makes, on the pool only', () => {
        for (const service of ['dispatcher', 'api', 'weeklyDigest']) expect([...actions(service)].some((a) => a.startsWith('cognito-idp:'))).toBe(false);
        const cognito = grantsOf('counselorApi').filter((d) => list(d.Action).some((a) => a.startsWith('cognito-idp:')));
        expect(cognito).toHaveLength(1);
        expect(list(cognito[0]!.Action).sort()).toEqual([...COGNITO_ACCOUNT_ACTIONS].sort());
        expect(cognito[0]!.Resource).toEqual({ 'Fn::ImportValue': expect.stringMatching(/CounselorsUserPool.*Arn/) });
      });

      test('the weekly digest reads the table and writes only the notification ledger', () => {
        const docs = grantsOf('weeklyDigest').filter((d) => d.Effect === 'Allow' && list(d.Action).some((a) => a.startsWith('dynamodb:')));
        const writes = docs.filter((d) => list(d.Action).includes('dynamodb:PutItem'));
        expect(writes).toHaveLength(1);
        expect(writes[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTIFY#*'] } });
        for (const d of docs.filter((x) => x !== writes[0])) expect(list(d.Action).some((a) => /Put|Update|Delete|BatchWrite/.test(a))).toBe(false);
      });

      test('only the two that send are told how to send texts; only the public API the SES events topic', () => {
        const byService = Object.fromEntries(functions().map((fn) => [fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, fn.Properties.Environment.Variables]));
        for (const name of ['dispatcher', 'api']) expect(byService[name]).toHaveProperty('TWILIO_SECRET_ARN');
        for (const name of ['counselorApi', 'weeklyDigest']) {
          for (const key of ['TWILIO_SECRET_ARN', 'TWILIO_FROM', 'SMS_RATE_PER_SECOND']) expect(byService[name]).not.toHaveProperty(key);
        }
        expect(byService.counselorApi).not.toHaveProperty('EMAIL_FROM');
        expect(byService.weeklyDigest).not.toHaveProperty('APP_SECRET_ARN');
      });
    });

    test('email sending is scoped to the sending identity and configuration set, from the configured address only', () => {
      const domain = stage === 'prod' ? 'mail.matchcoach.example.org' : 'example.com';
      const address = stage === 'prod' ? 'coach@mail.matchcoach.example.org' : 'coach@example.com';
      const ses = statements(app.stateless).filter((s) => list(s.Action).includes('ses:SendEmail'));
      // The dispatcher, the API and the weekly digest send email (the counselors' API queues invitations).
      expect(ses).toHaveLength(3);
      for (const s of ses) {
        expect(list(s.Action)).toEqual(['ses:SendEmail']);
        // Sorted: the minimizePolicies flag orders a statement's resources its own way.
        const resources = list(s.Resource).map((r) => JSON.stringify(r)).sort((a, b) => Number(a.includes(':configuration-set/')) - Number(b.includes(':configuration-set/')));
        expect(resources).toHaveLength(2);
        expect(resources[0]).toContain(`:identity/${domain}`);
        expect(resources[1]).toMatch(/:configuration-set\/.*ConfigurationSet/);
        expect(s.Condition).toEqual({ StringEquals: { 'ses:FromAddress': address } });
      }
    });

    test('logs are kept in prod and cleaned up in dev, and every log group has a retention', () => {
      app.stateless.allResources('AWS::Logs::LogGroup', { DeletionPolicy: stage === 'prod' ? 'Retain' : 'Delete' });
      app.stateless.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    });
  });

  test('no resource has a hard-coded physical name', () => {
    // A literal name would collide across stages and accounts' other stacks; a reference is fine.
    const nameProperties = ['TableName', 'FunctionName', 'LogGroupName', 'QueueName', 'TopicName', 'RoleName', 'Name', 'AliasName', 'DashboardName', 'AlarmName', 'UserPoolName', 'Domain'];
    // Labels inside their parent, not addresses in the account: an API's name, an authorizer's, a
    // user pool resource server's (its identifier is the address, and it is per pool).
    const labels = new Set(['AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Authorizer', 'AWS::Cognito::UserPoolResourceServer']);
    const hardCoded: string[] = [];
    for (const template of [app.stateful, app.stateless]) {
      for (const [id, resource] of Object.entries(template.toJSON().Resources as Resources)) {
        if (labels.has(resource.Type)) continue;
        for (const property of nameProperties) {
          if (typeof resource.Properties?.[property] === 'string') hardCoded.push(`${id}.${property}`);
        }
      }
    }
    expect(hardCoded).toEqual([]);
  });
});

describe('context', () => {
  test('prod refuses to synthesize without its delivery settings, naming each one', () => {
    expect(() => createApp({ context: { ...SKIP_BUNDLING, stage: 'prod' } })).toThrow(
      /emailFrom[\s\S]*postalAddress[\s\S]*twilioFrom[\s\S]*publicBaseUrl/,
    );
  });

  test('an unknown stage is refused', () => {
    expect(() => createApp({ context: { ...SKIP_BUNDLING, stage: 'staging' } })).toThrow(/stage/);
  });

  test('a value the runtime config would refuse fails the synth, not the first cold start', () => {
    expect(() => createApp({ context: { ...SKIP_BUNDLING, twilioFrom: '555-1234' } })).toThrow(/twilioFrom/);
    expect(() => createApp({ context: { ...PROD_CONTEXT, ...SKIP_BUNDLING, publicBaseUrl: 'not a url' } })).toThrow(/publicBaseUrl/);
  });

  test('the dispatcher cap comes from context: a number, or "none" for a new account', () => {
    const concurrency = (value: unknown) => {
      const { stateless } = build({ dispatcherConcurrency: value });
      const fn = resourcesOf(stateless, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Dispatcher'))!;
      return fn[1].Properties.ReservedConcurrentExecutions;
    };
    expect(concurrency(4)).toBe(4);
    expect(concurrency('3')).toBe(3);
    expect(concurrency('none')).toBeUndefined();
    expect(() => createApp({ context: { ...SKIP_BUNDLING, dispatcherConcurrency: 0 } })).toThrow(/dispatcherConcurrency/);
    expect(() => createApp({ context: { ...SKIP_BUNDLING, dispatcherConcurrency: 'lots' } })).toThrow(/dispatcherConcurrency/);
  });

  test('the providers\' limits come from context, reach the two functions that send (one shared budget), and size the webhooks\' throttles', () => {
    const variables = (context: Record<string, unknown>) => {
      const built = build(context);
      const fns = resourcesOf(built.stateless, 'AWS::Lambda::Function')
        .map(([, fn]) => fn.Properties.Environment.Variables)
        .filter((v) => ['dispatcher', 'api'].includes(v.POWERTOOLS_SERVICE_NAME));
      const [[, httpStage]] = resourcesOf(built.stateless, 'AWS::ApiGatewayV2::Stage') as [[string, Resources[string]]];
      return { fns, stage: httpStage.Properties };
    };
    const defaults = variables({});
    expect(defaults.fns).toHaveLength(2);
    for (const fn of defaults.fns) {
      expect(fn).toMatchObject({ SMS_RATE_PER_SECOND: '1', EMAIL_RATE_PER_SECOND: '14', EMAIL_DAILY_QUOTA: '50000' });
    }
    expect(defaults.stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 });
    expect(defaults.stage.RouteSettings['POST /webhooks/twilio/status']).toEqual({ ThrottlingRateLimit: 8, ThrottlingBurstLimit: 16 });
    const shortCode = variables({ smsRatePerSecond: 100, emailRatePerSecond: '1', emailDailyQuota: 200 });
    for (const fn of shortCode.fns) {
      expect(fn).toMatchObject({ SMS_RATE_PER_SECOND: '100', EMAIL_RATE_PER_SECOND: '1', EMAIL_DAILY_QUOTA: '200' });
    }
    expect(shortCode.stage.RouteSettings['POST /webhooks/twilio/status']).toEqual({ ThrottlingRateLimit: 305, ThrottlingBurstLimit: 610 });
    expect(shortCode.stage.RouteSettings['POST /webhooks/twilio/sms']).toEqual({ ThrottlingRateLimit: 220, ThrottlingBurstLimit: 500 });
    // The sign-up form does not grow with the sender.
    expect(shortCode.stage.RouteSettings['POST /subscribe']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    expect(() => createApp({ context: { ...SKIP_BUNDLING, smsRatePerSecond: 0 } })).toThrow(/smsRatePerSecond/);
    expect(() => createApp({ context: { ...SKIP_BUNDLING, emailDailyQuota: 'many' } })).toThrow(/emailDailyQuota/);
  });

  test('an alarm email is subscribed, with the notification dead-letter queue', () => {
    const { stateless } = build({ alarmEmail: 'ops@example.org' });
    stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: Match.stringLikeRegexp('^Alarms') },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationDeadLetters'), 'Arn'] } },
    });
  });

  test('a certificate maps the public host onto the API, and the operator gets the DNS target', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
    const { stateless } = build({ ...PROD_CONTEXT, certificateArn });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'coach.example.org',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiId: { Ref: Match.stringLikeRegexp('^HttpApi') }, Stage: '$default' });
    stateless.hasOutput('PublicDomainTarget', {});
    expect(() => createApp({ context: { ...SKIP_BUNDLING, certificateArn } })).toThrow(/publicBaseUrl/);
    expect(() => createApp({ context: { ...SKIP_BUNDLING, ...PROD_CONTEXT, publicBaseUrl: 'https://example.org/coach', certificateArn } })).toThrow(/no path/);
    expect(() => createApp({ context: { ...SKIP_BUNDLING, ...PROD_CONTEXT, certificateArn: 'not-an-arn' } })).toThrow(/certificateArn/);
  });
});
