/**
 * Soak tests (`npm run test:soak`): host crashes, storage outages and load against real Azurite,
 * with the local host as separate processes (test/soak). Same transform and global setup as
 * jest.config.js; files run one at a time so that their processes do not compete for the CPU.
 * Needs `dist/` (npm run build).
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/soak'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
