import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';
import { placeholderReason } from '../../../config/strict-checks';

/*
 * SPEC §2, as an outside probe tried it: SMTP_URL's query is read one way by everything (a second
 * requireTLS once made the check and the transport disagree, and strict mode sent in plain text),
 * MAIL_FROM must be an address, a user needs a password, and placeholders a person would write
 * while filling in a template are refused like change-me. All values are fictional.
 */
const STRICT = {
  SMTP_URL: 'smtps://relay.council.test:465',
  SECRET_KEY: 'Zq7Xw2Lm9Rt4Vb8Nc3Hd6Jf1Kg5Ps0Ya',
  INTAKE_API_KEYS: 'northumbria:Hk3Lq8Wz1Xv6Nm2Rt9Pb4Yc7',
  PUBLIC_BASE_URL: 'https://endeavor.council.test',
};

function refused(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('the configuration was accepted');
}

describe('SMTP_URL query', () => {
  it.each([
    ['a second requireTLS that turns STARTTLS off', 'smtp://relay-user:Qz7vK2pL9xW4mN8rT3@relay.council.test:2530?requireTLS=true&requireTLS=false'],
    ['ignoreTLS', 'smtp://relay-user:Qz7vK2pL9xW4mN8rT3@relay.council.test:587?ignoreTLS=true'],
    ['tls.rejectUnauthorized', 'smtp://relay-user:Qz7vK2pL9xW4mN8rT3@relay.council.test:587?tls.rejectUnauthorized=false'],
    ['an empty requireTLS', 'smtp://relay-user:Qz7vK2pL9xW4mN8rT3@relay.council.test:587?requireTLS='],
  ])('stops start-up on %s, in strict mode and in development, naming SMTP_URL only', (_what, url) => {
    const envs: Record<string, string>[] = [{ ...STRICT, SMTP_URL: url }, { NODE_ENV: 'development', SMTP_URL: url }];
    for (const env of envs) {
      const lines = refused(env);
      expect(lines.some((l) => l.includes('SMTP_URL'))).toBe(true);
      expect(lines.join('\n')).not.toContain('Qz7vK2pL9xW4mN8rT3');
    }
  });

  it('accepts one requireTLS=true on another port', () => {
    expect(() => loadConfig({ ...STRICT, SMTP_URL: 'smtp://relay-user:Qz7vK2pL9xW4mN8rT3@relay.council.test:2525?requireTLS=true' })).not.toThrow();
  });

  it('refuses a user without a password in strict mode', () => {
    expect(refused({ ...STRICT, SMTP_URL: 'smtp://relay-user:@relay.council.test:587' })).toEqual(['invalid configuration: SMTP_URL names a user without a password']);
  });
});

describe('MAIL_FROM', () => {
  it.each(['not an address', 'Operation Endeavor', '<>'])('refuses %j', (from) => {
    expect(refused({ NODE_ENV: 'development', MAIL_FROM: from }).join('\n')).toContain('MAIL_FROM');
  });
  it.each(['endeavor@council.test', 'Operation Endeavor <endeavor@council.test>', 'Operation Endeavor <endeavor@localhost>'])('accepts %j', (from) => {
    expect(loadConfig({ NODE_ENV: 'development', MAIL_FROM: from }).mailFrom).toBe(from);
  });
});

describe('placeholders', () => {
  it.each(['<your-secret-key-here-0123456789abc>', 'TODO-set-a-real-secret-key-0Zq7Xw2', '12345678901234567890123456789012345'])('refuses %j', (value) => {
    expect(placeholderReason(value)).toBeDefined();
    expect(refused({ ...STRICT, SECRET_KEY: value })).toEqual([expect.stringMatching(/^invalid configuration: SECRET_KEY is a placeholder/)]);
  });
  it('accepts a generated secret', () => {
    expect(placeholderReason('Zq7Xw2Lm9Rt4Vb8Nc3Hd6Jf1Kg5Ps0Ya')).toBeUndefined();
  });
});
