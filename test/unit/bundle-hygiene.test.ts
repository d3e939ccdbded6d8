import fs from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';

/**
 * Guards for the Lambda bundles' size (BENCHMARKS.md, cold start). Both rules cut a
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

  it('never imports busboy (20 KB); multipart forms are read by functions/multipart-form.ts, busboy is for its tests only', () => {
    const users = sources.filter((s) => /from\s*'busboy'|require\('busboy'\)/.test(s.text)).map((s) => s.file);
    expect(users).toEqual([]);
  });
});

/** A handler bundled as infra/service-function.ts bundles it (bench/cold-start.ts does the same): esbuild's record of what went in. */
async function bundleRecord(handlerFile: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'functions', handlerFile)],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    outfile: path.join(ROOT, handlerFile.replace(/\.ts$/, '.js')),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

const reached = (metafile: Metafile, patterns: readonly RegExp[]) => Object.keys(metafile.inputs).filter((input) => patterns.some((pattern) => pattern.test(input)));

/**
 * The HTTP API is two functions: the public one (functions/api.ts) must not carry the
 * counselors' code, nor busboy (functions/multipart-form.ts reads its forms), or its cold start
 * grows back.
 */
describe("the public API function's bundle leaves out what its routes do not need", () => {
  // Never reached from functions/api.ts at all.
  const UNREACHABLE = [
    /node_modules\/csv-parse\//,
    /node_modules\/(busboy|streamsearch)\//,
    /^functions\/counselor-api\.ts$/,
    /^functions\/routes\/counselor(-dashboard)?\.ts$/,
    /^web\/counselor-pages\.ts$/,
    /^shared\/app\/cohorts\//,
    /^shared\/domain\/charts\.ts$/,
  ];
  // Imported by the crisis alert (shared/app/counselors/counselor-alerts.ts, for the weekly digest beside it)
  // but tree-shaken: nothing of them may land in the bundle.
  const NOT_EMITTED = [/^shared\/(app|domain)\/cohort-report\.ts$/];

  let metafile: Metafile;
  beforeAll(async () => {
    metafile = await bundleRecord('api.ts');
  }, 60_000);

  it('imports none of csv-parse, busboy, the counselor routes, the dashboard pages, cohorts, CSV import or charts', () => {
    expect(Object.keys(metafile.inputs)).toEqual(expect.arrayContaining(['functions/routes/twilio.ts', 'functions/multipart-form.ts']));
    expect(reached(metafile, UNREACHABLE)).toEqual([]);
  });

  it('emits nothing of the cohort reports', () => {
    const emitted = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, contribution]) => contribution.bytesInOutput > 0)
        .map(([input]) => input),
    );
    expect(emitted.filter((input) => NOT_EMITTED.some((pattern) => pattern.test(input)))).toEqual([]);
  });
});

/**
 * Verifying counselor tokens (JWTs, Cognito's keys, the local issuer) and the hosted sign-in are
 * the counselors' function's alone: shared/adapters/counselor-services.ts adds them on top of the
 * services every function builds, so no other handler bundles them.
 */
describe('counselor sign-in is bundled into the counselors\' function only', () => {
  const SIGN_IN = [
    /^shared\/adapters\/counselor-services\.ts$/,
    /^shared\/app\/counselors\/counselor-auth\.ts$/,
    /^shared\/adapters\/(local-jwt|cognito-jwks|cognito-token)\.ts$/,
    /^shared\/domain\/sign-in-flow\.ts$/,
  ];
  const handlerFiles = fs
    .readdirSync(path.join(ROOT, 'functions'))
    .filter((file) => file.endsWith('.ts') && /export (const|async function) handler\b/.test(fs.readFileSync(path.join(ROOT, 'functions', file), 'utf8')));

  it('finds every handler, the counselors\' one among them', () => {
    expect(handlerFiles).toEqual(expect.arrayContaining(['api.ts', 'counselor-api.ts', 'dispatcher.ts', 'weekly-digest.ts']));
  });

  it('is in the counselors\' function (so the patterns below name real files)', async () => {
    expect(reached(await bundleRecord('counselor-api.ts'), SIGN_IN).sort()).toEqual([
      'shared/adapters/cognito-jwks.ts',
      'shared/adapters/cognito-token.ts',
      'shared/adapters/counselor-services.ts',
      'shared/adapters/local-jwt.ts',
      'shared/app/counselors/counselor-auth.ts',
      'shared/domain/sign-in-flow.ts',
    ]);
  }, 60_000);

  it('is in no other function', async () => {
    const others = handlerFiles.filter((file) => file !== 'counselor-api.ts');
    const records = await Promise.all(others.map(async (file) => [file, reached(await bundleRecord(file), SIGN_IN)] as const));
    expect(records.filter(([, inputs]) => inputs.length > 0)).toEqual([]);
  }, 120_000);
});

/**
 * The dispatcher has a composition root of its own (shared/adapters/dispatcher-services.ts): it is
 * told the dispatcher's settings only, so what only the public API does (SNS-signed SES events,
 * the sign-up form's caps, the API's wider root) is neither built nor bundled there.
 */
describe("the dispatcher's bundle holds its own composition root only", () => {
  const PUBLIC_API_ONLY = [/^shared\/adapters\/services\.ts$/, /^shared\/adapters\/sns\.ts$/, /^shared\/adapters\/dynamo\/dynamo-form-limits\.ts$/];

  it('reaches its root, and none of the public API root, SNS verification or the sign-up form caps', async () => {
    const metafile = await bundleRecord('dispatcher.ts');
    expect(Object.keys(metafile.inputs)).toContain('shared/adapters/dispatcher-services.ts');
    expect(reached(metafile, PUBLIC_API_ONLY)).toEqual([]);
  }, 60_000);

  it('while the public API reaches all three (so the patterns name real files)', async () => {
    expect(reached(await bundleRecord('api.ts'), PUBLIC_API_ONLY).sort()).toEqual([
      'shared/adapters/dynamo/dynamo-form-limits.ts',
      'shared/adapters/services.ts',
      'shared/adapters/sns.ts',
    ]);
  }, 60_000);
});
