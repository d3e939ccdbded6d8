import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ConfigSchema } from '../shared/config';
import { type StageName, StatefulStack } from './stateful-stack';
import { type DeliverySettings, StatelessStack } from './stateless-stack';

/**
 * The CDK app: one stateful and one stateless stack per stage, env-agnostic (account and region
 * come from the deploying credentials), checked by cdk-nag's AwsSolutions pack on every synth.
 *
 *   npx cdk synth -c stage=dev
 *   npx cdk synth -c stage=prod -c emailFrom='Match Coach <coach@example.org>' \
 *     -c postalAddress='...' -c twilioFrom=+15551234567 -c publicBaseUrl=https://coach.example.org
 */

const STAGES: readonly StageName[] = ['dev', 'prod'];

/** Clear placeholders that let dev synthesize and deploy with no setup; prod must say every one. */
const DEV_DEFAULTS = {
  emailFrom: 'Match Coach Dev <coach@example.com>',
  postalAddress: 'Match Coach (dev), 1 Example Street, Springfield, IL 62701, USA',
  // Twilio's magic test number: accepted by test credentials, sends nothing.
  twilioFrom: '+15005550006',
} as const;

/** Context key -> what it is, for the error message when prod is missing one. */
const REQUIRED_IN_PROD = {
  emailFrom: 'sender, e.g. "Match Coach <coach@example.org>" (SES-verified)',
  postalAddress: 'postal address printed in every email',
  twilioFrom: 'E.164 sending number or Messaging Service SID',
  publicBaseUrl: 'https URL that links and Twilio callbacks point at',
} as const;

export function readStage(scope: IConstruct): StageName {
  const stage = scope.node.tryGetContext('stage') ?? 'dev';
  if (!STAGES.includes(stage)) throw new Error(`context "stage" must be one of ${STAGES.join(', ')}, not "${stage}"`);
  return stage;
}

export function readDeliverySettings(scope: IConstruct, stage: StageName): DeliverySettings {
  const context = (key: string): string | undefined => {
    const value = scope.node.tryGetContext(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  if (stage === 'prod') {
    const missing = Object.entries(REQUIRED_IN_PROD).filter(([key]) => !context(key));
    if (missing.length > 0) {
      const list = missing.map(([key, what]) => `  -c ${key}=...  (${what})`).join('\n');
      throw new Error(`stage prod needs these context values:\n${list}`);
    }
  }
  const settings: DeliverySettings = {
    emailFrom: context('emailFrom') ?? DEV_DEFAULTS.emailFrom,
    sesIdentity: context('sesIdentity'),
    postalAddress: context('postalAddress') ?? DEV_DEFAULTS.postalAddress,
    twilioFrom: context('twilioFrom') ?? DEV_DEFAULTS.twilioFrom,
    publicBaseUrl: context('publicBaseUrl'),
    alarmEmail: context('alarmEmail'),
  };
  validateAgainstRuntimeConfig(settings);
  return settings;
}

/** Fail at synth, not at the first cold start, on a value the functions' own schema would refuse. */
function validateAgainstRuntimeConfig(settings: DeliverySettings): void {
  const { shape } = ConfigSchema;
  const checks = [
    ['emailFrom', shape.EMAIL_FROM, settings.emailFrom],
    ['postalAddress', shape.POSTAL_ADDRESS, settings.postalAddress],
    ['twilioFrom', shape.TWILIO_FROM, settings.twilioFrom],
    ['publicBaseUrl', shape.PUBLIC_BASE_URL, settings.publicBaseUrl],
  ] as const;
  for (const [key, schema, value] of checks) {
    if (value === undefined) continue;
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(`context "${key}" is invalid: ${result.error.issues[0]?.message}`);
  }
}

/** cdk-nag 3 runs as a CDK validation plugin: an unacknowledged finding fails the synth. */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

export interface MatchCoachApp {
  readonly app: App;
  readonly stage: StageName;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export function createApp(props: AppProps = {}): MatchCoachApp {
  const app = new App(props);
  const stage = readStage(app);
  const settings = readDeliverySettings(app, stage);
  const prefix = `MatchCoach-${stage}`;

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    stage,
    description: `Match Coach ${stage}: plans table and Twilio credentials (retained in prod)`,
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    stage,
    description: `Match Coach ${stage}: functions, HTTP API, dispatch schedule, alarms`,
    table: stateful.table,
    twilioSecret: stateful.twilioSecret,
    appSecret: stateful.appSecret,
    settings,
  });

  Tags.of(app).add('project', 'match-coach');
  Tags.of(app).add('stage', stage);
  addComplianceChecks(app);
  return { app, stage, stateful, stateless };
}

if (require.main === module) {
  try {
    createApp().app.synth();
  } catch (error) {
    // Context mistakes are the operator's to fix: say what is wrong without a stack trace.
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
