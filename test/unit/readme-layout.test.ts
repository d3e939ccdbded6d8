import fs from 'node:fs';
import path from 'node:path';

/**
 * The README's Layout section is how a newcomer finds their way: every folder it names exists, and
 * every top-level folder of the repository is named in it.
 */
const root = path.resolve(__dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const layout = /## Layout\n\n```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

test('the README has a Layout section', () => {
  expect(layout.length).toBeGreaterThan(200);
});

test('every folder the Layout names exists', () => {
  const named: string[] = [];
  let parent = '';
  for (const line of layout.split('\n')) {
    const top = /^([a-z][\w-]*)\/(\s|$)/.exec(line);
    if (top) {
      parent = top[1]!;
      named.push(parent);
      continue;
    }
    const nested = /^ {2}([a-z][\w-]*)\/(\s|$)/.exec(line);
    if (nested) named.push(`${parent}/${nested[1]}`);
  }
  expect(named.length).toBeGreaterThan(8);
  for (const folder of named) expect({ folder, exists: fs.existsSync(path.join(root, folder)) }).toEqual({ folder, exists: true });
});

test('every top-level folder of the repository is in the Layout', () => {
  const ignored = new Set(['node_modules', 'cdk.out', 'coverage', '.data', '.git', '.ci']);
  const folders = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.') && !ignored.has(d.name)).map((d) => d.name);
  for (const folder of folders) expect({ folder, named: new RegExp(`^${folder}/`, 'm').test(layout) }).toEqual({ folder, named: true });
});
