/**
 * The scale-out test: three app processes behind nginx plus `npm run cron` on one MariaDB
 * (TESSERA_TEST_DB=mysql, the default) or PostgreSQL (TESSERA_TEST_DB=postgres) database.
 * Its own step in .ci/run: it needs nginx and a database server, and takes minutes.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  roots: ['<rootDir>/tests/scale'],
  testMatch: ['**/*.test.ts'],
  maxWorkers: 1,
  testTimeout: 300000,
};
