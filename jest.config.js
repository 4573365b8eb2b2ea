// One jest run, four projects: fast unit specs, shared contract suites per adapter,
// architecture rules, and end-to-end HTTP tests.
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { ...swc, swcrc: false }] };

const project = (displayName, roots, extra = {}) => ({
  displayName,
  testEnvironment: 'node',
  transform,
  testMatch: roots.map((root) => `<rootDir>/${root}/**/*.spec.ts`),
  ...extra,
});

// Only the projects that talk to databases pay for the setup (a project's globalSetup runs only when one of its tests runs).
const withServices = {
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
};

module.exports = {
  projects: [
    project('unit', ['tests/domain', 'tests/application', 'tests/adapters', 'tests/main']),
    project('contract', ['tests/contract'], withServices),
    project('architecture', ['tests/architecture']),
    project('e2e', ['tests/e2e'], withServices),
  ],
};
