import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a Jira delivery proves it came from Jira. Configure one or both; with neither every
 * request is refused, so an endpoint can never be left open by a missing setting.
 *
 * - `secret`: the webhook's secret. Jira Cloud admin webhooks and Jira Data Center webhooks
 *   with a secret send `X-Hub-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed
 *   with the secret.
 * - `token`: a shared token for senders that cannot sign:
 *   - Jira Automation "Send web request" sets custom headers: send `Authorization: Bearer <token>`;
 *   - a webhook without a secret carries only its URL: register it as
 *     `https://…/webhooks/jira?token=<token>`. The token then sits in Jira's webhook config
 *     and in any proxy access log on the way, so prefer the secret where Jira offers one.
 *
 * With both configured, either proof is accepted.
 */
export interface JiraAuthConfig {
  readonly secret?: string | undefined;
  readonly token?: string | undefined;
}

/** What arrived with a request, as read from its headers and query. */
export interface JiraCredentials {
  /** The exact body bytes: a re-serialised parse would not match the signature. */
  readonly rawBody: Uint8Array;
  /** `X-Hub-Signature`. */
  readonly signature?: string | undefined;
  /** `Authorization`. */
  readonly authorization?: string | undefined;
  /** The `token` query parameter. */
  readonly queryToken?: string | undefined;
}

export type JiraAuthResult =
  | { readonly ok: true; readonly method: 'signature' | 'token' }
  | { readonly ok: false; readonly reason: 'not_configured' | 'missing_credentials' | 'bad_signature' | 'bad_token' };

/**
 * Decides whether a delivery is authentic. Pure: no clock (Jira signs no timestamp; replays
 * are absorbed by delivery-id dedupe and one-lifecycle-per-ticket), no I/O. The reason on
 * failure is for the log only; the caller answers every failure with the same 401.
 */
export function verifyJiraRequest(config: JiraAuthConfig, credentials: JiraCredentials): JiraAuthResult {
  const secret = nonEmpty(config.secret);
  const token = nonEmpty(config.token);
  if (!secret && !token) return { ok: false, reason: 'not_configured' };

  const presentedToken = bearerToken(credentials.authorization) ?? nonEmpty(credentials.queryToken);
  if (secret && credentials.signature !== undefined && verifyHubSignature(secret, credentials.rawBody, credentials.signature)) {
    return { ok: true, method: 'signature' };
  }
  if (token && presentedToken !== undefined && equalSecrets(token, presentedToken)) {
    return { ok: true, method: 'token' };
  }
  if (credentials.signature === undefined && presentedToken === undefined) return { ok: false, reason: 'missing_credentials' };
  return { ok: false, reason: credentials.signature !== undefined && secret ? 'bad_signature' : 'bad_token' };
}

/**
 * Whether `header` (`sha256=<64 hex digits>`) is the HMAC-SHA256 of `body` under `secret`.
 * Compared with `timingSafeEqual` on equal-length digests; anything malformed is `false`.
 */
export function verifyHubSignature(secret: string, body: Uint8Array, header: string): boolean {
  if (secret.length === 0) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match?.[1]) return false;
  const presented = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The `X-Hub-Signature` value Jira sends for `body`; for tests and for replaying a delivery by hand. */
export function signJiraBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Constant-time and length-safe: both sides are hashed to 32 bytes before comparing. */
function equalSecrets(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 0 ? value : undefined;
}
