import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redactionFor } from '../../../src/platform/logger';

/** One line logged with the redaction settings of `env`, as written. */
function logged(env: NodeJS.ProcessEnv, fields: Record<string, unknown>): string {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const redact = redactionFor(env);
  pino({ ...(redact ? { redact } : {}) }, sink).info(fields, 'test line');
  return out;
}

describe('log redaction', () => {
  const fields = { deliveryId: 'd-1', email: 'someone@school.endeavor.test', child: { givenName: 'Testchild' } };

  it('censors personal fields by default', () => {
    const line = logged({ NODE_ENV: 'development' }, fields);
    expect(line).toContain('d-1');
    expect(line).not.toContain('someone@school.endeavor.test');
    expect(line).not.toContain('Testchild');
    expect(line).toContain('[redacted]');
  });

  it('is off with LOG_REDACT=off, so a test can see what was really logged', () => {
    const line = logged({ NODE_ENV: 'development', LOG_REDACT: 'off' }, fields);
    expect(line).toContain('someone@school.endeavor.test');
    expect(line).toContain('Testchild');
  });

  it.each([['production'], ['staging'], [undefined]])('stays on in strict mode (NODE_ENV %s) whatever LOG_REDACT says', (nodeEnv) => {
    const line = logged({ NODE_ENV: nodeEnv, LOG_REDACT: 'off' }, fields);
    expect(line).not.toContain('someone@school.endeavor.test');
    expect(line).toContain('[redacted]');
  });
});
