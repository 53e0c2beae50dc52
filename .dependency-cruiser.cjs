/**
 * Layer rules (dependency-cruiser). The layers, top to bottom:
 *   src/functions/ (one thin file per function) → src/http/ (HTTP mapping) → src/core/ (no Functions runtime)
 *   src/contract/ is browser-safe and imported by every side: server, client, page, OpenAPI.
 *   src/client/ and src/ui/ run in browsers: they import only the contract and each other.
 *   dev/host/ is the local Functions host, its own workspace package (@async-request-reply/local-host):
 *   like the real host, it never imports the app, and the app never imports it.
 * `npm run lint:layers` checks them; CI fails on any violation.
 * @type {import('dependency-cruiser').IConfiguration}
 */

// Folders and files, as path patterns (relative to the repository root).
const core = '^src/core/';
const http = '^src/http/';
const functions = '^src/functions/';
const contract = '^src/contract/';
const browserCode = '^src/(client|ui)/';
/** The composition root (src/services.ts) and the app's entry point (src/index.ts). */
const appRoots = ['^src/services\\.ts$', '^src/index\\.ts$'];
const app = '^src/';
/** The local host: its sources, and its package as installed in node_modules (a workspace link). */
const localHost = ['^dev/', 'node_modules/@async-request-reply/local-host/'];
const tests = '^test/';
const tools = ['^bench/', '^scripts/'];
/** The Azure Functions programming model (the runtime's API). */
const functionsRuntime = 'node_modules/@azure/functions/';

/** Everything that runs on the server: what browser code must never import. */
const serverModules = [core, http, functions, ...appRoots, ...localHost];

module.exports = {
  forbidden: [
    {
      name: 'core-knows-no-http-or-functions',
      comment: 'src/core knows nothing of the Functions runtime or of HTTP mapping.',
      severity: 'error',
      from: { path: core },
      to: { path: [http, functions, ...appRoots, functionsRuntime] },
    },
    {
      name: 'http-knows-no-functions',
      severity: 'error',
      from: { path: http },
      to: { path: [functions, functionsRuntime] },
    },
    {
      name: 'browser-code-imports-no-server-module',
      comment: 'The typed client and the page run in browsers: they import the contract, not server code.',
      severity: 'error',
      from: { path: browserCode },
      to: { path: serverModules },
    },
    {
      name: 'contract-is-browser-safe',
      severity: 'error',
      from: { path: contract },
      to: { path: [core, http, functions, browserCode, ...appRoots, ...localHost], dependencyTypesNot: [] },
    },
    {
      name: 'contract-uses-no-node-builtins',
      comment: 'The contract runs in browsers too: no Node.js core module (fs, crypto, …).',
      severity: 'error',
      from: { path: contract },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'local-host-never-imports-the-app',
      comment:
        'The local host loads the app the way the Functions Node worker does: by its package.json main, never by import. ' +
        'Nor does it import the tests, benchmarks or scripts of the repository around it: it is a package of its own.',
      severity: 'error',
      from: { path: localHost[0] },
      to: { path: [app, tests, ...tools] },
    },
    {
      name: 'app-never-imports-tests-dev-or-tools',
      comment: 'The app ships alone (the deployment package holds dist/src only): no local host, test, benchmark or script in it.',
      severity: 'error',
      from: { path: app },
      to: { path: [tests, ...localHost, ...tools] },
    },
    {
      name: 'nothing-imports-tests',
      comment: 'test/ is never imported by the app, the local host, the benchmarks or the scripts: they ship or run without it.',
      severity: 'error',
      from: { path: [app, ...localHost, ...tools] },
      to: { path: tests },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: [app, localHost[0]] },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(dist|node_modules)/|^dev/host/dist/' },
  },
};
