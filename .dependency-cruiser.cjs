/**
 * Layer rules (dependency-cruiser). The layers, top to bottom:
 *   src/functions/ (one thin file per function) → src/http/ (HTTP mapping) → src/core/ (no Functions runtime)
 *   src/contract/ is browser-safe and imported by every side: server, client, page, OpenAPI.
 *   src/client/ and src/ui/ run in browsers: they import only the contract and each other.
 *   dev/host/ is the local Functions host: like the real host, it never imports the app.
 * `npm run lint:layers` checks them; CI fails on any violation.
 * @type {import('dependency-cruiser').IConfiguration}
 */
/** What browser code (src/client, src/ui) must never import. */
const serverModules = ['^src/(core|http|functions)/', '^src/services\\.ts$', '^src/index\\.ts$', '^dev/'];

module.exports = {
  forbidden: [
    {
      name: 'core-knows-no-http-or-functions',
      comment: 'src/core knows nothing of the Functions runtime or of HTTP mapping.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: ['^src/http/', '^src/functions/', '^src/services\\.ts$', 'node_modules/@azure/functions/'] },
    },
    {
      name: 'http-knows-no-functions',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: ['^src/functions/', 'node_modules/@azure/functions/'] },
    },
    {
      name: 'browser-code-imports-no-server-module',
      comment: 'The typed client and the page run in browsers: they import the contract, not server code.',
      severity: 'error',
      from: { path: '^src/(client|ui)/' },
      to: { path: serverModules },
    },
    {
      name: 'contract-is-browser-safe',
      severity: 'error',
      from: { path: '^src/contract/' },
      to: { path: ['^src/(core|http|functions|client|ui)/', '^src/services\\.ts$', '^dev/'], dependencyTypesNot: [] },
    },
    {
      name: 'contract-uses-no-node-builtins',
      comment: 'The contract runs in browsers too: no Node.js core module (fs, crypto, …).',
      severity: 'error',
      from: { path: '^src/contract/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'local-host-never-imports-the-app',
      comment: 'The local host loads the app the way the Functions Node worker does: by its package.json main, never by import.',
      severity: 'error',
      from: { path: '^dev/' },
      to: { path: ['^src/', '^test/'] },
    },
    {
      name: 'app-never-imports-tests-or-dev',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: ['^test/', '^dev/', '^bench/', '^scripts/'] },
    },
    {
      name: 'nothing-imports-tests',
      comment: 'test/ is never imported by the app, the local host, the benchmarks or the scripts: they ship or run without it.',
      severity: 'error',
      from: { path: '^(src|dev|bench|scripts)/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(src|dev)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(dist|node_modules)/' },
  },
};
