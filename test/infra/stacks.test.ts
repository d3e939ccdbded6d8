import { Match, Template } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { createApp, type MatchCoachApp } from '../../infra/app';
import { TABLE_DEFINITION } from '../../shared/adapters/dynamo/keys';
import { ConfigSchema } from '../../shared/config';

/**
 * Template assertions on both stacks, for both stages. Each app is synthesized once per file.
 * Bundling is skipped here (`aws:cdk:bundling-stacks: []`): these tests are about the templates;
 * nag.test.ts synthesizes with real esbuild bundling, as `cdk synth` does.
 */
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const PROD_CONTEXT = {
  stage: 'prod',
  emailFrom: 'Match Coach <coach@mail.matchcoach.example.org>',
  postalAddress: 'Match Coach, 100 Main Street, Boston, MA 02110, USA',
  twilioFrom: '+15551234567',
  publicBaseUrl: 'https://coach.example.org',
};

type Resources = Record<string, { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function build(context: Record<string, unknown>) {
  const built: MatchCoachApp = createApp({ context: { ...SKIP_BUNDLING, ...context } });
  return { ...built, stateful: Template.fromStack(built.stateful), stateless: Template.fromStack(built.stateless) };
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function statements(template: Template): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe.each([
  ['dev', {}],
  ['prod', PROD_CONTEXT],
] as const)('%s stage', (stage, context) => {
  let app: ReturnType<typeof build>;
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
      expect(functions()).toHaveLength(2);
      for (const fn of functions()) {
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

    test('each function gets every setting the runtime config requires, and none that are local-only', () => {
      const required = Object.entries(ConfigSchema.shape)
        .filter(([, schema]) => !schema.safeParse(undefined).success)
        .map(([name]) => name);
      expect(required).toEqual(expect.arrayContaining(['TABLE_NAME', 'EMAIL_FROM', 'TWILIO_FROM']));
      const known = new Set([...Object.keys(ConfigSchema.shape), 'POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS']);
      for (const fn of functions()) {
        const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
        for (const name of [...required, 'TWILIO_SECRET_ARN']) expect(variables).toHaveProperty(name);
        for (const name of Object.keys(variables)) expect(known).toContain(name);
        for (const name of ['DYNAMODB_ENDPOINT', 'SES_ENDPOINT', 'TWILIO_API_BASE', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']) {
          expect(variables).not.toHaveProperty(name);
        }
        expect(variables.TABLE_NAME).toEqual({ 'Fn::ImportValue': expect.stringMatching(/Plans/) });
        expect(variables.TWILIO_SECRET_ARN).toEqual({ 'Fn::ImportValue': expect.stringMatching(/TwilioCredentials/) });
      }
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
      for (const fn of functions()) expect(fn.Properties.Environment.Variables).toMatchObject(expected);
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

    test('failed async dispatcher invocations land in the same dead-letter queue, without Lambda retries', () => {
      app.stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp('^DispatcherFunction') },
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatchDeadLetters'), 'Arn'] } } },
      });
    });

    test('the dead-letter queue is encrypted and refuses plain HTTP', () => {
      app.stateless.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
      app.stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    test('alarms on dispatcher errors, dispatcher duration near timeout and DLQ depth notify an encrypted topic', () => {
      app.stateless.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      app.stateless.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
      const toTopic = [{ Ref: Match.stringLikeRegexp('^Alarms') }];
      const dispatcher = [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^DispatcherFunction') } }];
      app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: dispatcher,
        Threshold: 1,
        AlarmActions: toTopic,
      });
      app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: dispatcher,
        Statistic: 'Maximum',
        Threshold: 54_000,
        AlarmActions: toTopic,
      });
      app.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: toTopic,
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

    test('the HTTP API sends every route to the API function, throttles and logs access', () => {
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiFunction'), 'Arn'] },
      });
      app.stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApiAccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
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
        }
        expect(actions).not.toContain('dynamodb:Scan');
        if (list(statement.Resource).includes('*')) {
          expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
        }
      }
    });

    test('email sending is scoped to the sending identity', () => {
      const domain = stage === 'prod' ? 'mail.matchcoach.example.org' : 'example.com';
      const ses = statements(app.stateless).filter((s) => list(s.Action).includes('ses:SendEmail'));
      expect(ses).toHaveLength(2);
      for (const s of ses) expect(JSON.stringify(s.Resource)).toContain(`:identity/${domain}`);
    });

    test('logs are kept in prod and cleaned up in dev', () => {
      app.stateless.allResources('AWS::Logs::LogGroup', { DeletionPolicy: stage === 'prod' ? 'Retain' : 'Delete' });
    });
  });

  test('no resource has a hard-coded physical name', () => {
    // A literal name would collide across stages and accounts' other stacks; a reference is fine.
    const nameProperties = ['TableName', 'FunctionName', 'LogGroupName', 'QueueName', 'TopicName', 'RoleName', 'Name', 'AliasName'];
    const hardCoded: string[] = [];
    for (const template of [app.stateful, app.stateless]) {
      for (const [id, resource] of Object.entries(template.toJSON().Resources as Resources)) {
        if (resource.Type === 'AWS::ApiGatewayV2::Api') continue; // an API's Name is a label, not an address
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
});
