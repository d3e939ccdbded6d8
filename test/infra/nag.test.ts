import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { createApp } from '../../infra/app';
import { CDK_JSON_CONTEXT, PROD_CONTEXT, SKIP_BUNDLING } from './context';

/**
 * cdk-nag 3 is a CDK validation plugin (infra/app.ts registers the AwsSolutions and Serverless packs). At the end of `app.synth()`
 * CDK runs it over the finished tree; cdk-nag drops the findings acknowledged with
 * `Validations.of(construct).acknowledge(...)` and reports the rest. Any finding left, error or
 * warning, marks the report failed, and then:
 *   - in jest (NODE_ENV=test, CDK's "inmemory" app mode) synth throws `ValidationFailed` with the report;
 *   - under `cdk synth` the report is printed and the process exits 1;
 *   - either way `validation-report.json` in the cloud assembly lists what is left.
 * So these tests assert both: synth does not throw, and the written report is empty.
 */

interface ValidationReport {
  pluginReports: Array<{ pluginName: string; conclusion: string; violations: Array<{ ruleName: string }> }>;
}

/** Synthesizes and returns what is left unacknowledged; the thrown report, if any, fails the test with its text. */
function synthesize(app: App): ValidationReport {
  return readReport(synthesizeOrExplain(app));
}

function synthesizeOrExplain(app: App): string {
  try {
    return app.synth().directory;
  } catch (error) {
    throw new Error(`synth failed, which is how unacknowledged cdk-nag findings show:\n${(error as Error).message}`);
  }
}

function readReport(assemblyDirectory: string): ValidationReport {
  return JSON.parse(fs.readFileSync(path.join(assemblyDirectory, 'validation-report.json'), 'utf8')) as ValidationReport;
}

function acknowledgments(app: App) {
  const found: Array<{ path: string; id: string; reason: string }> = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        // CDK records ids with a namespace prefix (e.g. "Annotation::"); cdk-nag compares without it.
        found.push({ path: construct.node.path, id: id.replace(/^[A-Za-z]+::/, ''), reason });
      }
    }
  }
  return found;
}

describe.each([
  // Both stages bundle every handler with esbuild and synthesize the whole assembly, exactly as
  // `npm run synth` (`cdk synth`) does in CI: prod with every context value it requires.
  ['dev', CDK_JSON_CONTEXT],
  ['prod', { ...CDK_JSON_CONTEXT, ...PROD_CONTEXT }],
] as const)('cdk-nag AwsSolutions and Serverless on the %s app', (_stage, context) => {
  test('synthesizes with zero unacknowledged findings', () => {
    const { app } = createApp({ context });
    const report = synthesize(app);
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });
});

/** The findings both packs would report if nothing were acknowledged. */
function unacknowledgedFindings(app: App) {
  // isAcknowledged is cdk-nag's own (private) check; if it is ever renamed, this override stops
  // working and the "still needed" test fails loudly.
  const packs = [new AwsSolutionsChecks(), new ServerlessChecks()];
  return packs.flatMap((pack) => {
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    const raw = pack.validateScope(app);
    return raw.violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' })));
  });
}

