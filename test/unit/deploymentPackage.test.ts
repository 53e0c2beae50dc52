import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import globby from 'globby';
import ignore from 'ignore';

/**
 * The deployment package (`func azure functionapp publish`, `azd deploy`) is the app folder minus
 * `.funcignore` (gitignore syntax). It must hold what package.json `main` loads and nothing dev-only.
 * The file list is built from the git-tracked files plus the compiled `dist/` (built by `pretest`).
 */
const repo = join(__dirname, '..', '..');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [relative(repo, full).split('\\').join('/')];
  });
}

function packageFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
  const built = existsSync(join(repo, 'dist')) ? walk(join(repo, 'dist')) : [];
  const rules = ignore().add(readFileSync(join(repo, '.funcignore'), 'utf8'));
  return [...new Set([...tracked, ...built, 'local.settings.json'])].filter((f) => !rules.ignores(f)).sort();
}

test('the package holds host.json, package.json and every file the "main" glob loads', async () => {
  const files = packageFiles();
  expect(files).toEqual(expect.arrayContaining(['host.json', 'package.json', 'package-lock.json', 'dist/src/index.js']));
  const main = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { main: string }).main;
  const loaded = await globby(main, { cwd: repo });
  expect(loaded.length).toBeGreaterThanOrEqual(5);
  for (const f of loaded) expect(files).toContain(f);
  expect(loaded.filter((f) => f.startsWith('dist/src/functions/'))).toHaveLength(readdirSync(join(repo, 'src', 'functions')).filter((f) => f.endsWith('.ts')).length);
});

test('nothing dev-only, secret or bulky is packaged', () => {
  const files = packageFiles();
  const forbidden = [/^dev\//, /^dist\/dev\//, /^test\//, /^infra\//, /^\.ci\//, /^node_modules\//, /^local\.settings\.json$/, /\.js\.map$/, /^\.azurite\//];
  expect(files.filter((f) => forbidden.some((re) => re.test(f)))).toEqual([]);
  expect(files.some((f) => f.startsWith('src/functions/'))).toBe(true);
  expect(files).not.toContain('local.settings.json');
});

test('"main" loads only compiled app code, never the local host', async () => {
  const main = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { main: string }).main;
  const loaded = await globby(main, { cwd: repo });
  expect(loaded.every((f) => f.startsWith('dist/src/') && f.endsWith('.js'))).toBe(true);
});
