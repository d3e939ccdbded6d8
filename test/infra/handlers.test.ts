import * as fs from 'node:fs';
import * as path from 'node:path';
import { AWS_ONLY_HANDLERS, HANDLERS, type HandlerName, handlerEntry, REPOSITORY_ROOT } from '../../infra/handlers';
import { ServiceFunction } from '../../infra/service-function';
import { build, PROD_CONTEXT, resourcesOf } from './context';

/**
 * The local stack (`npm start`) and the AWS stack run the same handlers: both take them from
 * infra/handlers.ts, and this file checks the three lists against each other: the handler
 * modules that exist under functions/, the ServiceFunctions of the CDK app, and the handler
 * modules the local stack loads.
 */

const EXPORTS_HANDLER = /export\s+(?:const|let|async\s+function|function)\s+handler\b/;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const relative = (file: string) => path.relative(REPOSITORY_ROOT, file).split(path.sep).join('/');

/** Handler names the local stack's sources load, by literal path or through infra/handlers.ts. */
function handlersLoadedLocally(): Set<string> {
  const byModule = new Map(Object.entries(HANDLERS).map(([name, file]) => [file.replace(/\.ts$/, ''), name]));
  const found = new Set<string>();
  for (const file of sourceFiles(path.join(REPOSITORY_ROOT, 'infra', 'local'))) {
    const text = fs.readFileSync(file, 'utf8');
    // import('../../functions/api'), from '../../functions/api', require('../../functions/api')
    for (const [, specifier] of text.matchAll(/(?:import\(|from\s+|require\()\s*['"]([^'"]*functions\/[^'"]+)['"]/g)) {
      const module = relative(path.resolve(path.dirname(file), specifier!)).replace(/\.ts$/, '');
      found.add(byModule.get(module) ?? `unlisted module ${module}`);
    }
    // handlerEntry('api'), HANDLERS.api, HANDLERS['api']
    for (const [, name] of text.matchAll(/handlerEntry\(\s*['"](\w+)['"]\s*\)/g)) found.add(name!);
    for (const [, a, b] of text.matchAll(/HANDLERS(?:\.(\w+)|\[\s*['"](\w+)['"]\s*\])/g)) found.add((a ?? b)!);
  }
  return found;
}

describe('handlers: one list for the local stack and the AWS stack', () => {
  const names = Object.keys(HANDLERS).sort();

  test('every module under functions/ that exports a Lambda handler is listed, and every listed one exists and exports it', () => {
    const exporting = sourceFiles(path.join(REPOSITORY_ROOT, 'functions'))
      .filter((file) => EXPORTS_HANDLER.test(fs.readFileSync(file, 'utf8')))
      .map(relative)
      .sort();
    expect(exporting).toEqual(Object.values(HANDLERS).slice().sort());
  });

  test.each([
    ['dev', {}],
    ['prod', PROD_CONTEXT],
  ] as const)('the %s AWS stack runs each listed handler in exactly one ServiceFunction, and no other Lambda', (_stage, context) => {
    const built = build(context);
    const services = built.app.node.findAll().filter((c): c is ServiceFunction => c instanceof ServiceFunction);
    expect(services.map((s) => s.handler).sort()).toEqual(names);
    for (const service of services) expect(service.entry).toBe(handlerEntry(service.handler));
    const lambdas = [...resourcesOf(built.stateless, 'AWS::Lambda::Function'), ...resourcesOf(built.stateful, 'AWS::Lambda::Function')];
    expect(lambdas).toHaveLength(services.length);
    // The one function in the stateful stack is the user pool's own trigger (a pool in one stack
    // with its trigger in the other would make each stack depend on the other).
    expect(resourcesOf(built.stateful, 'AWS::Lambda::Function').map(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME)).toEqual(['counselorToken']);
  });

  test('the local stack loads exactly the listed handlers, except those only AWS runs (each saying what stands in locally)', () => {
    const awsOnly = Object.keys(AWS_ONLY_HANDLERS);
    for (const reason of Object.values(AWS_ONLY_HANDLERS)) expect(reason!.length).toBeGreaterThan(20);
    expect([...handlersLoadedLocally()].sort()).toEqual(names.filter((name) => !awsOnly.includes(name)));
  });

  test('each function reports its handler name as the `service` of its log lines', () => {
    const built = build({});
    const functions = [...resourcesOf(built.stateless, 'AWS::Lambda::Function'), ...resourcesOf(built.stateful, 'AWS::Lambda::Function')].map(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME);
    expect(functions.sort()).toEqual(names as HandlerName[]);
  });
});