/** Every acknowledgment, each with a reason a reviewer can check, for one stage. */
const INVENTORY = [
  'Stateful/AppSecret AwsSolutions-SMG4',
  // The user pool's token trigger: a ServiceFunction like the others, with the same two findings.
  'Stateful/Counselors/TokenClaims/Function Serverless-LambdaDLQ',
  'Stateful/Counselors/TokenClaims/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
  'Stateful/TwilioCredentials AwsSolutions-SMG4',
  'Stateless/Api/Function Serverless-LambdaDLQ',
  'Stateless/Api/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
  'Stateless/DefaultRoute AwsSolutions-APIG4',
  // The counselors' function: a ServiceFunction like the API's, the same two findings; and the
  // dashboard's routes, opened by a browser with a cookie the handler verifies.
  'Stateless/CounselorApi/Function Serverless-LambdaDLQ',
  'Stateless/CounselorApi/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
  'Stateless/CounselorPagesRouteauthProxy AwsSolutions-APIG4',
  'Stateless/CounselorPagesRoutedashboard AwsSolutions-APIG4',
  'Stateless/CounselorPagesRoutedashboardProxy AwsSolutions-APIG4',
  // The webhooks and public forms: routes of $default's function split out only for their own
  // throttles (infra/api-throttles.ts), authenticated by the handler like $default.
  'Stateless/PublicRoutewebhookstwiliosms AwsSolutions-APIG4',
  'Stateless/PublicRoutewebhookstwiliostatus AwsSolutions-APIG4',
  'Stateless/PublicRoutewebhooksses AwsSolutions-APIG4',
  'Stateless/PublicRoutesubscribe AwsSolutions-APIG4',
  'Stateless/PublicRouteconfirmToken AwsSolutions-APIG4',
  'Stateless/PublicRoutepreferencesToken AwsSolutions-APIG4',
  'Stateless/PublicRouteunsubscribeToken AwsSolutions-APIG4',
  'Stateless/PublicRouteplanToken AwsSolutions-APIG4',
  'Stateless/DispatchDeadLetters AwsSolutions-SQS3',
  'Stateless/DispatchDeadLetters Serverless-SQSRedrivePolicy',
  'Stateless/DispatchScheduleRole AwsSolutions-IAM5[Resource::<DispatcherFunction30F49669.Arn>:*]',
  'Stateless/Dispatcher/Function Serverless-LambdaDLQ',
  'Stateless/Dispatcher/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
  'Stateless/NotificationDeadLetters AwsSolutions-SQS3',
  'Stateless/NotificationDeadLetters Serverless-SQSRedrivePolicy',
  // The weekly digest: a ServiceFunction and its schedule, the same findings as the dispatcher's.
  'Stateless/DigestScheduleRole AwsSolutions-IAM5[Resource::<WeeklyDigestFunction5AB09814.Arn>:*]',
  'Stateless/WeeklyDigest/Function Serverless-LambdaDLQ',
  'Stateless/WeeklyDigest/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
];

describe.each([
  ['dev', { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING }],
  ['prod', { ...CDK_JSON_CONTEXT, ...PROD_CONTEXT, ...SKIP_BUNDLING }],
] as const)('acknowledged findings (%s)', (stage, context) => {
  const { app } = createApp({ context });
  const acks = acknowledgments(app);

  test('are exactly these (a new one must be added here, in review)', () => {
    expect(acks.map((a) => `${a.path} ${a.id}`).sort()).toEqual(INVENTORY.map((entry) => `MatchCoach-${stage}-${entry}`).sort());
  });

  test('each carries a reason a reviewer can check', () => {
    for (const { reason } of acks) {
      expect(reason.length).toBeGreaterThan(80);
      expect(reason).not.toMatch(/TODO|FIXME|temporar/i);
    }
  });

  test('each is still needed: without acknowledgments, every one matches a real finding', () => {
    const findings = unacknowledgedFindings(app);
    for (const ack of acks) {
      const matched = findings.some((f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect({ ack: `${ack.path} ${ack.id}`, matched }).toEqual({ ack: `${ack.path} ${ack.id}`, matched: true });
    }
  });
});

describe('an unacknowledged finding (planted: a plain-text queue) is caught', () => {
  const plant = (context: Record<string, unknown>) => {
    const built = createApp({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...context } });
    new sqs.Queue(built.stateless, 'PlantedPlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    return built.app;
  };

  test('in memory (jest): synth throws with the finding, from both packs', () => {
    expect(() => plant({}).synth()).toThrow(/AwsSolutions-SQS4[\s\S]*PlantedPlainQueue|PlantedPlainQueue[\s\S]*AwsSolutions-SQS4/);
    expect(() => plant({}).synth()).toThrow(/Serverless-SQSRedrivePolicy[\s\S]*PlantedPlainQueue|PlantedPlainQueue[\s\S]*Serverless-SQSRedrivePolicy/);
  });

  test('as a process (cdk synth): the report lists it and the exit code is 1', () => {
    const exitCode = process.exitCode;
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const app = plant({ '@aws-cdk/core:appMode': 'process' });
      const report = readReport(app.synth().directory);
      expect(process.exitCode).toBe(1);
      const rules = report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
      expect(rules).toContain('AwsSolutions-SQS4');
      expect(rules).toContain('Serverless-SQSRedrivePolicy');
    } finally {
      process.exitCode = exitCode;
      quiet.mockRestore();
    }
  });
});
