import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import * as durable from 'durable-functions';

import { runtimeStatuses, runtimeStatusOf } from '../../src/contract/jobStatus';
import { runtimeStatusSchema } from '../../src/contract/schemas';
import { openApiDocument } from '../../src/http/openapi';

/**
 * The contract (src/contract/jobStatus.ts) spells Durable Functions' `runtimeStatus` values itself:
 * it is browser-safe, and the `durable-functions` package's entry point would load its whole client
 * (axios, moment, lodash...), about 430 modules, at every cold start. This test ties those values to
 * the package's `OrchestrationRuntimeStatus` enum, so the vocabulary cannot drift.
 */
const repo = join(__dirname, '..', '..');
const D = durable.OrchestrationRuntimeStatus;

test("each job status maps to its member of durable-functions' OrchestrationRuntimeStatus", () => {
  expect(runtimeStatusOf).toEqual({
    NotStarted: D.Pending,
    Running: D.Running,
    Succeeded: D.Completed,
    Failed: D.Failed,
    Canceled: D.Terminated,
  });
  for (const value of runtimeStatuses) expect(Object.values(D)).toContain(value);
});

test('the schema and the OpenAPI document list exactly the runtimeStatus values the API emits, not all of the enum', () => {
  const emitted = [...new Set(Object.values(runtimeStatusOf))].sort();
  expect(emitted).toHaveLength(5);
  expect([...runtimeStatusSchema.options].sort()).toEqual(emitted);
  const doc = openApiDocument() as unknown as {
    components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
  };
  expect([...doc.components.schemas.StatusDocument!.properties.runtimeStatus!.enum!].sort()).toEqual(emitted);
  // Durable values a job never takes are not offered.
  for (const never of [D.ContinuedAsNew, D.Canceled, D.Suspended]) expect(emitted).not.toContain(never);
});

test('loading the compiled app (every "main" file) loads nothing of durable-functions', () => {
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
  expect(result.durable).toEqual([]);
  expect(result.heavy).toBe(0);
});
