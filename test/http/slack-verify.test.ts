import { describe, expect, it } from 'vitest';
import { signSlackRequest } from '../../standins/slack.ts';
import { SLACK_SIGNATURE_TOLERANCE_SECONDS, verifySlackEvent, type SlackRequestAuth } from '../../src/http/slack-verify.ts';
import { SeenSignatures } from '../../src/http/verify-jenkins.ts';

// The signing example of Slack's "Verifying requests from Slack" guide.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const BODY = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const TIMESTAMP = 1531420618;

function auth(nowSeconds: number, secret: string | undefined = SECRET): SlackRequestAuth {
  return { signingSecret: secret, seen: new SeenSignatures(), now: () => nowSeconds * 1_000 };
}

describe('verifySlackEvent', () => {
  it("accepts the documented example's signature at its time", () => {
    expect(signSlackRequest(SECRET, TIMESTAMP, BODY)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
    expect(verifySlackEvent(auth(TIMESTAMP), { rawBody: BODY, timestamp: String(TIMESTAMP), signature: signSlackRequest(SECRET, TIMESTAMP, BODY) })).toMatchObject({ ok: true });
  });

  it('refuses without a secret, without headers, with a wrong or malformed signature', () => {
    const signature = signSlackRequest(SECRET, TIMESTAMP, BODY);
    const at = String(TIMESTAMP);
    expect(verifySlackEvent(auth(TIMESTAMP, ''), { rawBody: BODY, timestamp: at, signature })).toEqual({ ok: false, reason: 'not_configured' });
    expect(verifySlackEvent(auth(TIMESTAMP), { rawBody: BODY })).toEqual({ ok: false, reason: 'missing_credentials' });
    expect(verifySlackEvent(auth(TIMESTAMP), { rawBody: `${BODY}&x=1`, timestamp: at, signature })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackEvent(auth(TIMESTAMP), { rawBody: BODY, timestamp: at, signature: signSlackRequest('another', TIMESTAMP, BODY) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackEvent(auth(TIMESTAMP), { rawBody: BODY, timestamp: at, signature: signature.replace('v0=', 'v1=') })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackEvent(auth(TIMESTAMP), { rawBody: BODY, timestamp: 'soon', signature })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a timestamp more than 5 minutes away either way, and takes one at the edge', () => {
    const credentials = { rawBody: BODY, timestamp: String(TIMESTAMP), signature: signSlackRequest(SECRET, TIMESTAMP, BODY) };
    expect(verifySlackEvent(auth(TIMESTAMP + SLACK_SIGNATURE_TOLERANCE_SECONDS + 1), credentials)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackEvent(auth(TIMESTAMP - SLACK_SIGNATURE_TOLERANCE_SECONDS - 1), credentials)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackEvent(auth(TIMESTAMP + SLACK_SIGNATURE_TOLERANCE_SECONDS), credentials)).toMatchObject({ ok: true });
  });

  it('accepts a signature once within the window, again once released', () => {
    const shared = auth(TIMESTAMP);
    const credentials = { rawBody: BODY, timestamp: String(TIMESTAMP), signature: signSlackRequest(SECRET, TIMESTAMP, BODY) };
    const first = verifySlackEvent(shared, credentials);
    expect(first.ok).toBe(true);
    expect(verifySlackEvent(shared, credentials)).toEqual({ ok: false, reason: 'replayed' });
    if (first.ok) first.release();
    expect(verifySlackEvent(shared, credentials)).toMatchObject({ ok: true });
  });
});
