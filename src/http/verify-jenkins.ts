import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a Jenkins build proves its end-of-build callback (`POST /webhooks/jenkins`) came from
 * a job that knows the shared secret, and that it is fresh:
 *
 * - `X-Lifecycle-Timestamp: <unix seconds>`;
 * - `X-Lifecycle-Signature: sha256=<hex>`, the HMAC-SHA256 of `"<timestamp>.<raw body>"`
 *   keyed with the secret, the timestamp exactly as sent in its header.
 *
 * A timestamp more than {@link JENKINS_CALLBACK_TOLERANCE_SECONDS} away from the receiver's
 * clock (either way) is stale; a signature already accepted within that window is a replay.
 */

/** How far a callback's timestamp may be from the receiver's clock, either way: 5 minutes. */
export const JENKINS_CALLBACK_TOLERANCE_SECONDS = 300;

/** The two headers that sign a callback, as {@link signJenkinsCallback} returns them (a type, so it fits `fetch`'s header records). */
export type JenkinsCallbackHeaders = {
  readonly 'x-lifecycle-timestamp': string;
  readonly 'x-lifecycle-signature': string;
};

/**
 * The headers a Jenkins job sends with `body` signed at `timestampSeconds`; for tests, the
 * Jenkins stand-in and the docs. `body` must be the exact bytes that are sent.
 *
 * @throws RangeError when `timestampSeconds` is not a non-negative integer.
 */
export function signJenkinsCallback(secret: string, body: string | Uint8Array, timestampSeconds: number): JenkinsCallbackHeaders {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestampSeconds must be a non-negative integer (unix seconds), got ${timestampSeconds}`);
  }
  const timestamp = String(timestampSeconds);
  return { 'x-lifecycle-timestamp': timestamp, 'x-lifecycle-signature': `sha256=${hmac(secret, timestamp, body).toString('hex')}` };
}

/**
 * Signatures accepted recently, so that the same signed request is accepted once.
 *
 * Each entry is kept until its timestamp leaves the tolerance window, after which the
 * request would be refused as stale anyway, and then forgotten. Bounded: beyond `maxEntries`
 * the oldest entries are dropped first. Only authentic, fresh callbacks are recorded, so a
 * forger cannot fill it.
 *
 * In memory and per replica: a replay that reaches another replica within the window is
 * accepted there, but it only correlates `jenkins-build:finished` for a build attempt whose
 * wait was already ended by the first delivery. Nothing awaits that message any more (the
 * engine answers "no execution matches", the callback answers 202 `not_awaited`), so such a
 * replay is harmless.
 */
export class SeenSignatures {
  private readonly maxEntries: number;
  /** Digest hex → epoch ms after which the entry is forgotten. */
  private readonly entries = new Map<string, number>();

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /**
   * Records `key` until `expiresAtMs`. False when it is already recorded and not yet
   * expired at `nowMs`: a replay.
   */
  claim(key: string, expiresAtMs: number, nowMs: number): boolean {
    this.prune(nowMs);
    const expiresAt = this.entries.get(key);
    if (expiresAt !== undefined && expiresAt > nowMs) return false;
    this.entries.set(key, expiresAt === undefined ? expiresAtMs : Math.max(expiresAt, expiresAtMs));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return true;
  }

  /** Forgets `key`, so the same signed request is accepted again. */
  release(key: string): void {
    this.entries.delete(key);
  }

  /** Entries kept, expired ones included until the next `claim`. */
  get size(): number {
    return this.entries.size;
  }

  private prune(nowMs: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt <= nowMs) this.entries.delete(key);
    }
  }
}

/**
 * What the receiver knows. Without a secret (unset or empty) every callback is refused, so
 * the route can never be left open by a missing setting.
 */
export interface JenkinsCallbackAuth {
  readonly secret?: string | undefined;
  /** Signatures already accepted; one store per process. */
  readonly seen: SeenSignatures;
  /** The receiver's clock, epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** Default {@link JENKINS_CALLBACK_TOLERANCE_SECONDS}. */
  readonly toleranceSeconds?: number;
}

/** What arrived with a callback. */
export interface JenkinsCallbackCredentials {
  /** The exact body bytes: a re-serialised parse would not match the signature. */
  readonly rawBody: Uint8Array;
  /** `X-Lifecycle-Timestamp`. */
  readonly timestamp?: string | undefined;
  /** `X-Lifecycle-Signature`. */
  readonly signature?: string | undefined;
}

/** Why a callback was refused; for the log only, the answer is the same 401 for all. */
export type JenkinsAuthFailure = 'not_configured' | 'missing_credentials' | 'stale' | 'bad_signature' | 'replayed';

export type JenkinsAuthResult =
  | {
      readonly ok: true;
      /** The signed timestamp, unix seconds. */
      readonly timestampSeconds: number;
      /**
       * Un-spends the signature: call it when the callback was not handled (invalid body,
       * engine unavailable), so the sender's retry of the same signed request (`curl --retry`)
       * is processed rather than refused as a replay.
       */
      readonly release: () => void;
    }
  | { readonly ok: false; readonly reason: JenkinsAuthFailure };

const TIMESTAMP = /^\d{1,15}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Decides whether a callback is authentic, fresh and new, in that order: the signature must
 * match (`bad_signature`, also for malformed headers), the timestamp must be within the
 * tolerance of `now` either way (`stale`), and the signature must not have been accepted
 * within the window (`replayed`). An accepted signature is recorded in `auth.seen`.
 * Digests are compared in constant time. No I/O; the clock is `auth.now`.
 */
export function verifyJenkinsCallback(auth: JenkinsCallbackAuth, credentials: JenkinsCallbackCredentials): JenkinsAuthResult {
  const secret = auth.secret;
  if (secret === undefined || secret.length === 0) return { ok: false, reason: 'not_configured' };
  const timestamp = credentials.timestamp?.trim();
  const signature = credentials.signature?.trim();
  if (!timestamp || !signature) return { ok: false, reason: 'missing_credentials' };

  const presentedHex = SIGNATURE.exec(signature)?.[1];
  if (!TIMESTAMP.test(timestamp) || presentedHex === undefined) return { ok: false, reason: 'bad_signature' };
  const presented = Buffer.from(presentedHex, 'hex');
  const expected = hmac(secret, timestamp, credentials.rawBody);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { ok: false, reason: 'bad_signature' };

  const nowMs = (auth.now ?? Date.now)();
  const toleranceMs = (auth.toleranceSeconds ?? JENKINS_CALLBACK_TOLERANCE_SECONDS) * 1_000;
  const timestampSeconds = Number(timestamp);
  if (Math.abs(nowMs - timestampSeconds * 1_000) > toleranceMs) return { ok: false, reason: 'stale' };

  // Keyed by the expected digest, so upper- and lower-case hex of one signature are one entry.
  const key = expected.toString('hex');
  if (!auth.seen.claim(key, timestampSeconds * 1_000 + toleranceMs, nowMs)) return { ok: false, reason: 'replayed' };
  return { ok: true, timestampSeconds, release: () => auth.seen.release(key) };
}

function hmac(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}
