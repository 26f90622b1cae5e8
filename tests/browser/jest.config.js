/** Browser tests: Debian's Chromium driven by playwright-core, one file at a time. */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  roots: ['<rootDir>/tests/browser'],
  testMatch: ['**/*.browser.test.ts'],
  maxWorkers: 1,
  testTimeout: 120000,
};
