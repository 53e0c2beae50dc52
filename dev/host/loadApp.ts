import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import globby from 'globby';

import { CoreApi, installCoreModule, type LogSink } from './coreApi';

/** The loaded app: its registrations and the programming model's capabilities. */
export interface LoadedApp {
  core: CoreApi;
  /** Capabilities the programming model reported; `HttpUri` is set when HTTP streams are enabled. */
  capabilities: Record<string, string>;
  files: string[];
}

/**
 * Loads the function app the way the Node.js worker does (azure-functions-nodejs-worker
 * `startApp.ts`): resolves package.json `main` as a glob (globby) relative to the app directory,
 * requires each file, runs `appStart` hooks, then asks the programming model for its capabilities.
 * @throws when `main` is missing, matches no file, or a file fails to load
 */
export async function loadApp(appDir: string, logSink: LogSink): Promise<LoadedApp> {
  const core = new CoreApi(logSink);
  installCoreModule(core);
  const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error('package.json has no "main" entry point.');
  const files = (await globby(pkg.main, { cwd: appDir })).map((f) => resolve(appDir, f));
  if (files.length === 0) throw new Error(`No file matches the "main" glob '${pkg.main}'. Did you run the build?`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is loaded by require(), as the Node worker loads it
  for (const file of files) require(file);
  core.locked = true;
  await core.runHooks('appStart', { hookData: {}, appHookData: core.appHookData, functionAppDirectory: appDir });
  const capabilities = core.programmingModel ? await core.programmingModel.getCapabilities({}) : {};
  return { core, capabilities, files };
}
