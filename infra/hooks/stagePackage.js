#!/usr/bin/env node
/**
 * Stages the deployment package of the function app in `dist/package` (or `--out <dir>`), built
 * locally with production dependencies only:
 *
 *   1. `npm run build` (tsc + the browser bundle) unless `--no-build`;
 *   2. copies every file of the project that `.funcignore` does not exclude (gitignore semantics, the
 *      `ignore` package; this folder's node_modules, .git and the output folder are never copied);
 *   3. `npm ci --omit=dev --ignore-scripts --workspaces=false` in the staged folder: exactly the locked
 *      versions of the production dependencies, without the workspace packages (the local host,
 *      dev/host, is one: a development tool that is never deployed) (`--offline` adds
 *      `--prefer-offline`, served from the npm cache);
 *   4. removes `devDependencies`, `scripts` and `workspaces` from the staged package.json, and the
 *      workspace entries from the staged package-lock.json (the host reads only `main`; a build on the
 *      platform would then have nothing to build, no devDependency and no workspace to install), and
 *      writes a `.funcignore` that keeps everything staged.
 *
 * Used by azd (azure.yaml: service hook `prepackage`, `dist: dist/package`, `remoteBuild: false`)
 * and before `func azure functionapp publish` run inside dist/package (README "Deploy to Azure").
 * Why not a remote build: on the platform `npm install` + `npm run build` installs devDependencies too
 * (TypeScript and esbuild are needed to build), about 440 MB of node_modules instead of what the app
 * needs at run time.
 *
 * Prints one summary line: files and bytes of the staged package (node_modules separately).
 * Exit codes: 0 staged; 1 a step failed (its output is shown); 2 usage error.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');

const root = resolve(__dirname, '..', '..');

/** @param {string[]} argv @returns {{ out: string, build: boolean, offline: boolean }} */
function parseArgs(argv) {
  const options = { out: join(root, 'dist', 'package'), build: true, offline: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') options.build = false;
    else if (arg === '--offline') options.offline = true;
    else if (arg === '--out' && argv[i + 1]) options.out = resolve(argv[++i]);
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  return options;
}

class UsageError extends Error {}

/** Runs a command, throwing with its output when it fails. */
function run(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${r.status})`);
}

/**
 * Project files (posix paths relative to the root), minus .git, node_modules and `skip` (absolute).
 * @param {string} skip
 * @returns {string[]}
 */
function projectFiles(skip) {
  /** @type {string[]} */
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (full === skip || entry.name === 'node_modules' || entry.name === '.git') continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/**
 * The files of the project that go into the package: `.funcignore` applied with gitignore semantics.
 * @param {string} skip absolute folder never listed (the output folder)
 * @returns {string[]}
 */
function packagedFiles(skip) {
  const ignore = require('ignore');
  const rules = ignore().add(readFileSync(join(root, '.funcignore'), 'utf8'));
  return projectFiles(skip).filter((f) => !rules.ignores(f));
}

/** Total bytes and file count under `dir` (symlinks counted as links, not followed). */
function sizeOf(dir) {
  let bytes = 0;
  let files = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        bytes += lstatSync(full).size;
        files++;
      }
    }
  };
  walk(dir);
  return { bytes, files };
}

/**
 * A package-lock.json (lockfile v2/v3) without the workspaces `workspaces` names: the root's
 * `workspaces` list, each workspace's own entry (`packages[<folder>]`) and its link in node_modules
 * (`packages["node_modules/<name>"]` with `link: true` and `resolved: <folder>`). What only a
 * workspace needed stays listed but is not installed (`npm ci --workspaces=false`).
 * @param {{ packages?: Record<string, { workspaces?: string[], link?: boolean, resolved?: string }> }} lock
 * @param {string[]} workspaces folders relative to the root (`dev/host`)
 */
function withoutWorkspaces(lock, workspaces) {
  const packages = { ...lock.packages };
  const root = packages[''];
  if (root) {
    const { workspaces: _dropped, ...rest } = root;
    packages[''] = rest;
  }
  for (const [key, entry] of Object.entries(packages)) {
    if (workspaces.includes(key) || (entry.link && entry.resolved !== undefined && workspaces.includes(entry.resolved)))
      delete packages[key];
  }
  return { ...lock, packages };
}

function main(argv) {
  const options = parseArgs(argv);
  if (options.build) run('npm', ['run', 'build', '--silent'], root);
  statSync(join(root, 'dist', 'src', 'index.js')); // throws ENOENT when nothing was built

  rmSync(options.out, { recursive: true, force: true });
  mkdirSync(options.out, { recursive: true });
  const files = packagedFiles(options.out);
  for (const file of files) {
    const target = join(options.out, file);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(root, file), target);
  }

  const npmArgs = ['ci', '--omit=dev', '--ignore-scripts', '--workspaces=false', '--no-audit', '--no-fund', '--loglevel=error'];
  if (options.offline) npmArgs.push('--prefer-offline');
  run('npm', npmArgs, options.out);

  const pkgPath = join(options.out, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const workspaces = pkg.workspaces ?? [];
  delete pkg.devDependencies;
  delete pkg.scripts;
  delete pkg.workspaces;
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  const lockPath = join(options.out, 'package-lock.json');
  writeFileSync(lockPath, `${JSON.stringify(withoutWorkspaces(JSON.parse(readFileSync(lockPath, 'utf8')), workspaces), null, 2)}\n`);
  writeFileSync(
    join(options.out, '.funcignore'),
    '# Staged by infra/hooks/stagePackage.js: everything in this folder is the deployment package.\n.funcignore\n',
  );

  const total = sizeOf(options.out);
  const modules = sizeOf(join(options.out, 'node_modules'));
  const mb = (n) => (n / 1e6).toFixed(1);
  console.log(
    `stagePackage: ${relative(root, options.out) || options.out}: ${total.files} files, ${mb(total.bytes)} MB ` +
      `(node_modules ${modules.files} files, ${mb(modules.bytes)} MB; app ${files.length} files)`,
  );
}

module.exports = { packagedFiles, projectFiles, withoutWorkspaces };

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`stagePackage: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
