import { Webhooks } from '@octokit/webhooks';

/** Why a GitHub delivery was refused; for the log only, every refusal answers the same 401. */
export type GitHubAuthFailure = 'not_configured' | 'missing_signature' | 'bad_signature';

/** Whether a delivery is authentic. */
export type GitHubAuthResult = { readonly ok: true } | { readonly ok: false; readonly reason: GitHubAuthFailure };

/** Checks a delivery's `X-Hub-Signature-256` against the exact body received. */
export type GitHubVerifier = (rawBody: Uint8Array, signature: string | undefined) => Promise<GitHubAuthResult>;

/**
 * The verifier of `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>` with the webhook's
 * secret, through `@octokit/webhooks` (`Webhooks#verify`, a constant-time comparison). Only
 * SHA-256 is accepted: the legacy SHA-1 `X-Hub-Signature` is not read.
 *
 * Without a secret every delivery is refused (`not_configured`), so the endpoint cannot be
 * left open by a missing setting. GitHub signs no timestamp: a replayed delivery is absorbed
 * by the `X-GitHub-Delivery` dedupe and by correlation only reaching waiting instances.
 */
export function createGitHubVerifier(secret: string | undefined): GitHubVerifier {
  const webhooks = secret ? new Webhooks({ secret }) : undefined;
  return async (rawBody, signature) => {
    if (!webhooks) return { ok: false, reason: 'not_configured' };
    const presented = signature?.trim();
    if (!presented) return { ok: false, reason: 'missing_signature' };
    // The HMAC covers the bytes sent; GitHub sends UTF-8, which round-trips through a string.
    const payload = Buffer.from(rawBody).toString('utf8');
    try {
      return (await webhooks.verify(payload, presented)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
    } catch {
      // webhooks-methods throws on an empty body rather than answering false.
      return { ok: false, reason: 'bad_signature' };
    }
  };
}

/** The `X-Hub-Signature-256` GitHub sends for `body`; for tests and for replaying a delivery by hand. */
export async function signGitHubBody(secret: string, body: string): Promise<string> {
  return new Webhooks({ secret }).sign(body);
}
