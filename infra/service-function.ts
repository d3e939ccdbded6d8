import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../shared/adapters/dynamo/keys';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import { COGNITO_ACCOUNT_ACTIONS } from '../shared/adapters/cognito/cognito-counselor-accounts';
import { FUNCTION_CONFIG, type Config } from '../shared/config';
import { type HandlerName, handlerEntry } from './handlers';

/**
 * The newest Node.js runtime this aws-cdk-lib knows. cdk-nag's AwsSolutions-L1 compares against the
 * same list, so moving aws-cdk-lib forward is what moves this forward.
 */
export const SERVICE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Settings that are plain values. The names come from shared/config.ts so that a renamed setting
 * breaks the build here instead of the function at cold start. Settings that give access to a
 * resource (the table, the secrets, the SES sender and configuration set, the SES events topic) are
 * only set through the methods that also grant that access; local-twin settings (endpoints, raw
 * credentials, the unsigned-events switch) never reach AWS.
 */
type ResourceSetting =
  | 'TABLE_NAME'
  | 'COUNSELOR_USER_POOL_ID'
  | 'TWILIO_SECRET_ARN'
  | 'APP_SECRET_ARN'
  | 'EMAIL_FROM'
  | 'SES_CONFIGURATION_SET'
  | 'SES_EVENTS_TOPIC_ARN';
/** Settings for the local twins only; test/infra/stacks.test.ts checks that none reaches AWS. */
export const LOCAL_ONLY_SETTINGS = [
  'DYNAMODB_ENDPOINT',
  'SES_ENDPOINT',
  'TWILIO_API_BASE',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TOKEN_SECRET',
  'LOCAL_SES_EVENTS',
] as const;
type LocalOnlySetting = (typeof LOCAL_ONLY_SETTINGS)[number];
/** Settings the stack sets before shared/config.ts reads them (none now; kept for the next one). */
export const PENDING_SETTINGS = [] as const;
type PendingSetting = (typeof PENDING_SETTINGS)[number];
export type PlainSetting = Exclude<keyof Config, ResourceSetting | LocalOnlySetting>;
type SettingName = Exclude<keyof Config, LocalOnlySetting> | PendingSetting;

/**
 * How a function may use the table: read everything, and write everything, nothing, or only
 * items whose partition key matches one of `writePartitions` (IAM's dynamodb:LeadingKeys, so the
 * limit holds whatever the code does); `readPartitions` likewise narrows reads.
 */
export type TableAccess = 'read' | 'readWrite' | { readPartitions?: readonly string[]; writePartitions?: readonly string[] | 'all' | 'none' };

// Item-level actions only. Scan is left out on purpose: every list is a Query on a designed key
// (shared/adapters/dynamo/keys.ts). Transactions need no action of their own: IAM checks the
// Put/Update/Delete/ConditionCheck inside them. PartiQL selects read many people's partitions at
// once (an import: `pk IN [...]`, one Query each on DynamoDB's side); a statement that would scan
// the whole table is denied (TABLE_SCAN_DENIED).
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:PartiQLSelect'];
/** Reads that name their partition (so dynamodb:LeadingKeys can limit them): no PartiQL. */
const TABLE_ITEM_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
/** IAM's own test for a PartiQL statement that would read the whole table. */
const TABLE_SCAN_DENIED = { Bool: { 'dynamodb:FullTableScan': 'true' } };
// What CDK's own grantReadWriteData asks of the table key, written out without wildcards.
const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const TABLE_KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'];

/**
 * The one place that builds a function's environment. Every variable that points at a resource
 * comes with the permission to use it, so a function can never be configured with a table it may
 * not read, or granted a secret it is not told about.
 *
 *   new FunctionEnvironment().table(table).secret(twilio).email({ from }).setting('TWILIO_FROM', n)
 */
export class FunctionEnvironment {
  private readonly variables = new Map<SettingName, string>();
  private readonly grants: Array<(fn: lambda.IFunction) => void> = [];

