import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';

const DEV = { NODE_ENV: 'development' };

describe('loadConfig: bounces (SPEC §2, §6)', () => {
  it('leaves bounces off by default', () => {
    expect(loadConfig(DEV).bounces).toEqual({ domain: undefined, smtpPort: undefined, smtpHost: '0.0.0.0' });
  });

  it('reads BOUNCE_DOMAIN (lower-cased), BOUNCE_SMTP_PORT and BOUNCE_SMTP_HOST', () => {
    expect(loadConfig({ ...DEV, BOUNCE_DOMAIN: 'Bounces.Endeavor.TEST', BOUNCE_SMTP_PORT: '2525', BOUNCE_SMTP_HOST: '10.0.0.5' }).bounces).toEqual({
      domain: 'bounces.endeavor.test',
      smtpPort: 2525,
      smtpHost: '10.0.0.5',
    });
  });

  it('allows BOUNCE_DOMAIN alone: another process listens', () => {
    expect(loadConfig({ ...DEV, BOUNCE_DOMAIN: 'bounces.endeavor.test' }).bounces.smtpPort).toBeUndefined();
  });

  it('refuses BOUNCE_SMTP_PORT without BOUNCE_DOMAIN', () => {
    expect(() => loadConfig({ ...DEV, BOUNCE_SMTP_PORT: '2525' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...DEV, BOUNCE_SMTP_PORT: '2525' })).toThrow(/BOUNCE_SMTP_PORT needs BOUNCE_DOMAIN/);
  });

  it.each([
    ['BOUNCE_DOMAIN', 'not a domain'],
    ['BOUNCE_DOMAIN', 'bounces@endeavor.test'],
    ['BOUNCE_DOMAIN', 'localhost'],
    ['BOUNCE_SMTP_PORT', '70000'],
    ['BOUNCE_SMTP_PORT', 'smtp'],
  ])('rejects %s=%s naming the variable, not the value', (name, value) => {
    const env = { ...DEV, BOUNCE_DOMAIN: 'bounces.endeavor.test', [name]: value };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).not.toContain(value);
  });
});
