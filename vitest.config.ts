import { defineConfig } from 'vitest/config';

// Unit tests (`*.test.ts`) never touch the engine; integration tests (`*.int.test.ts`) run
// against a real Camunda 7 engine and a real MLflow server (scripts/setup-mlflow.sh installs
// it) that the global setups start on free ports.
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
          // The MLflow server starts as its setup file is loaded, so it comes up while the engine starts.
          globalSetup: ['test/support/engine-global-setup.ts', 'test/support/mlflow-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
