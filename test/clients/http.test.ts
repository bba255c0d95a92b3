import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/clients/errors.ts';
import { authorizationHeader, classifyHttpError, httpFailure, HttpStatusError, httpSettings, vendorErrorText } from '../../src/clients/http.ts';

describe('authorizationHeader', () => {
  it('sends a token as bearer, a user and password as basic, and nothing without either', () => {
    expect(authorizationHeader({ token: 't0k', username: 'u', password: 'p' })).toBe('Bearer t0k');
    expect(authorizationHeader({ username: 'admin', password: 's3cret' })).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    expect(authorizationHeader({ username: 'admin' })).toBeUndefined();
    expect(authorizationHeader({})).toBeUndefined();
  });
});

describe('httpSettings', () => {
  it('drops trailing slashes and fills the timeout and retry defaults', () => {
    const settings = httpSettings({ baseUrl: 'https://prometheus.acme.test//', retry: { retries: 0 } });
    expect(settings).toMatchObject({ baseUrl: 'https://prometheus.acme.test', authorization: undefined, timeoutMs: 30_000 });
    expect(settings.policy.retries).toBe(0);
  });
});

describe('error answers', () => {
  const headers = new Headers({ 'retry-after': '3' });

  it('retries 429 and 5xx with their headers, never a body that is not JSON, and a lost connection', () => {
    const classify = classifyHttpError(HttpStatusError);
    expect(classify(new HttpStatusError(429, 'Too Many Requests', headers, undefined, undefined))).toEqual({ retry: true, headers });
    expect(classify(new HttpStatusError(400, 'Bad Request', headers, 'bad_data', 'parse error'))).toEqual({ retry: false, headers });
    expect(classify(new SyntaxError('Unexpected token <'))).toEqual({ retry: false });
    expect(classify(new TypeError('fetch failed'))).toEqual({ retry: true });
  });

  it('reads the vendor code and message from its JSON body, else the start of the page', () => {
    const read = (body: unknown) => (typeof body === 'object' && body !== null && 'error' in body ? { code: 'E', message: String(body.error) } : undefined);
    expect(vendorErrorText('{"error":"no such series"}', read)).toEqual({ code: 'E', message: 'no such series' });
    expect(vendorErrorText('  <html>Bad gateway</html> ', read)).toEqual({ code: undefined, message: '<html>Bad gateway</html>' });
    expect(vendorErrorText('', read)).toEqual({ code: undefined, message: undefined });
  });

  it('turns an error answer, a page that is not JSON and a lost connection into a ClientError', () => {
    const input = { system: 'Prometheus' as const, operation: 'evaluating the query up', hint: () => 'fix the query', notJsonHint: 'check PROMETHEUS_URL' };
    const answer = httpFailure(new HttpStatusError(400, 'Bad Request', headers, 'bad_data', 'parse error'), input);
    expect(answer).toMatchObject({ status: 400, vendorMessage: 'bad_data: parse error', retryable: false });
    expect(answer.message).toContain('fix the query');
    expect(httpFailure(new SyntaxError('Unexpected token <'), input)).toMatchObject({ status: 200, retryable: false });
    expect(httpFailure(new SyntaxError('Unexpected token <'), { ...input, notJsonHint: undefined }).status).toBe(0);
    expect(httpFailure(new TypeError('fetch failed'), input)).toMatchObject({ status: 0, retryable: true });
    const already = new ClientError({ system: 'Prometheus', operation: 'x', status: 500 });
    expect(httpFailure(already, input)).toBe(already);
  });
});
