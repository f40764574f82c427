import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` runs the pure tests with no Redis at all (no global setup, so a machine
 * without redis-server can run them: `npm run test:unit`); `integration` starts one private
 * redis-server for the run and holds the tests that use real Redis, SMTP or a browser.
 * `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
