import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  JENKINS_CALLBACK_TOLERANCE_SECONDS,
  SeenSignatures,
  signJenkinsCallback,
  verifyJenkinsCallback,
  type JenkinsCallbackAuth,
  type JenkinsCallbackCredentials,
} from '../../src/http/verify-jenkins.ts';

const secret = 'jenkins-callback-secret';
const body = JSON.stringify({
  buildKey: 'MLM-42/train/1',
  jiraKey: 'MLM-42',
  buildUrl: 'https://jenkins.acme.test/job/ml/job/train-model/17/',
  result: 'SUCCESS',
  outputs: { mlflow_run_id: '0f3a' },
});
const signedAt = 1_767_225_600; // 2026-01-01T00:00:00Z
const rawBody = Buffer.from(body);

function auth(overrides: Partial<JenkinsCallbackAuth> = {}, nowSeconds = signedAt): JenkinsCallbackAuth {
  return { secret, seen: new SeenSignatures(), now: () => nowSeconds * 1_000, ...overrides };
}

function signed(overrides: Partial<JenkinsCallbackCredentials> = {}, at = signedAt): JenkinsCallbackCredentials {
  const headers = signJenkinsCallback(secret, body, at);
  return { rawBody, timestamp: headers['x-lifecycle-timestamp'], signature: headers['x-lifecycle-signature'], ...overrides };
}

describe('signJenkinsCallback', () => {
  it('signs "<timestamp>.<raw body>" with HMAC-SHA256, as openssl does', () => {
    const expected = createHmac('sha256', secret).update(`${signedAt}.${body}`).digest('hex');

    expect(signJenkinsCallback(secret, body, signedAt)).toEqual({ 'x-lifecycle-timestamp': String(signedAt), 'x-lifecycle-signature': `sha256=${expected}` });
    expect(signJenkinsCallback(secret, rawBody, signedAt)).toEqual(signJenkinsCallback(secret, body, signedAt));
  });

  it.each([[-1], [1.5], [Number.NaN]])('refuses the timestamp %s', (timestamp) => {
    expect(() => signJenkinsCallback(secret, body, timestamp)).toThrow(RangeError);
  });
});

