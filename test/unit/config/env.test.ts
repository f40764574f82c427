import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';

const KEY_A = 'feed-a-key-0123456789abcdefghij';
const KEY_B = 'feed-b-key-0123456789abcdefghij';

const PRODUCTION = {
  NODE_ENV: 'production',
  SMTP_URL: 'smtp://relay-user:Vq8rTz3pLm9xKc2N@relay.example.test:587',
  SECRET_KEY: 'a-production-secret-of-at-least-32-characters',
  INTAKE_API_KEYS: `northumbria:${KEY_A}`,
  PUBLIC_BASE_URL: 'https://endeavor.council.test',
};

/** Development unless the environment names another NODE_ENV (strict mode is the default). */
const loadDev = (env: Record<string, string | undefined>) => loadConfig({ NODE_ENV: 'development', ...env });

/** The ConfigError loadConfig throws for this environment; fails the test if it does not throw one. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadDev(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${Object.keys(env).join(', ')}`);
}

/** The ConfigError of strict mode for PRODUCTION changed by `overrides`. */
function strictError(overrides: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig({ ...PRODUCTION, ...overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${Object.keys(overrides).join(', ')}`);
}

describe('loadConfig defaults (SPEC §2)', () => {
  it('starts from the documented defaults with an empty environment', () => {
    const config = loadDev({});
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
    expect(loadDev({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
  });

  it('takes PUBLIC_BASE_URL as given, without a trailing slash', () => {
    expect(loadDev({ PUBLIC_BASE_URL: 'https://endeavor.example.test/' }).publicBaseUrl).toBe('https://endeavor.example.test');
  });

  it('treats an empty variable as unset', () => {
    const config = loadDev({ PORT: '', QUEUE_PREFIX: '', SMTP_URL: '', RETENTION_DAYS: '' });
    expect(config).toMatchObject({ port: 3000, queuePrefix: 'endeavor', smtpUrl: undefined, retentionDays: 90 });
  });

  it('reads each documented variable', () => {
    const config = loadDev({
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
    const config = loadDev({ INTAKE_API_KEYS: ` northumbria:${KEY_A} , durham:${KEY_B},` });
    expect([...config.feedKeys]).toEqual([
      ['northumbria', KEY_A],
      ['durham', KEY_B],
    ]);
  });

  it('keeps a colon inside a key', () => {
    const key = 'abc:def:0123456789abcdefghijkl';
    expect(loadDev({ INTAKE_API_KEYS: `northumbria:${key}` }).feedKeys.get('northumbria')).toBe(key);
  });

  it('accepts a key of exactly 24 characters and rejects one of 23', () => {
    expect(loadDev({ INTAKE_API_KEYS: `northumbria:${'k'.repeat(24)}` }).feedKeys.size).toBe(1);
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

describe('loadConfig strict mode (SPEC §2)', () => {
  it('starts with SMTP_URL, SECRET_KEY, feed keys and an https PUBLIC_BASE_URL set', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.secretKey).toBe(PRODUCTION.SECRET_KEY);
    expect(config.publicBaseUrl).toBe('https://endeavor.council.test');
  });

  // The finding: anything but NODE_ENV=production used to run in development.
  it.each([
    ['unset', undefined],
    ['empty', ''],
    ['test', 'test'],
    ['staging', 'staging'],
    ['Production', 'Production'],
    ['dev', 'dev'],
  ])('is strict when NODE_ENV is %s', (_what, nodeEnv) => {
    expect(loadConfig({ ...PRODUCTION, NODE_ENV: nodeEnv }).production).toBe(true);
    expect(() => loadConfig({ NODE_ENV: nodeEnv })).toThrow(ConfigError);
  });

  it('is development only when NODE_ENV=development, and then needs nothing set', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ production: false, smtpUrl: undefined, secretKey: undefined });
  });

  it.each(['SMTP_URL', 'SECRET_KEY', 'INTAKE_API_KEYS', 'PUBLIC_BASE_URL'])('requires %s', (name) => {
    const message = strictError({ [name]: undefined }).message;
    expect(message).toMatch(new RegExp(`^invalid configuration: ${name} `));
    expect(message).not.toContain('\n');
  });

  it.each(['http://localhost:3000', 'http://endeavor.council.test'])('refuses an http:// PUBLIC_BASE_URL (%s)', (url) => {
    expect(strictError({ PUBLIC_BASE_URL: url }).message).toMatch(/PUBLIC_BASE_URL must be https/);
  });

  // docker-compose's and the documentation's values, and the usual lazy ones.
  it.each([
    ['SECRET_KEY', 'change-me-to-a-long-random-secret-of-32-plus-chars'],
    ['SECRET_KEY', 'CHANGEME-a-long-random-secret-of-32-plus-chars-x'],
    ['SECRET_KEY', 'an-example-secret-key-of-more-than-32-chars'],
    ['SECRET_KEY', 'password-password-password-password-1'],
    ['SECRET_KEY', 'a'.repeat(48)],
    ['SECRET_KEY', 'ab'.repeat(24)],
    ['INTAKE_API_KEYS', 'demo-feed:change-me-demo-feed-key-0123456789'],
    ['INTAKE_API_KEYS', `northumbria:${KEY_A},durham:${'k'.repeat(30)}`],
    ['INTAKE_API_KEYS', 'northumbria:example-feed-key-0123456789ab'],
    ['ADMIN_PASSWORD', 'change-me-admin-password'],
    ['ADMIN_PASSWORD', 'Password12345!'],
    ['ADMIN_PASSWORD', 'xxxxxxxxxxxxxxxx'],
    ['SMTP_URL', 'smtp://relay-user:change-me@relay.council.test:587'],
    ['REDIS_URL', 'redis://:change-me-redis@redis.council.test:6379'],
    ['METRICS_TOKEN', 'change-me-metrics-token-0123456789'],
    ['OIDC_CLIENT_SECRET', 'example-client-secret-0123456789'],
  ])('refuses a placeholder %s, naming it and not its value', (name, value) => {
    const env: Record<string, string> = { [name]: value };
    if (name === 'ADMIN_PASSWORD') env.ADMIN_EMAIL = 'admin@council.test';
    const message = strictError(env).message;
    expect(message).toMatch(new RegExp(`^invalid configuration: ${name} .*placeholder`));
    expect(message).not.toContain(value);
    expect(message).not.toContain(value.replace(/^.*:/, ''));
  });

  it('accepts the same placeholders in development', () => {
    expect(() =>
      loadDev({ SECRET_KEY: 'change-me-to-a-long-random-secret-of-32-plus-chars', ADMIN_EMAIL: 'a@endeavor.test', ADMIN_PASSWORD: 'change-me-admin-password' }),
    ).not.toThrow();
  });

  it.each(['METRICS_TOKEN', 'OIDC_CLIENT_SECRET', 'ANY_OTHER_TOKEN'])('refuses a short %s present in the environment', (name) => {
    const message = strictError({ [name]: 'k7Qz9-short-s3cr3t' }).message;
    expect(message).toMatch(new RegExp(`^invalid configuration: ${name} must be at least 24 characters`));
    expect(message).not.toContain('s3cr3t');
  });

  it('accepts a well-chosen *_TOKEN and *_SECRET', () => {
    expect(() => loadConfig({ ...PRODUCTION, METRICS_TOKEN: 'r9Vq2mXw7LpK4sTz8NbY3cHd', OIDC_ISSUER: 'https://login.council.test', OIDC_CLIENT_ID: 'endeavor', OIDC_CLIENT_SECRET: 'Zt5uWq1eR8yLm3Nx6Bv0Kc9J' })).not.toThrow();
  });

  it.each([
    ['plain smtp on port 25', 'smtp://relay.council.test:25'],
    ['plain smtp on port 2525', 'smtp://relay-user:Vq8rTz3pLm9xKc2N@relay.council.test:2525'],
    ['STARTTLS switched off', 'smtp://relay-user:Vq8rTz3pLm9xKc2N@relay.council.test:587?requireTLS=false'],
    ['STARTTLS switched off on port 25', 'smtp://relay.council.test:25?requireTLS=false'],
  ])('refuses an SMTP_URL that would send in plain text: %s', (_what, url) => {
    const message = strictError({ SMTP_URL: url }).message;
    expect(message).toMatch(/^invalid configuration: SMTP_URL /);
    expect(message).not.toContain('Vq8rTz3pLm9xKc2N');
  });

  it.each([
    ['STARTTLS on 587 (the default port)', 'smtp://relay-user:Vq8rTz3pLm9xKc2N@relay.council.test'],
    ['STARTTLS on 587', 'smtp://relay-user:Vq8rTz3pLm9xKc2N@relay.council.test:587'],
    ['STARTTLS required on port 25', 'smtp://relay.council.test:25?requireTLS=true'],
    ['TLS from the first byte', 'smtps://relay-user:Vq8rTz3pLm9xKc2N@relay.council.test:465'],
  ])('accepts an SMTP_URL with %s', (_what, url) => {
    expect(loadConfig({ ...PRODUCTION, SMTP_URL: url }).smtpUrl).toBe(url);
  });
});

describe('loadConfig TRUST_PROXY and SHUTDOWN_TIMEOUT_MS', () => {
  it('trusts no proxy when TRUST_PROXY is unset', () => {
    expect(loadDev({}).trustProxy).toBe(false);
  });

  it('reads a hop count', () => {
    expect(loadDev({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadDev({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('reads addresses and CIDR ranges', () => {
    expect(loadDev({ TRUST_PROXY: '10.0.0.1, 10.0.0.0/8,fd00::/8 ,loopback' }).trustProxy).toEqual(['10.0.0.1', '10.0.0.0/8', 'fd00::/8', 'loopback']);
  });

  it.each(['true', 'proxy.council.test', '10.0.0.0/33', '10.0.0/8', '1.5', ','])('rejects TRUST_PROXY %j', (value) => {
    expect(configError({ TRUST_PROXY: value }).message).toMatch(/^invalid configuration: TRUST_PROXY /);
  });

  it('defaults SHUTDOWN_TIMEOUT_MS to 25 s, below the 30 s grace of compose and Kubernetes', () => {
    expect(loadDev({}).shutdownTimeoutMs).toBe(25_000);
    expect(loadDev({ SHUTDOWN_TIMEOUT_MS: '5000' }).shutdownTimeoutMs).toBe(5000);
    expect(configError({ SHUTDOWN_TIMEOUT_MS: '10' }).message).toContain('SHUTDOWN_TIMEOUT_MS');
  });
});

describe('loadConfig API_PROCESSES, DELIVER_CONCURRENCY and SMTP_POOL_SIZE (issue 11)', () => {
  it('runs one API process per CPU unless API_PROCESSES says, in strict mode too', () => {
    expect(loadDev({}).apiProcesses).toBe(availableParallelism());
    expect(loadConfig(PRODUCTION).apiProcesses).toBe(availableParallelism());
    expect(loadConfig({ ...PRODUCTION, API_PROCESSES: '3' }).apiProcesses).toBe(3);
    expect(loadDev({ API_PROCESSES: '1' }).apiProcesses).toBe(1);
  });

  it('sends 10 deliveries at once over at most 5 SMTP connections unless told otherwise', () => {
    expect(loadDev({})).toMatchObject({ deliverConcurrency: 10, smtpPoolSize: 5 });
    expect(loadDev({ DELIVER_CONCURRENCY: '32', SMTP_POOL_SIZE: '8' })).toMatchObject({ deliverConcurrency: 32, smtpPoolSize: 8 });
  });

  it.each([
    ['API_PROCESSES', '0'],
    ['API_PROCESSES', 'auto'],
    ['DELIVER_CONCURRENCY', '0'],
    ['DELIVER_CONCURRENCY', '1001'],
    ['SMTP_POOL_SIZE', '0'],
    ['SMTP_POOL_SIZE', '2.5'],
  ])('rejects %s=%s, naming it', (variable, value) => {
    expect(configError({ [variable]: value }).message).toMatch(new RegExp(`^invalid configuration: ${variable} `));
  });
});

describe('loadConfig QUEUE_PREFIX, REMINDER_INTERVAL_HOURS and SCHOOL_HOURS', () => {
  it('accepts a Cluster hash tag as QUEUE_PREFIX', () => {
    expect(loadDev({ QUEUE_PREFIX: '{endeavor}' }).queuePrefix).toBe('{endeavor}');
  });

  it.each(['a:b', '{a:b}', 'endeavor prod', '{endeavor', 'endeavor*'])('rejects QUEUE_PREFIX %j', (value) => {
    expect(configError({ QUEUE_PREFIX: value }).message).toContain('QUEUE_PREFIX');
  });

  it('allows REMINDER_INTERVAL_HOURS=0 to turn reminders off', () => {
    expect(loadDev({ REMINDER_INTERVAL_HOURS: '0' }).reminderIntervalHours).toBe(0);
  });

  it('allows SCHOOL_HOURS=always', () => {
    expect(loadDev({ SCHOOL_HOURS: 'always' }).schoolHours).toEqual({ kind: 'always' });
  });

  it('accepts another school week and time zone', () => {
    expect(loadDev({ SCHOOL_HOURS: 'Mon-Sat 07:30-18:00 Europe/Dublin' }).schoolHours).toEqual({
      kind: 'weekly',
      firstDay: 1,
      lastDay: 6,
      startMinute: 450,
      endMinute: 1080,
      timeZone: 'Europe/Dublin',
    });
  });
});

describe('loadConfig names every bad variable at once (found by an outside probe)', () => {
  it('gives one line per bad variable, never its value', () => {
    let message = '';
    try {
      loadDev({ PORT: 'not-a-port-s3cr3t', REDIS_WAIT_REPLICAS: '-1', RETRY_ATTEMPTS: 'many' });
    } catch (err) {
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    expect(lines.map((l) => /^invalid configuration: ([A-Z_]+) /.exec(l)?.[1]).sort()).toEqual(['PORT', 'REDIS_WAIT_REPLICAS', 'RETRY_ATTEMPTS']);
    expect(message).not.toContain('s3cr3t');
  });

  it('lists every strict-mode refusal, one line each', () => {
    const { SECRET_KEY: _secret, PUBLIC_BASE_URL: _url, ...rest } = PRODUCTION;
    expect(() => loadConfig(rest)).toThrow(/SECRET_KEY [^\n]*\ninvalid configuration: PUBLIC_BASE_URL /);
  });
});
