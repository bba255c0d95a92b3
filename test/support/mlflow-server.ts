import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Root URL of the MLflow tracking server the integration tests run against, e.g. http://127.0.0.1:PORT */
    mlflowUrl: string;
  }
}

export * from '../../standins/mlflow-server.ts';

/** The URL provided by test/support/mlflow-global-setup.ts. */
export function mlflowUrl(): string {
  return inject('mlflowUrl');
}
