/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // The local host's own tests (dev/host/test, its package's jest.config.js) run here too.
  roots: ['<rootDir>/test', '<rootDir>/dev/host/test'],
  testMatch: ['**/*.test.ts'],
  // The load test (about 15 s) runs here too; crash, outage, interrupted-submit and storage-fault tests, which kill
  // and restart processes for minutes, run with `npm run test:soak` (jest.soak.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/soak/(crash|outage|interruptedSubmit|faults)\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, sourceMaps: 'inline' }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
