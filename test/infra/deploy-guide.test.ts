import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../infra/app';
import { REPOSITORY_ROOT } from '../../infra/handlers';
import { apiThrottles } from '../../infra/api-throttles';
import { CDK_JSON_CONTEXT, PROD_CONTEXT, SKIP_BUNDLING } from './context';

/**
 * DEPLOY.md is the operator's only guide: it must name every context value the app reads, every
 * alarm (with what to do), and every stack output it tells the operator to use.
 */
const guide = fs.readFileSync(path.join(REPOSITORY_ROOT, 'DEPLOY.md'), 'utf8');
const appSource = fs.readFileSync(path.join(REPOSITORY_ROOT, 'infra', 'app.ts'), 'utf8');

describe('DEPLOY.md', () => {
  const built = createApp({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...PROD_CONTEXT, alarmEmail: 'ops@example.org' } });

  test('names every context value the app reads', () => {
    const keys = new Set<string>();
    for (const [, key] of appSource.matchAll(/(?:tryGetContext|context|readPace\(scope,)\(?\s*'(\w+)'/g)) keys.add(key!);
    for (const key of Object.keys(PROD_CONTEXT)) keys.add(key);
    expect(keys.size).toBeGreaterThanOrEqual(12);
    for (const key of keys) expect({ key, documented: guide.includes(key) }).toEqual({ key, documented: true });
  });

  test('says what to do for every alarm', () => {
    const alarms = built.stateless.operations.alarms.map((alarm) => alarm.node.id);
    expect(alarms.length).toBeGreaterThan(10);
    for (const id of alarms) expect({ id, documented: guide.includes(id) }).toEqual({ id, documented: true });
  });

  test('every stack output it refers to exists, and every output is explained', () => {
    const outputs = [built.stateful, built.stateless]
      .flatMap((stack) => Object.keys(Template.fromStack(stack).toJSON().Outputs ?? {}))
      .filter((o) => !o.startsWith('Exports'));
    for (const output of outputs) expect({ output, documented: guide.includes(output) }).toEqual({ output, documented: true });
    for (const [, name] of guide.matchAll(/<(\w+) output>/g)) expect(outputs).toContain(name);
  });

  test('lists every route with a throttle of its own, and the sign-up form\'s limit', () => {
    const { routes } = apiThrottles(1);
    for (const key of Object.keys(routes)) {
      const routePath = key.split(' ')[1]!;
      expect({ routePath, documented: guide.includes(routePath) }).toEqual({ routePath, documented: true });
    }
    expect(guide).toMatch(/`POST \/subscribe` \| 5 \| 10 \|/);
  });
});
