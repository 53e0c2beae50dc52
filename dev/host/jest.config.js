/**
 * The local host's own tests (`npm test -w dev/host`, or with everything else by the root `npm test`,
 * whose jest.config.js lists this folder's test/ among its roots). They need no storage: the HTTP
 * tests load a fixture app with HTTP triggers only. Needs `dist/` (`npm run build`).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, sourceMaps: 'inline' }] },
  testTimeout: 60_000,
};
