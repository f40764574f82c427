import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';

const KEY_A = 'feed-a-key-0123456789abcdefghij';
const KEY_B = 'feed-b-key-0123456789abcdefghij';

const PRODUCTION = {
  NODE_ENV: 'production',
  SMTP_URL: 'smtp://relay-user:relay-pass@relay.example.test:587',
  SECRET_KEY: 'a-production-secret-of-at-least-32-characters',
  INTAKE_API_KEYS: `northumbria:${KEY_A}`,
};

/** The ConfigError loadConfig throws for this environment; fails the test if it does not throw one. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${Object.keys(env).join(', ')}`);
}

describe('loadConfig defaults (SPEC §2)', () => {
  it('starts from the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      production: false,
      port: 3000,
      host: '127.0.0.1',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'endeavor',
      smtpUrl: undefined,
      mailFrom: 'Operation Endeavor <endeavor@localhost>',
      publicBaseUrl: 'http://localhost:3000',
      admin: undefined,
      mashEmail: undefined,
      secretKey: undefined,
      ackDeadlineSeconds: 3600,
      schoolHours: { kind: 'weekly', firstDay: 1, lastDay: 5, startMinute: 480, endMinute: 1020, timeZone: 'Europe/London' },
      retry: { attempts: 20, baseMs: 30_000, maxDelayMs: 900_000 },
      reminderIntervalHours: 24,
      retentionDays: 90,
    });
    expect(config.feedKeys.size).toBe(0);
  });

  it('derives PUBLIC_BASE_URL from PORT when it is unset', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
  });

  it('takes PUBLIC_BASE_URL as given, without a trailing slash', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://endeavor.example.test/' }).publicBaseUrl).toBe('https://endeavor.example.test');
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', QUEUE_PREFIX: '', SMTP_URL: '', RETENTION_DAYS: '' });
    expect(config).toMatchObject({ port: 3000, queuePrefix: 'endeavor', smtpUrl: undefined, retentionDays: 90 });
  });

  it('reads each documented variable', () => {
    const config = loadConfig({
      PORT: '4000',
      HOST: '0.0.0.0',
      REDIS_URL: 'rediss://redis.example.test:6380',
      QUEUE_PREFIX: 'endeavor-blue',
      SMTP_URL: 'smtp://relay.example.test:587',
      MAIL_FROM: 'Endeavor <alerts@example.test>',
      MASH_EMAIL: 'mash@example.test',
      ADMIN_EMAIL: 'admin@example.test',
      ADMIN_PASSWORD: 'a-long-enough-password',
      ACK_DEADLINE_SECONDS: '7200',
      RETRY_ATTEMPTS: '5',
      RETRY_BASE_MS: '1000',
      RETRY_MAX_DELAY_MS: '60000',
      RETENTION_DAYS: '30',
    });
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      redisUrl: 'rediss://redis.example.test:6380',
      queuePrefix: 'endeavor-blue',
      smtpUrl: 'smtp://relay.example.test:587',
      mailFrom: 'Endeavor <alerts@example.test>',
      publicBaseUrl: 'http://localhost:4000',
      mashEmail: 'mash@example.test',
      admin: { email: 'admin@example.test', password: 'a-long-enough-password' },
      ackDeadlineSeconds: 7200,
      retry: { attempts: 5, baseMs: 1000, maxDelayMs: 60_000 },
      retentionDays: 30,
    });
  });
});

describe('loadConfig rejecting bad values', () => {
  // Secret-looking values: the message must name the variable and never echo the value.
  it.each([
    ['PORT', 'not-a-port-s3cr3t'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://:redis-pa55w0rd-s3cr3t@redis.example.test:6379'],
    ['SMTP_URL', 'http://relay-user:hunter2-s3cr3t@relay.example.test:587'],
    ['SECRET_KEY', 'short-s3cr3t-value'],
    ['ADMIN_PASSWORD', 'pw-s3cr3t'],
    ['MASH_EMAIL', 'not-an-email-s3cr3t'],
    ['PUBLIC_BASE_URL', 'ftp://s3cr3t.example.test'],
    ['QUEUE_PREFIX', 'a:b'],
    ['ACK_DEADLINE_SECONDS', '-1'],
    ['RETRY_ATTEMPTS', '0'],
    ['RETRY_BASE_MS', 'fast'],
    ['REMINDER_INTERVAL_HOURS', '-1'],
    ['RETENTION_DAYS', '0'],
    ['SCHOOL_HOURS', 'weekdays-s3cr3t'],
  ])('stops on a bad %s, naming it and not its value', (name, value) => {
    const env: Record<string, string> = { [name]: value };
    if (name === 'ADMIN_PASSWORD') env.ADMIN_EMAIL = 'admin@example.test';
    const error = configError(env);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(name);
    expect(error.message).not.toContain(value);
    expect(error.stack ?? '').not.toMatch(/s3cr3t/);
  });

  it('does not echo a short intake key', () => {
    const error = configError({ INTAKE_API_KEYS: 'northumbria:s3cr3t-but-short' });
    expect(error.message).toContain('INTAKE_API_KEYS');
    expect(error.message).not.toContain('s3cr3t-but-short');
  });

  it('rejects a RETRY_MAX_DELAY_MS below RETRY_BASE_MS', () => {
    expect(configError({ RETRY_BASE_MS: '60000', RETRY_MAX_DELAY_MS: '30000' }).message).toContain('RETRY_MAX_DELAY_MS');
  });

  it('rejects ADMIN_EMAIL without ADMIN_PASSWORD', () => {
    expect(configError({ ADMIN_EMAIL: 'admin@example.test' }).message).toContain('ADMIN_PASSWORD');
  });

  // A blank value is a mistake in a compose file, not a request for 0: REMINDER_INTERVAL_HOURS=0
  // turns reminders off and PORT=0 picks a random port.
  it.each([
    ['PORT', ' '],
    ['REMINDER_INTERVAL_HOURS', '   '],
    ['RETENTION_DAYS', '\t'],
  ])('rejects a blank %s rather than reading it as 0', (name, value) => {
    expect(configError({ [name]: value }).message).toContain(name);
  });

  // SPEC §2: a bad value stops start-up. parseSchoolHours rejects these, but loadConfig must too.
  it.each([
    ['an unknown time zone', 'Mon-Fri 08:00-17:00 Mars/Olympus'],
    ['a day that closes before it opens', 'Mon-Fri 17:00-08:00 Europe/London'],
    ['a week that runs backwards', 'Fri-Mon 08:00-17:00 Europe/London'],
    ['a closing time after midnight', 'Mon-Fri 08:00-24:30 Europe/London'],
  ])('rejects SCHOOL_HOURS with %s', (_what, value) => {
    expect(configError({ SCHOOL_HOURS: value }).message).toContain('SCHOOL_HOURS');
  });
});

describe('loadConfig INTAKE_API_KEYS', () => {
  it('reads comma-separated feedId:key pairs, trimming around them', () => {
    const config = loadConfig({ INTAKE_API_KEYS: ` northumbria:${KEY_A} , durham:${KEY_B},` });
    expect([...config.feedKeys]).toEqual([
      ['northumbria', KEY_A],
      ['durham', KEY_B],
    ]);
  });

  it('keeps a colon inside a key', () => {
    const key = 'abc:def:0123456789abcdefghijkl';
    expect(loadConfig({ INTAKE_API_KEYS: `northumbria:${key}` }).feedKeys.get('northumbria')).toBe(key);
  });

  it('accepts a key of exactly 24 characters and rejects one of 23', () => {
    expect(loadConfig({ INTAKE_API_KEYS: `northumbria:${'k'.repeat(24)}` }).feedKeys.size).toBe(1);
    expect(configError({ INTAKE_API_KEYS: `northumbria:${'k'.repeat(23)}` }).message).toContain('INTAKE_API_KEYS');
  });

  it('rejects a feed listed twice', () => {
    expect(configError({ INTAKE_API_KEYS: `northumbria:${KEY_A},northumbria:${KEY_B}` }).message).toContain('INTAKE_API_KEYS');
  });

  it.each([
    ['an entry without a colon', KEY_A],
    ['an empty feedId', `:${KEY_A}`],
    ['a feedId with a space', `north umbria:${KEY_A}`],
    ['a feedId with a slash', `north/umbria:${KEY_A}`],
  ])('rejects %s', (_what, value) => {
    const error = configError({ INTAKE_API_KEYS: value });
    expect(error.message).toContain('INTAKE_API_KEYS');
    expect(error.message).not.toContain(KEY_A);
  });

  // One key per police feed: a key shared by two feeds makes the server attribute one feed's
  // events (idempotency, episodes, GET visibility) to the other.
  it('rejects one key given to two feeds', () => {
    expect(configError({ INTAKE_API_KEYS: `northumbria:${KEY_A},durham:${KEY_A}` }).message).toContain('INTAKE_API_KEYS');
  });
});

describe('loadConfig in production', () => {
  it('starts with SMTP_URL, SECRET_KEY and feed keys set', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.secretKey).toBe(PRODUCTION.SECRET_KEY);
  });

  it('requires SMTP_URL', () => {
    expect(configError({ ...PRODUCTION, SMTP_URL: undefined }).message).toContain('SMTP_URL');
  });

  it('requires SECRET_KEY', () => {
    expect(configError({ ...PRODUCTION, SECRET_KEY: undefined }).message).toContain('SECRET_KEY');
  });

  it('requires at least one intake key', () => {
    expect(configError({ ...PRODUCTION, INTAKE_API_KEYS: undefined }).message).toContain('INTAKE_API_KEYS');
  });

  it('lets development start without SMTP_URL or SECRET_KEY', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ production: false, smtpUrl: undefined, secretKey: undefined });
  });
});

describe('loadConfig QUEUE_PREFIX, REMINDER_INTERVAL_HOURS and SCHOOL_HOURS', () => {
  it('accepts a Cluster hash tag as QUEUE_PREFIX', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{endeavor}' }).queuePrefix).toBe('{endeavor}');
  });

  it.each(['a:b', '{a:b}', 'endeavor prod', '{endeavor', 'endeavor*'])('rejects QUEUE_PREFIX %j', (value) => {
    expect(configError({ QUEUE_PREFIX: value }).message).toContain('QUEUE_PREFIX');
  });

  it('allows REMINDER_INTERVAL_HOURS=0 to turn reminders off', () => {
    expect(loadConfig({ REMINDER_INTERVAL_HOURS: '0' }).reminderIntervalHours).toBe(0);
  });

  it('allows SCHOOL_HOURS=always', () => {
    expect(loadConfig({ SCHOOL_HOURS: 'always' }).schoolHours).toEqual({ kind: 'always' });
  });

  it('accepts another school week and time zone', () => {
    expect(loadConfig({ SCHOOL_HOURS: 'Mon-Sat 07:30-18:00 Europe/Dublin' }).schoolHours).toEqual({
      kind: 'weekly',
      firstDay: 1,
      lastDay: 6,
      startMinute: 450,
      endMinute: 1080,
      timeZone: 'Europe/Dublin',
    });
  });
});
