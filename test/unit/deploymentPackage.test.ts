import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

import globby from 'globby';

/**
 * The deployment package is staged by infra/hooks/stagePackage.js (azd's prepackage hook, and the
 * folder `func azure functionapp publish` runs in): the compiled app plus `npm ci --omit=dev`. This
 * stages it into a temp folder from the `dist/` that `pretest` built (`--no-build`, npm served from
 * its cache: `--offline`) and checks that it is complete (the local host's loader, which loads an app
 * the way the Node.js worker does, finds every function with nothing else on the module path) and
 * holds no devDependency, nothing dev-only and nothing secret. About 20 s (npm ci).
 */
const repo = join(__dirname, '..', '..');
const rootPackage = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  workspaces: string[];
};

let staged: string;
let tmp: string;

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full, base);
    return [relative(base, full).split(sep).join('/')];
  });
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'stage-'));
  staged = join(tmp, 'package');
  execFileSync(process.execPath, [join(repo, 'infra', 'hooks', 'stagePackage.js'), '--no-build', '--offline', '--out', staged], {
    cwd: repo,
    stdio: 'pipe',
    timeout: 240_000,
  });
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the package holds host.json, package.json and every file the "main" glob loads, and nothing else of the project', async () => {
  const files = walk(staged);
  expect(files).toEqual(
    expect.arrayContaining(['host.json', 'package.json', 'package-lock.json', 'dist/src/index.js', 'dist/ui/app.js', 'dist/ui/index.html']),
  );
  const loaded = await globby(rootPackage.main, { cwd: staged });
  expect(loaded.length).toBeGreaterThanOrEqual(5);
  expect(loaded.filter((f) => f.startsWith('dist/src/functions/'))).toHaveLength(
    readdirSync(join(repo, 'src', 'functions')).filter((f) => f.endsWith('.ts')).length,
  );
  const unexpected = files.filter(
    (f) => !/^(host\.json|package\.json|package-lock\.json|\.funcignore|dist\/src\/.+\.js|dist\/ui\/[^/]+)$/.test(f),
  );
  expect(unexpected).toEqual([]);
  expect(files.filter((f) => /\.js\.map$|^dist\/(dev|test|bench|scripts)\/|local\.settings|jest\./.test(f))).toEqual([]);
});

test('node_modules holds the production dependencies only', () => {
  const modules = join(staged, 'node_modules');
  for (const dep of Object.keys(rootPackage.dependencies)) expect(existsSync(join(modules, dep, 'package.json'))).toBe(true);
  for (const dev of Object.keys(rootPackage.devDependencies)) expect([dev, existsSync(join(modules, dev))]).toEqual([dev, false]);
  // The staged package.json declares nothing a build on the platform could install or run.
  const pkg = JSON.parse(readFileSync(join(staged, 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(pkg.devDependencies).toBeUndefined();
  expect(pkg.scripts).toBeUndefined();
  expect(pkg.main).toBe(rootPackage.main);
  expect(pkg.dependencies).toEqual(rootPackage.dependencies);
});

test('the local host (a workspace package) is in neither the build nor the package', () => {
  // The app's build holds the app only; the host is built into its own package folder.
  expect(rootPackage.workspaces).toContain('dev/host');
  expect(existsSync(join(repo, 'dist', 'dev'))).toBe(false);
  expect(existsSync(join(repo, 'dev', 'host', 'dist', 'cli.js'))).toBe(true);
  const pkg = JSON.parse(readFileSync(join(staged, 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(pkg.workspaces).toBeUndefined();
  const lock = JSON.parse(readFileSync(join(staged, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
  expect(Object.keys(lock.packages).filter((k) => k.startsWith('dev/') || lock.packages[k]!.resolved === 'dev/host')).toEqual([]);
  expect(lock.packages['']).not.toHaveProperty('workspaces');
  // Nor any package only the host needs (azurite is one: the host starts it).
  expect(existsSync(join(staged, 'node_modules', '@async-request-reply'))).toBe(false);
  expect(existsSync(join(staged, 'node_modules', 'azurite'))).toBe(false);
});

test('the staged app loads on its own: every function registers, no "Cannot find module"', () => {
  // A child process whose only module path for the app is the staged folder (the loader itself and
  // globby come from the local host package's dist, as the worker's own code would come from the host).
  const script = `
    const { loadApp } = require(${JSON.stringify(join(repo, 'dev', 'host', 'dist', 'loadApp.js'))});
    loadApp(${JSON.stringify(staged)}, () => {}).then((app) => {
      const outside = Object.keys(require.cache).filter((f) => f.includes('node_modules') && !f.startsWith(${JSON.stringify(staged)}) && !/[\\\\/](globby|fast-glob|@nodelib|micromatch|picomatch|braces|fill-range|to-regex-range|is-number|merge2|glob-parent|is-glob|is-extglob|array-union|dir-glob|path-type|ignore|slash|queue-microtask|reusify|run-parallel|fastq)[\\\\/]/.test(f));
      console.log(JSON.stringify({ functions: [...app.core.registrations.keys()].sort(), files: app.files.length, outside }));
      process.exit(0);
    }).catch((e) => { console.error(e && e.stack || e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: staged, encoding: 'utf8', timeout: 60_000 });
  const result = JSON.parse(out.trim().split('\n').pop()!) as { functions: string[]; files: number; outside: string[] };
  expect(result.files).toBeGreaterThanOrEqual(5);
  // One function per file in src/functions, named after it.
  const expected = readdirSync(join(repo, 'src', 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  expect(result.functions).toEqual(expected);
  // Every dependency the app loaded came from the staged node_modules.
  expect(result.outside).toEqual([]);
});
