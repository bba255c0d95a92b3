import type { Logger } from 'pino';
import { EngineClient } from '../src/engine/camunda7/rest.ts';
import { sandboxActions, sandboxView } from './adapter.ts';
import { createSandboxRouter, type SandboxRouter } from './page.ts';
import { startSandboxWorld, type SandboxWorld } from './world.ts';

/** The running sandbox: the stand-ins, the settings that point the service at them, and its page. */
export interface Sandbox {
  readonly world: SandboxWorld;
  /** Environment variables for the service's configuration. */
  readonly env: Readonly<Record<string, string>>;
  /** The page's router for `/sandbox`, over the engine at `engineRestUrl`. */
  page(options: { engineRestUrl: string; cockpitUrl: string; serviceUrl: () => string; teams: readonly string[] }): SandboxRouter;
  /** Once the service listens: the stand-ins send their webhooks to it. */
  connect(serviceUrl: string): void;
  stop(): Promise<void>;
}

/** Starts the stand-ins (and MLflow, in the background); the caller starts the service with {@link Sandbox.env}. */
export async function startSandbox(options: { log: Logger; setUpMlflow?: boolean }): Promise<Sandbox> {
  const world = await startSandboxWorld(options);
  let router: SandboxRouter | null = null;
  return {
    world,
    env: world.env,
    page({ engineRestUrl, cockpitUrl, serviceUrl, teams }) {
      const engine = new EngineClient({ baseUrl: engineRestUrl });
      const view = sandboxView({ world, engine, cockpitUrl, get serviceUrl() { return serviceUrl(); }, teams });
      router = createSandboxRouter({ view, actions: sandboxActions(world), log: options.log });
      return router;
    },
    connect: (serviceUrl) => world.connect(serviceUrl),
    async stop() {
      (router as SandboxRouter | null)?.close();
      await world.stop();
    },
  };
}
