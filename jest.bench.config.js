// `npm run bench`: benchmarks are jest files under bench/, run one at a time so they don't compete for the CPU.
const base = require('./jest.config.js');

const unit = base.projects[0];
module.exports = {
  displayName: 'bench',
  testEnvironment: 'node',
  transform: unit.transform,
  testMatch: ['<rootDir>/bench/**/*.bench.ts'],
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 600_000,
};
