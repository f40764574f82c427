import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';
import { URL_PASSWORD_MIN_LENGTH } from '../../../config/strict-checks';

/*
 * SPEC §2: strict mode refuses a password that is too short, the ones inside SMTP_URL and
 * REDIS_URL included. Their floor is 16 characters, not the 24 of our own secrets: the relay's
 * password is often issued by the mail provider, and the app passwords Google and Microsoft 365
 * issue for SMTP are 16 random letters.
 */
const STRICT = {
  SMTP_URL: 'smtps://relay.council.test:465',
  SECRET_KEY: 'Zq7Xw2Lm9Rt4Vb8Nc3Hd6Jf1Kg5Ps0Ya',
  INTAKE_API_KEYS: 'northumbria:Hk3Lq8Wz1Xv6Nm2Rt9Pb4Yc7',
  PUBLIC_BASE_URL: 'https://endeavor.council.test',
};

function strictError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...STRICT, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('strict mode accepted it');
}

describe('passwords inside SMTP_URL and REDIS_URL in strict mode', () => {
  it('has a floor of 16 characters', () => {
    expect(URL_PASSWORD_MIN_LENGTH).toBe(16);
  });

  it.each([
    ['SMTP_URL', 'smtps://relay-user:Qm4vT9xLr2@relay.council.test:465', 'Qm4vT9xLr2'],
    ['SMTP_URL', 'smtp://relay-user:Kx7%40pQ2wZ9mR4v@relay.council.test:587', 'Kx7'],
    ['REDIS_URL', 'rediss://app:s3cRet-9Xq@redis.council.test:6380', 's3cRet-9Xq'],
    ['REDIS_URL', 'redis://:Tq4mZ8wK2@redis.council.test:6379', 'Tq4mZ8wK2'],
  ])('refuses a short password in %s with one line naming the variable, never the value', (name, url, password) => {
    const message = strictError({ [name]: url }).message;
    expect(message.split('\n')).toEqual([`invalid configuration: ${name} has a password shorter than 16 characters: use a generated one (e.g. openssl rand -base64 24)`]);
    expect(message).not.toContain(password);
  });

  it('counts the decoded password: %-escapes are one character each', () => {
    // 16 characters once decoded (Kx7@pQ2wZ9mR4vAb), 18 as written.
    expect(() => loadConfig({ ...STRICT, SMTP_URL: 'smtp://relay-user:Kx7%40pQ2wZ9mR4vAb@relay.council.test:587' })).not.toThrow();
    expect(strictError({ SMTP_URL: 'smtp://relay-user:Kx7%40pQ2wZ9mR4vA@relay.council.test:587' }).message).toMatch(/^invalid configuration: SMTP_URL has a password shorter/);
  });

  it('accepts a 16-character app password, a long generated one, and a URL with no password', () => {
    for (const env of [
      { SMTP_URL: 'smtp://endeavor%40council.test:hqzvkwbtrmypxnsd@smtp.office365.test:587' },
      { SMTP_URL: 'smtps://AKIAFICTIONAL:Bq2Lx9Vt4Rw7Nz1Kc5Hm8Jd3Fs6Pg0Ya@email-smtp.test:465' },
      { REDIS_URL: 'rediss://endeavor:Zt5uWq1eR8yLm3Nx6Bv0Kc9J@redis.council.test:6380' },
      { REDIS_URL: 'redis://redis.council.test:6379' },
    ]) expect(() => loadConfig({ ...STRICT, ...env }), JSON.stringify(env)).not.toThrow();
  });

  it('still refuses a long placeholder, and names both variables when both are bad', () => {
    const message = strictError({ SMTP_URL: 'smtps://u:change-me-smtp-password@relay.council.test', REDIS_URL: 'redis://:short-9Xq@redis.council.test:6379' }).message;
    expect(message.split('\n')).toEqual([expect.stringMatching(/^invalid configuration: SMTP_URL is a placeholder/), expect.stringMatching(/^invalid configuration: REDIS_URL has a password shorter/)]);
  });

  it('lets development run with any password', () => {
    expect(() => loadConfig({ NODE_ENV: 'development', SMTP_URL: 'smtp://u:pw@127.0.0.1:1025?requireTLS=false', REDIS_URL: 'redis://:pw@127.0.0.1:6379' })).not.toThrow();
  });
});
