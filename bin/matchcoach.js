#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx matchcoach` works from a fresh clone without a build.
// The AWS SDK warns on every run under Node 20 (it works; Lambda runs Node 22+): keep the CLI's
// stderr for our own one-line messages.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('./matchcoach.ts');