describe('verifyJenkinsCallback', () => {
  it('accepts a callback signed now with the shared secret', () => {
    const result = verifyJenkinsCallback(auth(), signed());

    expect(result).toMatchObject({ ok: true, timestampSeconds: signedAt });
  });

  it('accepts upper-case hex and surrounding whitespace', () => {
    const { signature, timestamp } = signed();

    const result = verifyJenkinsCallback(auth(), { rawBody, timestamp: ` ${timestamp} `, signature: signature?.toUpperCase().replace('SHA256=', 'sha256=') });

    expect(result.ok).toBe(true);
  });

  it('refuses a signature made with another secret', () => {
    const headers = signJenkinsCallback('another secret', body, signedAt);

    const result = verifyJenkinsCallback(auth(), { rawBody, timestamp: headers['x-lifecycle-timestamp'], signature: headers['x-lifecycle-signature'] });

    expect(result).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a body changed after signing, even by re-serialising it', () => {
    expect(verifyJenkinsCallback(auth(), signed({ rawBody: Buffer.from(body.replace('SUCCESS', 'FAILURE')) }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyJenkinsCallback(auth(), signed({ rawBody: Buffer.from(JSON.stringify(JSON.parse(body), null, 1)) }))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a timestamp changed after signing', () => {
    expect(verifyJenkinsCallback(auth(), signed({ timestamp: String(signedAt + 1) }))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts a timestamp up to 5 minutes away either way', () => {
    const tolerance = JENKINS_CALLBACK_TOLERANCE_SECONDS;

    expect(verifyJenkinsCallback(auth({}, signedAt + tolerance), signed()).ok).toBe(true);
    expect(verifyJenkinsCallback(auth({}, signedAt - tolerance), signed()).ok).toBe(true);
  });

  it('refuses a stale timestamp, past or future', () => {
    expect(verifyJenkinsCallback(auth({}, signedAt + JENKINS_CALLBACK_TOLERANCE_SECONDS + 1), signed())).toEqual({ ok: false, reason: 'stale' });
    expect(verifyJenkinsCallback(auth({}, signedAt - JENKINS_CALLBACK_TOLERANCE_SECONDS - 1), signed())).toEqual({ ok: false, reason: 'stale' });
  });

  it('reports a forged stale callback as a bad signature, not as stale', () => {
    const forged = signed({ signature: `sha256=${'0'.repeat(64)}` });

    expect(verifyJenkinsCallback(auth({}, signedAt + 3_600), forged)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses the same signed callback a second time within the window, in either hex case', () => {
    const config = auth();
    const first = signed();

    expect(verifyJenkinsCallback(config, first).ok).toBe(true);
    expect(verifyJenkinsCallback(config, first)).toEqual({ ok: false, reason: 'replayed' });
    expect(verifyJenkinsCallback(config, { ...first, signature: first.signature?.toUpperCase().replace('SHA256=', 'sha256=') })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    // A fresh signature of the same body is a new callback.
    expect(verifyJenkinsCallback(config, signed({}, signedAt + 1)).ok).toBe(true);
  });

  it('accepts the same signed callback again once released (the engine did not take it)', () => {
    const config = auth();
    const first = verifyJenkinsCallback(config, signed());
    if (!first.ok) throw new Error('expected the first callback to be accepted');

    first.release();

    expect(verifyJenkinsCallback(config, signed()).ok).toBe(true);
  });

  it('forgets a signature once its timestamp left the window, and stays bounded', () => {
    let nowSeconds = signedAt;
    const seen = new SeenSignatures({ maxEntries: 3 });
    const config = auth({ seen, now: () => nowSeconds * 1_000 });

    for (let i = 0; i < 5; i++) expect(verifyJenkinsCallback(config, signed({}, signedAt - i)).ok).toBe(true);
    expect(seen.size).toBe(3);

    nowSeconds = signedAt + JENKINS_CALLBACK_TOLERANCE_SECONDS + 1;
    expect(verifyJenkinsCallback(config, signed({}, nowSeconds)).ok).toBe(true);
    expect(seen.size).toBe(1);
  });

  it('does not record refused callbacks', () => {
    const seen = new SeenSignatures();

    verifyJenkinsCallback(auth({ seen }), signed({ signature: `sha256=${'1'.repeat(64)}` }));
    verifyJenkinsCallback(auth({ seen }, signedAt + 3_600), signed());

    expect(seen.size).toBe(0);
  });

  it('refuses everything without a secret, empty included', () => {
    expect(verifyJenkinsCallback(auth({ secret: undefined }), signed())).toEqual({ ok: false, reason: 'not_configured' });
    const unsigned = signJenkinsCallback('', body, signedAt);
    expect(
      verifyJenkinsCallback(auth({ secret: '' }), { rawBody, timestamp: unsigned['x-lifecycle-timestamp'], signature: unsigned['x-lifecycle-signature'] }),
    ).toEqual({ ok: false, reason: 'not_configured' });
  });

  it('says when a header is missing or empty', () => {
    expect(verifyJenkinsCallback(auth(), { rawBody })).toEqual({ ok: false, reason: 'missing_credentials' });
    expect(verifyJenkinsCallback(auth(), signed({ timestamp: undefined }))).toEqual({ ok: false, reason: 'missing_credentials' });
    expect(verifyJenkinsCallback(auth(), signed({ signature: '' }))).toEqual({ ok: false, reason: 'missing_credentials' });
  });

  const good = signed();
  it.each([
    ['another algorithm', { signature: good.signature?.replace('sha256=', 'sha1=') }],
    ['no algorithm', { signature: good.signature?.slice('sha256='.length) }],
    ['a short digest', { signature: good.signature?.slice(0, -2) }],
    ['a long digest', { signature: `${good.signature}00` }],
    ['non-hex digits', { signature: `sha256=${'z'.repeat(64)}` }],
    ['a timestamp in milliseconds', { timestamp: `${signedAt}000` }],
    ['a date as timestamp', { timestamp: '2026-01-01T00:00:00Z' }],
    ['a negative timestamp', { timestamp: `-${signedAt}` }],
    ['a fractional timestamp', { timestamp: `${signedAt}.5` }],
  ])('refuses %s as a bad signature without throwing', (_title, overrides: Partial<JenkinsCallbackCredentials>) => {
    expect(verifyJenkinsCallback(auth(), signed(overrides))).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
