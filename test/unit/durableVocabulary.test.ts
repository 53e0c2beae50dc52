import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import * as durable from 'durable-functions';

import { OrchestrationRuntimeStatus, runtimeStatusOf } from '../../src/http/jobResponses';

/**
 * The app takes Durable Functions' `runtimeStatus` vocabulary from `durable-functions`, but loads only
 * the module that defines the enum: the package's entry point pulls in its whole client (axios,
 * moment, lodash...), about 430 modules, at every cold start.
 */
const repo = join(__dirname, '..', '..');

test("the app's OrchestrationRuntimeStatus is the very enum durable-functions exports", () => {
  expect(OrchestrationRuntimeStatus).toBe(durable.OrchestrationRuntimeStatus);
  expect(Object.values(runtimeStatusOf).every((s) => Object.values(durable.OrchestrationRuntimeStatus).includes(s))).toBe(true);
});

test('loading the compiled app (every "main" file) does not load the durable-functions client', () => {
  // A fresh process: the local host's @azure/functions-core stub, then each file of package.json "main".
  const script = `
    const { CoreApi, installCoreModule } = require(${JSON.stringify(join(repo, 'dev', 'host', 'dist', 'coreApi.js'))});
    installCoreModule(new CoreApi(() => {}));
    const globby = require('globby');
    const files = globby.sync(require(${JSON.stringify(join(repo, 'package.json'))}).main, { cwd: ${JSON.stringify(repo)} });
    for (const f of files) require(${JSON.stringify(repo)} + '/' + f);
    const loaded = Object.keys(require.cache);
    console.log(JSON.stringify({
      files: files.length,
      durable: loaded.filter((f) => f.includes('/node_modules/durable-functions/')).map((f) => f.split('/node_modules/durable-functions/')[1]),
      heavy: loaded.filter((f) => /[\\\\/]node_modules[\\\\/](axios|moment|lodash)[\\\\/]/.test(f)).length,
    }));
    process.exit(0);`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  const result = JSON.parse(out.trim().split('\n').pop()!) as { files: number; durable: string[]; heavy: number };
  expect(result.files).toBeGreaterThanOrEqual(5);
  expect(result.durable).toEqual(['lib/src/orchestrations/OrchestrationRuntimeStatus.js']);
  expect(result.heavy).toBe(0);
});
