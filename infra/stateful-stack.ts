import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../shared/adapters/dynamo/keys';
import { CounselorDirectory } from './counselors';
import { EmailEvents } from './email-events';

export type StageName = 'dev' | 'prod';

export interface StatefulStackProps extends StackProps {
  readonly stage: StageName;
}

/**
 * What outlives a deployment: the plans table, the Twilio credentials and the link-signing key
 * (encrypted with a key this stack owns), the counselors' user pool, and the SES configuration set
 * with its events topic (its name is used outside CDK). Nothing here is named physically, so two
 * stages (or two developers) can share an account. The stateless stack receives these as typed props.
 */
export class StatefulStack extends Stack {
  readonly table: dynamodb.ITable;
  readonly twilioSecret: secretsmanager.ISecret;
  readonly appSecret: secretsmanager.ISecret;
  readonly dataKey: kms.IKey;
  readonly counselors: CounselorDirectory;
  readonly emailEvents: EmailEvents;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const prod = props.stage === 'prod';
    // Production data survives a `cdk destroy` or a stack replaced by mistake; dev data does not.
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // A customer-managed key rather than the AWS-managed one: the table holds applicants' names,
    // phone numbers and email addresses. Our own key gives a key policy we control, a CloudTrail
    // record of every use, a way to cut off all access at once (disable the key), and crypto-shredding
    // when a stage is torn down. It costs about a dollar a month; rotation is yearly and automatic.
    const dataKey = new kms.Key(this, 'DataKey', {
      description: `Match Coach ${props.stage}: plans table and Twilio credentials`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.dataKey = dataKey;

    const { partitionKey, sortKey, timeToLiveAttribute, dueIndex } = TABLE_DEFINITION;
    const table = new dynamodb.Table(this, 'Plans', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: dataKey,
      timeToLiveAttribute,
      deletionProtection: prod,
      removalPolicy,
    });
    // Sparse: only messages still to go out carry the due keys. The dispatcher reads ids from the
    // index and then claims each item on the table, so the index needs no attributes of its own.
    table.addGlobalSecondaryIndex({
      indexName: dueIndex.name,
      partitionKey: { name: dueIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: dueIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    this.table = table;

    // The operator sets the real value after the first deploy:
    //   aws secretsmanager put-secret-value --secret-id <TwilioSecretArn> \
    //     --secret-string '{"accountSid":"AC...","authToken":"..."}'
    // Until then it holds a placeholder sid and a random token, which shared/adapters/secrets.ts
    // refuses loudly (field named, value not); no credential is ever in code or in the template.
    const twilioSecret = new secretsmanager.Secret(this, 'TwilioCredentials', {
      description: `Match Coach ${props.stage}: Twilio credentials as JSON {accountSid, authToken}, set by the operator`,
      encryptionKey: dataKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ accountSid: 'SET-BY-OPERATOR' }),
        generateStringKey: 'authToken',
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(twilioSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Twilio credentials are issued by Twilio, not by AWS: a rotation Lambda cannot mint a new auth ' +
        'token. The operator rotates it in the Twilio console (primary/secondary token) and then puts ' +
        'the new value here.',
    });
    this.twilioSecret = twilioSecret;

    // The key that signs people's links (unsubscribe, preferences, calendar, confirmation),
    // generated at deploy time; nobody needs to read it.
    const appSecret = new secretsmanager.Secret(this, 'AppSecret', {
      description: `Match Coach ${props.stage}: signing key for people's links, as JSON {tokenSecret}`,
      encryptionKey: dataKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'tokenSecret',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(appSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the link-signing key would break every unsubscribe and preference link already in ' +
        "people's inboxes (docs/rules.md requires those to keep working); it is rotated by hand, with a grace " +
        'period, only if it is ever exposed.',
    });
    this.appSecret = appSecret;

    this.counselors = new CounselorDirectory(this, 'Counselors', {
      stage: props.stage,
      table,
      removalPolicy,
      deletionProtection: prod,
      logRemovalPolicy: removalPolicy,
    });
    this.emailEvents = new EmailEvents(this, 'EmailEvents', { stage: props.stage });

    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'AppSecretArn', { value: appSecret.secretArn, description: 'Generated; the CLI needs its ARN (DEPLOY.md)' });
    new CfnOutput(this, 'TwilioSecretArn', {
      value: twilioSecret.secretArn,
      description: 'Put {"accountSid","authToken"} here after the first deploy',
    });
  }
}
