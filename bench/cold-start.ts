import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { REPO_ROOT } from './context';
import { median, round } from './stats';

interface BundleFigures {
  handler: string;
  bundleKB: number;
  importMs: number;
  /** The largest contributors to the bundle, by package. */
  largest: Array<{ source: string; kB: number }>;
}

export interface ColdStartResult {
  /** As NodejsFunction deploys them (infra/service-function.ts): minified CJS for node24, @aws-sdk/* left to the Lambda runtime. */
  handlers: BundleFigures[];
  maxBundleKB: number;
  maxImportMs: number;
  /** For comparison: the same handlers with the AWS SDK bundled in too. */
  sdkBundled: Array<{ handler: string; bundleKB: number; importMs: number }>;
}

const IMPORT_RUNS = 5;

/** The settings a handler parses at cold start (shared/config.ts): placeholders that reach nothing. */
const HANDLER_ENV = {
  TABLE_NAME: 'matchcoach-bench',
  EMAIL_FROM: 'Match Coach <coach@bench.example>',
  POSTAL_ADDRESS: 'Match Coach, 1 Bench Street, Boston, MA',
  PUBLIC_BASE_URL: 'https://coach.bench.example',
  TWILIO_FROM: '+15005550006',
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'bench-only-token',
  TOKEN_SECRET: 'bench-only-token-secret-0123456789-abcdef',
  AWS_REGION: 'us-east-1',
};

/**
 * Each Lambda handler in functions/ bundled the way infra/service-function.ts's NodejsFunction
 * bundles it (esbuild, minify, platform node, target node24 (the Lambda runtime), CJS, source map beside it, the AWS
 * SDK external because the runtime provides it), then imported in a fresh Node process five times.
 */
export async function measureColdStart(log: (line: string) => void): Promise<ColdStartResult> {
  const functionsDir = path.join(REPO_ROOT, 'functions');
  const handlers = fs
    .readdirSync(functionsDir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => /export (const|async function) handler\b/.test(fs.readFileSync(path.join(functionsDir, f), 'utf8')))
    .sort();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-bundles-'));
  try {
    const bundle = async (file: string, variant: 'lambda' | 'all') => {
      const outfile = path.join(outDir, variant, file.replace(/\.ts$/, '.js'));
      const result = await build({
        entryPoints: [path.join(functionsDir, file)],
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node24',
        format: 'cjs',
        sourcemap: true,
        sourcesContent: false,
        external: variant === 'all' ? [] : ['@aws-sdk/*'],
        outfile,
        metafile: true,
        logLevel: 'silent',
      });
      return { outfile, kB: round(fs.statSync(outfile).size / 1024, 1), metafile: result.metafile };
    };
    const deployed: BundleFigures[] = [];
    const sdkBundled: ColdStartResult['sdkBundled'] = [];
    for (const file of handlers) {
      const handler = file.replace(/\.ts$/, '');
      const lambda = await bundle(file, 'lambda');
      deployed.push({ handler, bundleKB: lambda.kB, importMs: importTime(lambda.outfile), largest: largest(lambda.metafile) });
      const all = await bundle(file, 'all');
      sdkBundled.push({ handler, bundleKB: all.kB, importMs: importTime(all.outfile) });
      log(`cold start: ${handler} ${lambda.kB} KB, import ${deployed.at(-1)!.importMs} ms (SDK bundled too: ${all.kB} KB)`);
    }
    return {
      handlers: deployed,
      maxBundleKB: Math.max(...deployed.map((d) => d.bundleKB)),
      maxImportMs: Math.max(...deployed.map((d) => d.importMs)),
      sdkBundled,
    };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** Median time to require() the bundle in a fresh process; the SDK resolves from the repository, as the runtime's copy would. */
function importTime(bundlePath: string): number {
  const script =
    'const t=performance.now();require(process.argv[1]);const ms=performance.now()-t;' +
    'process.stdout.write(JSON.stringify({ms}));process.exit(0)';
  const runs: number[] = [];
  for (let run = 0; run < IMPORT_RUNS; run++) {
    const out = spawnSync(process.execPath, ['-e', script, bundlePath], {
      env: { PATH: process.env.PATH, NODE_PATH: path.join(REPO_ROOT, 'node_modules'), ...HANDLER_ENV },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const parsed = /\{"ms":([\d.]+)\}/.exec(out.stdout ?? '');
    if (out.status !== 0 || !parsed) throw new Error(`importing ${path.basename(bundlePath)} failed: ${(out.stderr ?? '').slice(-500)}`);
    runs.push(Number(parsed[1]));
  }
  return round(median(runs), 1);
}

function largest(metafile: Metafile): Array<{ source: string; kB: number }> {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const bySource = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const source = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(Match Coach)';
    bySource.set(source, (bySource.get(source) ?? 0) + bytesInOutput);
  }
  return [...bySource.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([source, bytes]) => ({ source, kB: round(bytes / 1024, 1) }));
}
