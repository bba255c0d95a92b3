import { defineConfig } from 'vitest/config';

// Unit tests (`*.test.ts`) never touch the engine; integration tests (`*.int.test.ts`) run
// against a real Camunda 7 engine that the global setup builds and starts on a free port.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/support/engine-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
