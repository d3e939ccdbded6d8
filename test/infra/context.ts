import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp, type MatchCoachApp } from '../../infra/app';

/** What the infra tests share: the context a prod synth needs, and a one-call build of both templates. */

/** Every value prod refuses to synthesize without (infra/app.ts REQUIRED_IN_PROD). */
export const PROD_CONTEXT = {
  stage: 'prod',
  emailFrom: 'Match Coach <coach@mail.matchcoach.example.org>',
  postalAddress: 'Match Coach, 100 Main Street, Boston, MA 02110, USA',
  twilioFrom: '+15551234567',
  publicBaseUrl: 'https://coach.example.org',
} as const;

/**
 * The feature flags in cdk.json, which `cdk synth` hands the app as context: given here too, so
 * the templates under test are the ones a synth deploys. Stage is left to each test.
 */
const { stage: _stage, ...cdkJsonContext } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8')).context as Record<string, unknown>;
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = cdkJsonContext;

/** Skips esbuild: for tests about templates. nag.test.ts bundles, as `cdk synth` does. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export type Resources = Record<
  string,
  { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: string[] }
>;
export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

export function build(context: Record<string, unknown>) {
  const built: MatchCoachApp = createApp({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...context } });
  return { ...built, stateful: Template.fromStack(built.stateful), stateless: Template.fromStack(built.stateless) };
}
export type Built = ReturnType<typeof build>;

export const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

export function statements(template: Template): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

export function resourcesOf(template: Template, type: string): Array<[string, Resources[string]]> {
  return Object.entries(template.findResources(type) as Resources);
}
