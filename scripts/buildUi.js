#!/usr/bin/env node
/**
 * Builds the browser page served by the `ui` function (src/functions/ui.ts):
 * - bundles src/ui/app.ts (and the typed client it imports) with esbuild into dist/ui/app.js
 *   (one IIFE script, browser platform: a Node.js-only import fails the build);
 * - copies src/ui/index.html to dist/ui/index.html.
 * Run after `tsc` (`npm run build`). Plain JavaScript so it needs no compilation itself.
 */
'use strict';
const { build } = require('esbuild');
const { copyFile, mkdir } = require('node:fs/promises');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const outDir = join(root, 'dist', 'ui');

async function main() {
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'src', 'ui', 'app.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    tsconfig: join(root, 'src', 'ui', 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
  });
  await copyFile(join(root, 'src', 'ui', 'index.html'), join(outDir, 'index.html'));
  const [output] = Object.values(result.metafile.outputs);
  process.stderr.write(
    `UI: ${relative(root, join(outDir, 'app.js'))} (${output ? output.bytes : '?'} bytes), ${relative(root, join(outDir, 'index.html'))}\n`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
