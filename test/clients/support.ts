import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { RetryOptions } from '../../src/clients/retry.ts';

const fixtureRoot = new URL('../fixtures/', import.meta.url);

/** A published or recorded vendor payload from `test/fixtures/<system>/<name>.json`. */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, fixtureRoot), 'utf8')) as T;
}

/** No real network; every test ends with every expected call made and none left over. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());
}

/** Retry options that record the waits instead of sleeping. */
export function recordedRetry(overrides: RetryOptions = {}): { retry: RetryOptions; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 4, ...overrides, sleep: async (ms: number) => void waits.push(ms) },
  };
}

/** Form-encoded (Slack) or JSON request bodies as one object. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return Object.fromEntries(new URLSearchParams(body));
    }
  }
  return body as Record<string, unknown>;
}
