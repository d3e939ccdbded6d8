import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ConfigSchema } from '../shared/config';
import { whatsappSetupOf } from '../shared/adapters/whatsapp-setup';
import { type StageName, StatefulStack } from './stateful-stack';
import { DEFAULT_DISPATCHER_CONCURRENCY, type DeliverySettings, StatelessStack } from './stateless-stack';

/**
 * The CDK app: one stateful and one stateless stack per stage, env-agnostic (account and region
 * come from the deploying credentials), checked by cdk-nag's AwsSolutions and Serverless packs on
 * every synth.
 *
 *   npx cdk synth -c stage=dev
 *   npx cdk synth -c stage=prod -c emailFrom='Match Coach <coach@example.org>' \
 *     -c postalAddress='...' -c twilioFrom=+15551234567 -c publicBaseUrl=https://coach.example.org
 *
 * Optional context: sesIdentity, alarmEmail, certificateArn (maps the publicBaseUrl host to the
 * API), dispatcherConcurrency (a number, or "none" for accounts whose Lambda concurrency quota is
 * still the new-account 10), smsRatePerSecond / emailRatePerSecond / emailDailyQuota (the
 * providers' limits for this account), whatsappFrom / whatsappTemplates / whatsappRatePerSecond
 * (WhatsApp, when the sender is approved). DEPLOY.md describes each.
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
    certificateArn: context('certificateArn'),
    alarmEmail: context('alarmEmail'),
    dispatcherReservedConcurrency: readConcurrency(scope.node.tryGetContext('dispatcherConcurrency')),
    whatsapp: readWhatsApp(scope, context),
    pacing: {
      smsPerSecond: readPace(scope, 'smsRatePerSecond', 'SMS_RATE_PER_SECOND'),
      emailPerSecond: readPace(scope, 'emailRatePerSecond', 'EMAIL_RATE_PER_SECOND'),
      emailDailyQuota: readPace(scope, 'emailDailyQuota', 'EMAIL_DAILY_QUOTA'),
    },
  };
  validateAgainstRuntimeConfig(settings);
  validatePublicDomain(settings);
  return settings;
}

/**
 * A provider limit from context (the operator's own: Twilio sender type, SES quotas), checked by
 * the runtime schema; absent, the schema's default, written out so the template shows it.
 */
function readPace(scope: IConstruct, key: string, setting: 'SMS_RATE_PER_SECOND' | 'EMAIL_RATE_PER_SECOND' | 'EMAIL_DAILY_QUOTA' | 'WHATSAPP_RATE_PER_SECOND'): number {
  const raw = scope.node.tryGetContext(key);
  const result = ConfigSchema.shape[setting].safeParse(raw === '' ? undefined : raw);
  if (!result.success) throw new Error(`context "${key}" is invalid: ${result.error.issues[0]?.message}`);
  return result.data;
}

/**
 * WhatsApp, when `whatsappFrom` is given: the sender, the approved templates (each must be one of
 * shared/content/whatsapp-templates.json) and the sender's rate, all checked now, not at the first
 * cold start.
 */
function readWhatsApp(scope: IConstruct, context: (key: string) => string | undefined): DeliverySettings['whatsapp'] {
  const from = context('whatsappFrom');
  if (!from) return undefined;
  const templates = context('whatsappTemplates') ?? '';
  const parsed = {
    from: ConfigSchema.shape.WHATSAPP_FROM.safeParse(from),
    templates: ConfigSchema.shape.WHATSAPP_TEMPLATES.safeParse(templates),
  };
  if (!parsed.from.success) throw new Error(`context "whatsappFrom" is invalid: ${parsed.from.error.issues[0]?.message}`);
  if (!parsed.templates.success) throw new Error(`context "whatsappTemplates" is invalid: ${parsed.templates.error.issues[0]?.message}`);
  try {
    whatsappSetupOf({ WHATSAPP_FROM: parsed.from.data, WHATSAPP_TEMPLATES: parsed.templates.data });
  } catch (error) {
    throw new Error(`context "whatsappTemplates" is invalid: ${(error as Error).message}`);
  }
  return { from, templates, perSecond: readPace(scope, 'whatsappRatePerSecond', 'WHATSAPP_RATE_PER_SECOND') };
}

/** A positive whole number, "none" (no reserved concurrency), or the default. */
function readConcurrency(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_DISPATCHER_CONCURRENCY;
  if (raw === 'none') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`context "dispatcherConcurrency" must be a whole number of at least 1, or "none", not "${String(raw)}"`);
  }
  return value;
}

/** A certificate maps the publicBaseUrl host onto the API: that URL must be a bare https host. */
function validatePublicDomain(settings: DeliverySettings): void {
  if (!settings.certificateArn) return;
  if (!settings.publicBaseUrl) throw new Error('context "certificateArn" needs "publicBaseUrl": the host it is a certificate for');
  const url = new URL(settings.publicBaseUrl);
  if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '') || url.search) {
    throw new Error('context "publicBaseUrl" must be https://<host> with no path when "certificateArn" is given');
  }
  if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(settings.certificateArn)) {
    throw new Error('context "certificateArn" must be an ACM certificate ARN in the stack\'s region');
  }
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
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
}

const CROSS_STACK_REFERENCES = '@aws-cdk/core:defaultCrossStackReferences';

export interface MatchCoachApp {
  readonly app: App;
  readonly stage: StageName;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export function createApp(props: AppProps = {}): MatchCoachApp {
  const app = new App(props);
  // Strong (CloudFormation exports): the stateful stack cannot be deleted, nor an export it gives
  // the stateless stack removed, while the stateless stack uses it. That is the protection wanted
  // for the table, keys and secrets; said explicitly so a CDK default change cannot alter it.
  if (app.node.tryGetContext(CROSS_STACK_REFERENCES) === undefined) app.node.setContext(CROSS_STACK_REFERENCES, 'strong');
  const stage = readStage(app);
  const settings = readDeliverySettings(app, stage);
  const prefix = `MatchCoach-${stage}`;

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    stage,
    description: `Match Coach ${stage}: plans table, secrets, counselor accounts, SES configuration set (retained in prod)`,
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    stage,
    description: `Match Coach ${stage}: functions, HTTP API, dispatch schedule, SES events subscription, alarms, dashboard`,
    table: stateful.table,
    twilioSecret: stateful.twilioSecret,
    appSecret: stateful.appSecret,
    counselorPool: stateful.counselors.userPool,
    counselorSignInBaseUrl: stateful.counselors.domain.baseUrl(),
    counselorTokenClaims: stateful.counselors.tokenClaims,
    sesConfigurationSet: stateful.emailEvents.configurationSet,
    sesEventsTopic: stateful.emailEvents.topic,
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
