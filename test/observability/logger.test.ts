import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), lines };
}

describe('logger', () => {
  it('writes one JSON object per line with the business key of a task child', () => {
    const { log, lines } = capture();
    log.child({ businessKey: 'MLM-42', processInstanceId: 'p-1', topic: 'github:repo:create' }).info('created');
    expect(lines[0]).toMatchObject({ level: 'info', service: 'model-lifecycle', businessKey: 'MLM-42', processInstanceId: 'p-1', topic: 'github:repo:create', msg: 'created' });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('never writes tokens, secrets or auth headers', () => {
    const { log, lines } = capture();
    log.info({ token: 'ghp_secret1', client: { apiToken: 'jira-secret2', password: 'pw-secret3' }, request: { headers: { authorization: 'Bearer secret4' } } }, 'calling');
    log.info({ headers: { authorization: 'Basic secret5', 'x-hub-signature': 'sha256=secret6' } }, 'received');
    const text = JSON.stringify(lines);
    for (const secret of ['secret1', 'secret2', 'secret3', 'secret4', 'secret5', 'secret6']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
