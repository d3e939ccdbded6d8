/**
 * Five projects (README, "Two commands"): unit on memory twins, slow (the unit tests that take long,
 * listed below), integration against the real local twins, infra (CDK Template assertions +
 * cdk-nag), e2e against the whole local stack.
 * Type checking is `npm run typecheck`; jest only transpiles, which keeps the suite quick.
 */
const fs = require('node:fs');
const path = require('node:path');

// A passing run prints nothing but jest's own lines. Set here, before any worker or child process
// starts, so all of them inherit it: the AWS SDK's notice that it will want Node 22 (it works on
// Node 20) would otherwise print once per process, and the handlers' Powertools logs once per
// request (tests that look at logs pass their own logger). MATCHCOACH_TEST_REPORT=1 prints the
// measurements some tests take (test/support/report.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

// The unit tests that take long: the five slowest unit files in a timed run on a 2-core machine,
// together just over half of the unit tests' time; the next slowest took about half as long as
// the fifth (README, "Run the tests"). A season walked in memory for every persona, property runs
// over whole webhook and API handlers, the CLI spawned once per command, every step rendered in
// every zone. They stay in test/unit/ (they are unit tests on memory twins); a project of their
// own keeps `npm run test:unit` quick, and `npm test` still runs them.
const SLOW_UNIT_TESTS = [
  'test/unit/personas.test.ts',
  'test/unit/twilio-webhooks.test.ts',
  'test/unit/cli.test.ts',
  'test/unit/subscriber-api.property.test.ts',
  'test/unit/content.test.ts',
];
// A renamed or removed file would otherwise drop out of both projects without a word.
for (const file of SLOW_UNIT_TESTS) {
  if (!fs.existsSync(path.join(__dirname, file))) throw new Error(`jest.config.js: ${file} is listed as slow but does not exist`);
}
const escaped = (file) => file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...SLOW_UNIT_TESTS.map((file) => `<rootDir>/${escaped(file)}$`)],
    },
    { ...common, displayName: 'slow', testMatch: SLOW_UNIT_TESTS.map((file) => `<rootDir>/${file}`) },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
