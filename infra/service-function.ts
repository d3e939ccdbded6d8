import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../shared/adapters/dynamo/keys';
import type { Config } from '../shared/config';

/**
 * The newest Node.js runtime this aws-cdk-lib knows. cdk-nag's AwsSolutions-L1 compares against the
 * same list, so moving aws-cdk-lib forward is what moves this forward.
 */
export const SERVICE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Settings that are plain values. The names come from shared/config.ts so that a renamed setting
 * breaks the build here instead of the function at cold start. Settings that give access to a
 * resource (TABLE_NAME, TWILIO_SECRET_ARN, EMAIL_FROM) are only set through the methods that also
 * grant that access; local-twin settings (endpoints, raw Twilio credentials) never reach AWS.
 */
type ResourceSetting = 'TABLE_NAME' | 'TWILIO_SECRET_ARN' | 'EMAIL_FROM';
type LocalOnlySetting = 'DYNAMODB_ENDPOINT' | 'SES_ENDPOINT' | 'TWILIO_API_BASE' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN';
export type PlainSetting = Exclude<keyof Config, ResourceSetting | LocalOnlySetting>;
type SettingName = Exclude<keyof Config, LocalOnlySetting>;

export type TableAccess = 'read' | 'readWrite';

// Item-level actions only. Scan is left out on purpose: every list is a Query on a designed key
// (shared/adapters/dynamo/keys.ts). Transactions need no action of their own: IAM checks the
// Put/Update/Delete/ConditionCheck inside them.
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
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

  /** TABLE_NAME, and item-level access to the table and its `due` index (never Scan). */
  table(table: dynamodb.ITable, access: TableAccess = 'readWrite'): this {
    this.set('TABLE_NAME', table.tableName);
    this.grants.push((fn) => {
      const write = access === 'readWrite';
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: write ? [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS] : TABLE_READ_ACTIONS,
          resources: [table.tableArn, `${table.tableArn}/index/${TABLE_DEFINITION.dueIndex.name}`],
        }),
      );
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
   * EMAIL_FROM, and ses:SendEmail (the SES v2 API's action) on the sending identity only.
   * The identity defaults to the domain of the from address; pass `identity` when the verified
   * identity is the address itself or a parent domain.
   */
  email(props: { from: string; identity?: string }): this {
    this.set('EMAIL_FROM', props.from);
    const identity = props.identity ?? sendingDomain(props.from);
    this.grants.push((fn) => {
      const stack = Stack.of(fn);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })],
        }),
      );
    });
    return this;
  }

  /** A plain setting that gives access to nothing. */
  setting(name: PlainSetting, value: string | number): this {
    this.set(name, String(value));
    return this;
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

/** The domain of `Name <user@domain>` or `user@domain`. */
export function sendingDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.split('@')[1]?.trim();
  if (!domain) throw new Error(`EMAIL_FROM has no domain to send from: "${from}"`);
  return domain;
}

export interface AsyncInvokeOptions {
  /** Lambda's own retries after a function error (0 to 2). */
  readonly retryAttempts: number;
  /** Where an event goes once Lambda gives up on it. */
  readonly onFailure: sqs.IQueue;
  readonly maxEventAge?: Duration;
}

export interface ServiceFunctionProps {
  /** Path of the handler module (exports `handler`). */
  readonly entry: string;
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
  /** For functions invoked asynchronously (e.g. by EventBridge Scheduler). */
  readonly asyncInvoke?: AsyncInvokeOptions;
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

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

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
      entry: props.entry,
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
      },
      environment: {
        ...props.environment.variablesForFunction(),
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        // Without this flag Node ignores the source map that the bundle carries.
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(props.asyncInvoke && {
        retryAttempts: props.asyncInvoke.retryAttempts,
        maxEventAge: props.asyncInvoke.maxEventAge,
        onFailure: new SqsDestination(props.asyncInvoke.onFailure),
      }),
    });
    props.environment.grantTo(this.function);

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
