import { inject } from 'vitest';
import { EngineClient } from '../../src/engine/camunda7/rest.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** REST URL of the engine the integration tests run against, e.g. http://127.0.0.1:PORT/engine-rest */
    engineRestUrl: string;
  }
}

/** The REST URL provided by test/support/engine-global-setup.ts. */
export function engineRestUrl(): string {
  return inject('engineRestUrl');
}

/** A client for the test engine, with the same options the service uses. */
export function engineClient(): EngineClient {
  return new EngineClient({ baseUrl: engineRestUrl() });
}

export interface WaitForOptions {
  /** Give up after this long; 20 s by default. */
  timeoutMs?: number;
  /** Pause between tries; 200 ms by default. */
  intervalMs?: number;
  /** Says what was awaited when it times out. */
  message?: string;
}

/**
 * Polls `predicate` until it returns a value other than `undefined`, `null` or `false`, and
 * returns that value. Errors thrown by the predicate count as "not yet"; the last one is
 * reported on timeout.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${options.message ?? 'a condition'}${reason}`);
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

/** A string unique to this test run, for business keys and deployment names. */
export function uniqueKey(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
