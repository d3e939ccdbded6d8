import fs from 'node:fs';
import path from 'node:path';

/**
 * Guards for the Lambda bundles' size (issue 7, BENCHMARKS.md, cold start). Both rules cut a
 * bundle by hundreds of KB and are easy to undo by habit, so they are checked here rather than
 * left to the benchmark to notice.
 */
const ROOT = path.resolve(__dirname, '../..');
const BUNDLED_DIRS = ['functions', 'shared', 'web'];

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const sources = BUNDLED_DIRS.flatMap((dir) => sourcesUnder(path.join(ROOT, dir))).map((file) => ({
  file: path.relative(ROOT, file),
  text: fs.readFileSync(file, 'utf8'),
}));

describe('what the Lambda bundles may import', () => {
  it('finds the sources it checks', () => {
    expect(sources.length).toBeGreaterThan(30);
  });

  it("imports zod as a namespace: `import { z }` keeps all of zod in every bundle (about 350 KB more, minified)", () => {
    const named = sources.filter((s) => /import\s*\{\s*z\s*\}\s*from\s*'zod'/.test(s.text)).map((s) => s.file);
    expect(named).toEqual([]);
  });

  it('never imports the twilio package (3 MB); the webhook signature is shared/domain/twilio-signature.ts', () => {
    const users = sources.filter((s) => /from\s*'twilio'|require\('twilio'\)/.test(s.text)).map((s) => s.file);
    expect(users).toEqual([]);
  });
});
