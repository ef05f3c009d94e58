import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['./tests/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // each worker imports the app's modules once for all its files (not once per file: 75 s of a 300 s run); every
    // file still builds its own app, database and servers in its hooks, so no state crosses files
    isolate: false,
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
