/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Integration tests share loopback ports and CPU with real redis-server processes.
  maxWorkers: 2,
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
};
