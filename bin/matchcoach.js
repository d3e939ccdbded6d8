#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx matchcoach` works from a fresh clone without a build.
require('tsx/cjs');
require('./matchcoach.ts');
