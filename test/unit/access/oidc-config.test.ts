import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';

const OIDC = { OIDC_ISSUER: 'https://login.council.endeavor.test/realms/staff', OIDC_CLIENT_ID: 'endeavor-dispatch', OIDC_CLIENT_SECRET: 'a-client-secret-from-the-council' };
const STRICT = {
  NODE_ENV: 'production',
  SMTP_URL: 'smtps://relay-user:Vq8rTz3pLm9xKc2N@relay.endeavor.test:465',
  SECRET_KEY: 'Zq3v9TtLr8wXp2mKc7NbY4hJd6FsQ1gA-prod',
  INTAKE_API_KEYS: 'northumbria:Hk4mP9qRt2vXz7bN3cW8yLd5',
  PUBLIC_BASE_URL: 'https://dispatch.endeavor.test',
};

const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('OIDC_* configuration (SPEC §2, §8)', () => {
  it('is off when unset, and on with all three', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).oidc).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'development', ...OIDC }).oidc).toEqual({ issuer: OIDC.OIDC_ISSUER, clientId: OIDC.OIDC_CLIENT_ID, clientSecret: OIDC.OIDC_CLIENT_SECRET });
  });

  it('stops start-up when only some of the three are set, naming them and never a value', () => {
    const message = failure({ NODE_ENV: 'development', OIDC_ISSUER: OIDC.OIDC_ISSUER, OIDC_CLIENT_SECRET: OIDC.OIDC_CLIENT_SECRET });
    expect(message).toMatch(/OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together/);
    expect(message).not.toContain(OIDC.OIDC_CLIENT_SECRET);
  });

  it('refuses an issuer that is not a URL, and an http issuer in strict mode', () => {
    expect(failure({ NODE_ENV: 'development', ...OIDC, OIDC_ISSUER: 'council login' })).toMatch(/OIDC_ISSUER/);
    expect(failure({ ...STRICT, ...OIDC, OIDC_ISSUER: 'http://login.council.endeavor.test' })).toMatch(/OIDC_ISSUER must be https/);
    expect(loadConfig({ ...STRICT, ...OIDC }).oidc?.issuer).toBe(OIDC.OIDC_ISSUER);
  });
});
