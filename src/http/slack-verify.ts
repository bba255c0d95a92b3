import { verifySlackRequest } from '@slack/bolt';
import type { SeenSignatures } from './verify-jenkins.ts';

/**
 * How a request to `POST /slack/events` proves it came from Slack, and that it is fresh
 * (docs.slack.dev/authentication/verifying-requests-from-slack):
 *
 * - `X-Slack-Request-Timestamp: <unix seconds>`;
 * - `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the
 *   app's signing secret.
 *
 * The signature check is Bolt's own ({@link verifySlackRequest}, with the receiver's clock
 * injected); this adds what Bolt leaves out: a timestamp more than 5 minutes **ahead** is stale
 * too, and a signature already accepted within the window is a replay.
 */

/** How far a request's timestamp may be from the receiver's clock, either way: 5 minutes, as Slack advises. */
export const SLACK_SIGNATURE_TOLERANCE_SECONDS = 300;

/** What the receiver knows. Without a secret every request is refused: the route can never be left open by a missing setting. */
export interface SlackRequestAuth {
  readonly signingSecret?: string | undefined;
  /** Signatures already accepted; one store per process. */
  readonly seen: SeenSignatures;
  /** The receiver's clock, epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** What arrived with a request. */
export interface SlackRequestCredentials {
  /** The exact body as sent: a re-serialised parse would not match the signature. */
  readonly rawBody: string;
  /** `X-Slack-Request-Timestamp`. */
  readonly timestamp?: string | undefined;
  /** `X-Slack-Signature`. */
  readonly signature?: string | undefined;
}

/** Why a request was refused; for the log only, the answer is the same 401 for all. */
export type SlackAuthFailure = 'not_configured' | 'missing_credentials' | 'stale' | 'bad_signature' | 'replayed';

export type SlackAuthResult =
  | {
      readonly ok: true;
      /** Un-spends the signature, so the same signed request may be processed again (the work was not done). */
      readonly release: () => void;
    }
  | { readonly ok: false; readonly reason: SlackAuthFailure };

const TIMESTAMP = /^\d{1,15}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/**
 * Decides whether a request is from Slack, fresh and new: malformed headers and a wrong
 * signature are `bad_signature`, a timestamp more than 5 minutes from `now` either way is
 * `stale`, a signature accepted within the window is `replayed`. An accepted signature is
 * recorded in `auth.seen`. No I/O; the clock is `auth.now`.
 */
export function verifySlackEvent(auth: SlackRequestAuth, credentials: SlackRequestCredentials): SlackAuthResult {
  const secret = auth.signingSecret;
  if (secret === undefined || secret.length === 0) return { ok: false, reason: 'not_configured' };
  const timestamp = credentials.timestamp?.trim();
  const signature = credentials.signature?.trim();
  if (!timestamp || !signature) return { ok: false, reason: 'missing_credentials' };
  if (!TIMESTAMP.test(timestamp) || !SIGNATURE.test(signature)) return { ok: false, reason: 'bad_signature' };

  const nowMs = (auth.now ?? Date.now)();
  const timestampSeconds = Number(timestamp);
  const toleranceMs = SLACK_SIGNATURE_TOLERANCE_SECONDS * 1_000;
  if (Math.abs(nowMs - timestampSeconds * 1_000) > toleranceMs) return { ok: false, reason: 'stale' };
  try {
    verifySlackRequest({
      signingSecret: secret,
      body: credentials.rawBody,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestampSeconds },
      nowMilliseconds: nowMs,
    });
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }

  if (!auth.seen.claim(signature, timestampSeconds * 1_000 + toleranceMs, nowMs)) return { ok: false, reason: 'replayed' };
  return { ok: true, release: () => auth.seen.release(signature) };
}
