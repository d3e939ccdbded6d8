/**
 * Four tiers (README, "Two commands"): unit on memory twins, integration against the real local twins,
 * infra (CDK Template assertions + cdk-nag), e2e against the whole local stack.
 * Type checking is `npm run typecheck`; jest only transpiles, which keeps the suite quick.
 */
// A passing run prints nothing but jest's own lines. Set here, before any worker or child process
// starts, so all of them inherit it: the AWS SDK's notice that it will want Node 22 (it works on
// Node 20) would otherwise print once per process, and the handlers' Powertools logs once per
// request (tests that look at logs pass their own logger). MATCHCOACH_TEST_REPORT=1 prints the
// measurements some tests take (test/support/report.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
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