  /** TABLE_NAME, and item-level access to the table and its `due` index (never Scan), as `access` says. */
  table(table: dynamodb.ITable, access: TableAccess = 'readWrite'): this {
    this.set('TABLE_NAME', table.tableName);
    const { readPartitions, writePartitions } = typeof access === 'string' ? { readPartitions: undefined, writePartitions: access === 'readWrite' ? 'all' : 'none' } : { writePartitions: 'none', ...access };
    const write = writePartitions !== 'none';
    this.grants.push((fn) => {
      const resources = [table.tableArn, `${table.tableArn}/index/${TABLE_DEFINITION.dueIndex.name}`];
      const only = (partitions: readonly string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] } });
      if (!readPartitions && writePartitions === 'all') {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS], resources }));
      } else {
        fn.addToRolePolicy(
          readPartitions
            ? // Limited partitions: the item reads only (the due index has keys of its own), under the condition.
              new iam.PolicyStatement({ actions: TABLE_ITEM_READ_ACTIONS, resources: [table.tableArn], conditions: only(readPartitions) })
            : new iam.PolicyStatement({ actions: TABLE_READ_ACTIONS, resources }),
        );
        if (Array.isArray(writePartitions)) {
          fn.addToRolePolicy(new iam.PolicyStatement({ actions: TABLE_WRITE_ACTIONS, resources: [table.tableArn], conditions: only(writePartitions) }));
        } else if (writePartitions === 'all') {
          fn.addToRolePolicy(new iam.PolicyStatement({ actions: TABLE_WRITE_ACTIONS, resources }));
        }
      }
      // A PartiQL select without its partition keys becomes a Scan: IAM refuses it, whatever the code says.
      if (!readPartitions) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['dynamodb:PartiQLSelect'], resources, conditions: TABLE_SCAN_DENIED }),
        );
      }
      if (table.encryptionKey) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: write ? [...TABLE_KEY_READ_ACTIONS, ...TABLE_KEY_WRITE_ACTIONS] : TABLE_KEY_READ_ACTIONS,
            resources: [table.encryptionKey.keyArn],
            // The key may only be used on the function's behalf by DynamoDB, not called directly.
            conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(fn).region}.amazonaws.com` } },
          }),
        );
      }
    });
    return this;
  }

  /**
   * COUNSELOR_USER_POOL_ID, and the calls that shut a removed counselor's accounts in that pool
   * (shared/adapters/cognito/cognito-counselor-accounts.ts): those actions, on that pool only.
   */
  counselorDirectory(pool: cognito.IUserPool): this {
    this.set('COUNSELOR_USER_POOL_ID', pool.userPoolId);
    this.grants.push((fn) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...COGNITO_ACCOUNT_ACTIONS], resources: [pool.userPoolArn] }));
    });
    return this;
  }

  /** TWILIO_SECRET_ARN, and read access to that one secret (decrypting through Secrets Manager only). */
  secret(secret: secretsmanager.ISecret): this {
    return this.readableSecret('TWILIO_SECRET_ARN', secret);
  }

  /** APP_SECRET_ARN (the link-signing key), and read access to that one secret. */
  appSecret(secret: secretsmanager.ISecret): this {
    return this.readableSecret('APP_SECRET_ARN', secret);
  }

  private readableSecret(name: 'TWILIO_SECRET_ARN' | 'APP_SECRET_ARN', secret: secretsmanager.ISecret): this {
    this.set(name, secret.secretArn);
    this.grants.push((fn) => {
      // Written out rather than secret.grantRead(): that grant puts the role into the key's policy
      // in the stateful stack, which would make the stateful stack depend on this one (a cycle).
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [secret.secretArn],
        }),
      );
      if (secret.encryptionKey) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [secret.encryptionKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(fn).region}.amazonaws.com` } },
          }),
        );
      }
    });
    return this;
  }

  /**
   * EMAIL_FROM and SES_CONFIGURATION_SET, and ses:SendEmail (the SES v2 API's action) on the
   * sending identity and that configuration set only, and only from the configured address
   * (`ses:FromAddress` is the address without its display name). The identity defaults to the
   * domain of the from address; pass `identity` when the verified identity is the address itself
   * or a parent domain.
   */
  email(props: { from: string; identity?: string; configurationSet: ses.IConfigurationSet }): this {
    this.set('EMAIL_FROM', props.from);
    this.set('SES_CONFIGURATION_SET', props.configurationSet.configurationSetName);
    const identity = props.identity ?? sendingDomain(props.from);
    this.grants.push((fn) => {
      const stack = Stack.of(fn);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
            stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: props.configurationSet.configurationSetName }),
          ],
          conditions: { StringEquals: { 'ses:FromAddress': sendingAddress(props.from) } },
        }),
      );
    });
    return this;
  }

  /**
   * SES_EVENTS_TOPIC_ARN: the one topic whose deliveries POST /webhooks/ses accepts (and whose
   * subscription it confirms). Nothing to grant: SNS signs what it delivers, and confirming is an
   * HTTPS GET on the SubscribeURL SNS sends.
   */
  sesEvents(topic: sns.ITopic): this {
    this.set('SES_EVENTS_TOPIC_ARN', topic.topicArn);
    return this;
  }

  /** A plain setting that gives access to nothing. */
  setting(name: PlainSetting, value: string | number): this {
    this.set(name, String(value));
    return this;
  }

  /** @internal the names set, for ServiceFunction's check against the function's own schema. */
  names(): string[] {
    return [...this.variables.keys()];
  }

  /** @internal the variables, for ServiceFunction. */
  variablesForFunction(): Record<string, string> {
    return Object.fromEntries(this.variables);
  }

  /** @internal grants everything the variables point at, for ServiceFunction. */
  grantTo(fn: lambda.IFunction): void {
    for (const grant of this.grants) grant(fn);
  }

  private set(name: SettingName, value: string): void {
    if (this.variables.has(name)) throw new Error(`${name} is set twice in one function environment`);
    this.variables.set(name, value);
  }
}

