import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import globby from 'globby';
import ignore from 'ignore';

/**
 * `.funcignore` is read by two different matchers, and both must select the same files:
 * - gitignore semantics: azd and infra/hooks/stagePackage.js (the `ignore` package);
 * - Azure Functions Core Tools' own parser, written here from the behaviour of
 *   Azure/azure-functions-core-tools src/Cli/func/Common/GitIgnoreParser.cs (a port of codemix's
 *   gitignore-parser): lines trimmed, `#` comments and blanks dropped, `!` marks a negation, one leading
 *   `/` is removed; each pattern becomes a regular expression with regex metacharacters escaped, `**` →
 *   `(.+)` and `*` → `([^/]+)`; all positive patterns are joined into `^((p1)|(p2)...)\b` (anchored at
 *   the start of the relative path, ending at a word boundary), the negations likewise; a path is
 *   denied when the positive expression matches and the negative one does not.
 */
const repo = join(__dirname, '..', '..');
const funcignore = readFileSync(join(repo, '.funcignore'), 'utf8');

/** Core Tools' semantics (see above). `denies(path)` with a posix path relative to the app root. */
export function coreToolsMatcher(content: string): { denies: (path: string) => boolean } {
  const positive: string[] = [];
  const negative: string[] = [];
  for (const raw of content.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1);
    if (line.startsWith('/')) line = line.slice(1);
    (negated ? negative : positive).push(line);
  }
  const toRegex = (pattern: string) =>
    pattern
      .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
      .replace(/\*\*/g, '(.+)')
      .replace(/\*/g, '([^\\/]+)');
  const combine = (patterns: string[]) => (patterns.length ? new RegExp(`^((${patterns.sort().map(toRegex).join(')|(')}))\\b`) : /$^/);
  const pos = combine(positive);
  const neg = combine(negative);
  return { denies: (path) => pos.test(path) && !neg.test(path) };
}

/** Every file of the working tree (posix paths), without .git and node_modules. */
function workingTree(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '.git' || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(repo, full).split(sep).join('/'));
    }
  };
  walk(repo);
  return out.sort();
}

/** Paths that trip one of the two matchers when a pattern is written carelessly. */
const tricky = [
  'node_modules/@azure/functions/package.json',
  'node_modules/.bin/tsc',
  'dist/src/index.js.map',
  'dist/src/functions/submitJob.js.map',
  'index.js.map',
  'jest.soak.config.js',
  'jest.config.js',
  'local.settings.json',
  '.git',
  '.gitignore',
  '.github/workflows/ci.yml',
  '.vscode/settings.json',
  'src/index.ts',
  'dist/src/index.js',
  'dist/ui/app.js',
  'dist/src/ui/app.js',
  'dist/package/host.json',
  'npm-debug.log',
  'test/unit/x.test.ts',
];

const gitignore = ignore().add(funcignore);
const coreTools = coreToolsMatcher(funcignore);

describe('.funcignore', () => {
  const paths = [...new Set([...workingTree(), ...tricky])];

  it('the Core Tools matcher reproduces the documented pitfalls (so the comparison below can fail)', () => {
    const careless = coreToolsMatcher('node_modules/\n*.js.map\n');
    expect(careless.denies('node_modules/foo/index.js')).toBe(true);
    expect(careless.denies('node_modules/@scope/pkg/index.js')).toBe(false);
    expect(careless.denies('node_modules/.bin/tsc')).toBe(false);
    expect(careless.denies('index.js.map')).toBe(true);
    expect(careless.denies('dist/src/index.js.map')).toBe(false);
    expect(ignore().add('node_modules/\n*.js.map\n').ignores('dist/src/index.js.map')).toBe(true);
    expect(coreToolsMatcher('*\n!keep.txt').denies('keep.txt')).toBe(false);
  });

  it('means the same to Core Tools and to gitignore for every file of the working tree and the tricky paths', () => {
    expect(paths.length).toBeGreaterThan(100);
    const disagreements = paths
      .filter((p) => gitignore.ignores(p) !== coreTools.denies(p))
      .map((p) => `${p}: gitignore ${gitignore.ignores(p) ? 'ignores' : 'keeps'}, Core Tools ${coreTools.denies(p) ? 'ignores' : 'keeps'}`);
    expect(disagreements).toEqual([]);
  });

  it('keeps only what the host runs: host.json, package.json, the lockfile and the compiled app', async () => {
    const kept = workingTree().filter((p) => !coreTools.denies(p));
    const unexpected = kept.filter((p) => !/^(host\.json|package\.json|package-lock\.json|dist\/src\/.+\.js|dist\/ui\/[^/]+)$/.test(p));
    expect(unexpected).toEqual([]);
    const main = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { main: string }).main;
    const loaded = await globby(main, { cwd: repo });
    expect(loaded.length).toBeGreaterThanOrEqual(5);
    for (const f of loaded) expect(kept).toContain(f);
    expect(kept).toEqual(
      expect.arrayContaining(['host.json', 'package.json', 'package-lock.json', 'dist/ui/app.js', 'dist/ui/index.html']),
    );
  });

  it('leaves out dev-only, secret and bulky files, including jest.soak.config.js and source maps at any depth', () => {
    for (const p of [
      'jest.soak.config.js',
      'jest.config.js',
      'local.settings.json',
      'dist/src/index.js.map',
      'dist/src/functions/submitJob.js.map',
      'dist/package/host.json',
      'src/index.ts',
      'npm-debug.log',
      // the local host (its own package) and what an old build left of it
      'dev/host/package.json',
      'dev/host/dist/cli.js',
      'dist/dev/host/cli.js',
    ]) {
      expect([p, gitignore.ignores(p), coreTools.denies(p)]).toEqual([p, true, true]);
    }
  });
});
