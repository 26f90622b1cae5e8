/**
 * Release tests: the built zip, installed as an owner would and run by a real web server.
 * Slow (npm ci, Apache, Passenger) and needing root for the web server's user switch: its own
 * CI step, one file at a time.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  roots: ['<rootDir>/tests/release'],
  testMatch: ['**/*.release.test.ts'],
  maxWorkers: 1,
  testTimeout: 900000,
};
