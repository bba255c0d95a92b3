import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJiraBody, verifyHubSignature, verifyJiraRequest } from '../../src/http/verify-jira.ts';
import { fixture } from './support.ts';

const secret = 'It’s a Secret to Everybody';
const body = Buffer.from(fixture('issue_created'));
const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('verifyHubSignature', () => {
  it('accepts the HMAC-SHA256 of the exact body', () => {
    expect(verifyHubSignature(secret, body, signature)).toBe(true);
    expect(signJiraBody(secret, body)).toBe(signature);
  });

  it('accepts upper-case hex', () => {
    expect(verifyHubSignature(secret, body, signature.replace(/[a-f]/g, (c) => c.toUpperCase()).replace('SHA256', 'sha256'))).toBe(true);
  });

  it('refuses another secret, an altered body and a re-serialised body', () => {
    expect(verifyHubSignature('another secret', body, signature)).toBe(false);
    expect(verifyHubSignature(secret, Buffer.concat([body, Buffer.from(' ')]), signature)).toBe(false);
    expect(verifyHubSignature(secret, Buffer.from(JSON.stringify(JSON.parse(body.toString()))), signature)).toBe(false);
  });

  it.each([
    ['another algorithm', signature.replace('sha256=', 'sha1=')],
    ['no algorithm', signature.slice('sha256='.length)],
    ['a short digest', signature.slice(0, -2)],
    ['a long digest', `${signature}00`],
    ['non-hex digits', `sha256=${'z'.repeat(64)}`],
    ['an empty header', ''],
  ])('refuses %s without throwing', (_title, header) => {
    expect(verifyHubSignature(secret, body, header)).toBe(false);
  });

  it('refuses everything when the secret is empty', () => {
    expect(verifyHubSignature('', body, signJiraBody('', body))).toBe(false);
  });
});

describe('verifyJiraRequest', () => {
  const token = 'shared-token';

  it('refuses every request when nothing is configured, empty strings included', () => {
    expect(verifyJiraRequest({}, { rawBody: body, signature })).toEqual({ ok: false, reason: 'not_configured' });
    expect(verifyJiraRequest({ secret: '', token: '' }, { rawBody: body, signature, queryToken: '' })).toEqual({ ok: false, reason: 'not_configured' });
  });

  it('accepts a good signature', () => {
    expect(verifyJiraRequest({ secret }, { rawBody: body, signature })).toEqual({ ok: true, method: 'signature' });
  });

  it('says why a request was refused', () => {
    expect(verifyJiraRequest({ secret }, { rawBody: body })).toEqual({ ok: false, reason: 'missing_credentials' });
    expect(verifyJiraRequest({ secret }, { rawBody: body, signature: signJiraBody('x', body) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyJiraRequest({ token }, { rawBody: body, authorization: 'Bearer nope' })).toEqual({ ok: false, reason: 'bad_token' });
  });

  it('accepts the token as a bearer header or a query parameter', () => {
    expect(verifyJiraRequest({ token }, { rawBody: body, authorization: `Bearer ${token}` })).toEqual({ ok: true, method: 'token' });
    expect(verifyJiraRequest({ token }, { rawBody: body, authorization: `bearer ${token}` })).toEqual({ ok: true, method: 'token' });
    expect(verifyJiraRequest({ token }, { rawBody: body, queryToken: token })).toEqual({ ok: true, method: 'token' });
  });

  it('does not take a token for a signature or a signature for a token', () => {
    expect(verifyJiraRequest({ token }, { rawBody: body, signature })).toEqual({ ok: false, reason: 'bad_token' });
    expect(verifyJiraRequest({ secret }, { rawBody: body, queryToken: secret })).toEqual({ ok: false, reason: 'bad_token' });
    expect(verifyJiraRequest({ token }, { rawBody: body, authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }).ok).toBe(false);
  });

  it('accepts either proof when both are configured', () => {
    const both = { secret, token };
    expect(verifyJiraRequest(both, { rawBody: body, signature })).toEqual({ ok: true, method: 'signature' });
    expect(verifyJiraRequest(both, { rawBody: body, queryToken: token })).toEqual({ ok: true, method: 'token' });
    expect(verifyJiraRequest(both, { rawBody: body, signature: signJiraBody('x', body), authorization: `Bearer ${token}` })).toEqual({ ok: true, method: 'token' });
    expect(verifyJiraRequest(both, { rawBody: body, signature: signJiraBody('x', body), queryToken: 'nope' }).ok).toBe(false);
  });
});
