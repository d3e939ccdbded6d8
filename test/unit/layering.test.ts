import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Which way the imports run. The domain is pure: it knows only itself and a few libraries. Use
 * cases know the domain, the ports and the content, never an adapter, a handler, the CDK app or a
 * page; ports describe what use cases need in domain terms. Adapters (and the composition roots
 * among them) may import anything below them, but nothing under shared/ imports a handler, the
 * infrastructure, the CLI or the pages. Checked over the whole tree, so a file added anywhere is held
 * to the same rule.
 */
const ROOT = path.resolve(__dirname, '../..');

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Every module a file imports (type imports and re-exports too, as the compiler reads them), relative ones as repository paths. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .map((specifier) => (specifier.startsWith('.') ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier)) : specifier));
}

/** Imports of the files under `dir` that fall outside what `allowed` accepts, as "file -> import". */
function violations(dir: string, allowed: (target: string) => boolean): string[] {
  return sourcesUnder(dir).flatMap((file) => importsOf(file).filter((target) => !allowed(target)).map((target) => `${file} -> ${target}`));
}

const under = (...dirs: string[]) => (target: string) => dirs.some((dir) => target === dir || target.startsWith(`${dir}/`));

describe('the direction of imports', () => {
  it('finds the files it checks', () => {
    expect(sourcesUnder('shared/domain').length).toBeGreaterThan(30);
    expect(sourcesUnder('shared/app').length).toBeGreaterThan(30);
    expect(importsOf('shared/app/scheduling/replan.ts')).toContain('shared/domain/model');
  });

  it('keeps the domain pure: itself, zod, luxon and hashing only', () => {
    expect(violations('shared/domain', (t) => under('shared/domain')(t) || ['zod', 'luxon', 'node:crypto'].includes(t))).toEqual([]);
  });

  it('keeps the ports in domain terms', () => {
    expect(violations('shared/ports', (t) => under('shared/ports', 'shared/domain')(t) || t === 'zod')).toEqual([]);
  });

  it('keeps use cases off adapters, handlers, infrastructure, pages and the AWS SDK', () => {
    const libraries = ['zod', 'luxon', 'csv-parse', 'node:crypto', 'node:util', 'node:stream'];
    expect(violations('shared/app', (t) => under('shared/app', 'shared/domain', 'shared/ports', 'shared/content')(t) || libraries.includes(t))).toEqual([]);
  });

  it('keeps everything under shared/ off the handlers, the infrastructure, the CLI and the pages', () => {
    expect(violations('shared', (t) => !under('functions', 'infra', 'bin', 'web', 'test', 'bench')(t))).toEqual([]);
  });
});