/** The address of `Name <user@domain>` or `user@domain`. */
export function sendingAddress(from: string): string {
  return (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();
}

/** The domain of `Name <user@domain>` or `user@domain`. */
export function sendingDomain(from: string): string {
  const domain = sendingAddress(from).split('@')[1]?.trim();
  if (!domain) throw new Error(`EMAIL_FROM has no domain to send from: "${from}"`);
  return domain;
}

/** Invoked asynchronously (EventBridge Scheduler, SNS, ...): Lambda queues the event and retries it. */
export interface AsyncInvocation {
  readonly kind: 'async';
  /** Lambda's own retries after a function error (0 to 2), chosen on purpose for each function. */
  readonly retryAttempts: number;
  /** Where an event goes once Lambda gives up on it (an on-failure destination, with the error). */
  readonly onFailure: sqs.IQueue;
  /** An event older than this is not run at all but sent to `onFailure`. */
  readonly maxEventAge: Duration;
}

/** Invoked only synchronously: the caller sees every error and owns the retry. */
export interface SyncInvocation {
  readonly kind: 'sync';
  /** Who calls, and what they do with an error: the reason no dead-letter queue is needed. */
  readonly caller: string;
}

export interface ServiceFunctionProps {
  /** Which handler in infra/handlers.ts this function runs. */
  readonly handler: HandlerName;
  readonly description: string;
  /** Name the logger reports as `service`. */
  readonly serviceName: string;
  readonly environment: FunctionEnvironment;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** @default none: the function draws on the account's unreserved pool */
  readonly reservedConcurrency?: number;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when the stack goes. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** How the function is invoked, which decides where failed events go. */
  readonly invocation: AsyncInvocation | SyncInvocation;
}

/**
 * A Lambda function with the house defaults: newest Node.js on Graviton, minified bundle with
 * source maps, X-Ray, its own log group with a retention, its own role holding exactly what its
 * environment grants (no managed policies), and an environment from FunctionEnvironment.
 */
export class ServiceFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The handler this function runs, and its module (absolute path). */
  readonly handler: HandlerName;
  readonly entry: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.handler = props.handler;
    this.entry = handlerEntry(props.handler);
    checkAgainstSchema(props.handler, props.environment.names());

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });

    // An explicit role instead of the default one, which would carry the AWS managed
    // AWSLambdaBasicExecutionRole (logs on every log group in the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: this.entry,
      handler: 'handler',
      description: props.description,
      runtime: SERVICE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      bundling: {
        minify: true,
        sourceMap: true,
        // Stack traces map back to our files; leaving the sources out keeps the bundle small.
        sourcesContent: false,
        // The AWS SDK is the runtime's copy (CDK's default, spelled out): bundled, it tripled the
        // bundles (the dispatcher from about 360 KB to over 1 MB) and the cold start with them
        // (BENCHMARKS.md, cold start). The price: the functions run the SDK version the Node.js
        // runtime ships, not the one package-lock.json pins. What we use of it (DynamoDB, SES v2,
        // Secrets Manager, per-request timeouts through the request handler) has been stable in
        // v3 for years, and the runtime's SDK is updated by AWS with security fixes.
        externalModules: ['@aws-sdk/*'],
      },
      environment: {
        ...props.environment.variablesForFunction(),
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        // Without this flag Node ignores the source map that the bundle carries.
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(props.invocation.kind === 'async' && {
        retryAttempts: props.invocation.retryAttempts,
        maxEventAge: props.invocation.maxEventAge,
        onFailure: new SqsDestination(props.invocation.onFailure),
      }),
    });
    props.environment.grantTo(this.function);

    // Serverless-LambdaDLQ asks for the older function-level DeadLetterConfig on every function.
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        props.invocation.kind === 'async'
          ? 'Failed asynchronous events go to an on-failure destination (EventInvokeConfig, the same SQS ' +
            'queue), which records the error and request context as well; a DeadLetterConfig beside it would ' +
            'write every failed event twice. The queue depth is alarmed.'
          : `Invoked only synchronously (${props.invocation.caller}): the caller receives every error and ` +
            'owns the retry, and Lambda never queues an event for this function, so a dead-letter queue ' +
            'would never receive anything.',
    });

    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the X-Ray statement added by Tracing.ACTIVE uses Resource "*": xray:PutTraceSegments and ' +
          'xray:PutTelemetryRecords support no resource-level permissions. test/infra/stacks.test.ts fails if ' +
          'any other statement grants on "*".',
      });
    }
  }
}

/**
 * A function is told exactly what its own configuration schema reads (shared/config.ts
 * FUNCTION_CONFIG), checked at synth: a setting its schema does not know would be a grant it
 * never uses, and a required one missing would fail its first cold start.
 */
function checkAgainstSchema(handler: HandlerName, names: readonly string[]): void {
  const shape = FUNCTION_CONFIG[handler].shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;
  const unknown = names.filter((name) => !(name in shape));
  if (unknown.length) throw new Error(`${handler} is given settings its configuration does not read: ${unknown.join(', ')}`);
  const missing = Object.entries(shape)
    .filter(([name, schema]) => !names.includes(name) && !schema.safeParse(undefined).success)
    .map(([name]) => name);
  if (missing.length) throw new Error(`${handler} lacks settings its configuration requires: ${missing.join(', ')}`);
}
