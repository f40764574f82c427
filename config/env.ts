import { z } from 'zod';
import { parseSchoolHours, type SchoolHours } from './school-hours';

/** A start-up failure that names the variable, never its value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Whole decimal numbers only: a blank, hex or exponent value is a mistake, not a zero. */
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const feedKeys = z
  .string()
  .transform((raw, ctx) => {
    const feeds = new Map<string, string>();
    for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
      const at = pair.indexOf(':');
      const feedId = pair.slice(0, at).trim();
      const key = pair.slice(at + 1).trim();
      if (at < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(feedId)) {
        ctx.addIssue({ code: 'custom', message: 'each entry must be feedId:key with a feedId of [A-Za-z0-9._-]' });
        return z.NEVER;
      }
      if (key.length < 24) {
        ctx.addIssue({ code: 'custom', message: `the key of feed ${feedId} is shorter than 24 characters` });
        return z.NEVER;
      }
      if (feeds.has(feedId)) {
        ctx.addIssue({ code: 'custom', message: `feed ${feedId} is listed twice` });
        return z.NEVER;
      }
      if ([...feeds.values()].includes(key)) {
        ctx.addIssue({ code: 'custom', message: `feed ${feedId} shares its key with another feed` });
        return z.NEVER;
      }
      feeds.set(feedId, key);
    }
    return feeds;
  });

const schoolHours = z.string().transform((spec, ctx) => {
  try {
    return parseSchoolHours(spec);
  } catch {
    // The parser's own message quotes the value; configuration errors never do.
    ctx.addIssue({ code: 'custom', message: 'must be "always" or like "Mon-Fri 08:00-17:00 Europe/London" with a known time zone' });
    return z.NEVER;
  }
});

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/, 'letters, digits, _ and -, optionally inside one {hash tag}')
    .default('endeavor'),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z
    .string()
    .min(3)
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters')
    .default('Operation Endeavor <endeavor@localhost>'),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  INTAKE_API_KEYS: feedKeys.optional(),
  INTAKE_RATE_LIMIT: int(1, 1_000_000).default(50),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  MASH_EMAIL: z.email().optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ACK_DEADLINE_SECONDS: int(60, 30 * 24 * 3600).default(3600),
  SCHOOL_HOURS: schoolHours.prefault('Mon-Fri 08:00-17:00 Europe/London'),
  RETRY_ATTEMPTS: int(1, 100).default(20),
  RETRY_BASE_MS: int(1, 3_600_000).default(30_000),
  RETRY_MAX_DELAY_MS: int(1, 24 * 3_600_000).default(900_000),
  REMINDER_INTERVAL_HOURS: int(0, 24 * 30).default(24),
  RETENTION_DAYS: int(1, 3650).default(90),
  // Operational tuning, not in SPEC: how fast a crashed worker's jobs come back.
  JOB_LOCK_MS: int(1000, 600_000).default(30_000),
  JOB_STALLED_CHECK_MS: int(500, 600_000).default(15_000),
  SWEEP_INTERVAL_SECONDS: int(1, 3600).default(10),
  // Access (SPEC §8): single sign-on with the council's OpenID Connect provider; all three or none.
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
});

export type Config = {
  production: boolean;
  port: number;
  host: string;
  redisUrl: string;
  queuePrefix: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  publicBaseUrl: string;
  feedKeys: ReadonlyMap<string, string>;
  intakeRateLimitPerSecond: number;
  admin: { email: string; password: string } | undefined;
  mashEmail: string | undefined;
  /** Undefined outside production when unset: the app then keeps a random one in Redis. */
  secretKey: string | undefined;
  ackDeadlineSeconds: number;
  schoolHours: SchoolHours;
  retry: { attempts: number; baseMs: number; maxDelayMs: number };
  reminderIntervalHours: number;
  retentionDays: number;
  jobs: { lockMs: number; stalledCheckMs: number; sweepIntervalSeconds: number };
  /** Access: the council's OpenID Connect provider, when single sign-on is set up. */
  oidc: { issuer: string; clientId: string; clientSecret: string } | undefined;
};

/**
 * Parses the environment once. Throws ConfigError naming the first bad variable;
 * values are never echoed, since some of them are secrets.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.SMTP_URL) throw new ConfigError('invalid configuration: SMTP_URL is required in production');
  if (production && !e.SECRET_KEY) throw new ConfigError('invalid configuration: SECRET_KEY is required in production');
  if (production && (!e.INTAKE_API_KEYS || e.INTAKE_API_KEYS.size === 0)) {
    throw new ConfigError('invalid configuration: INTAKE_API_KEYS is required in production');
  }
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD go together');
  }
  // Access: single sign-on needs all three OIDC_* variables, and an https issuer in strict mode.
  const oidcSet = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].filter((v) => v !== undefined).length;
  if (oidcSet !== 0 && oidcSet !== 3) throw new ConfigError('invalid configuration: OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together');
  if (production && e.OIDC_ISSUER && !e.OIDC_ISSUER.startsWith('https:')) throw new ConfigError('invalid configuration: OIDC_ISSUER must be https in production');
  if (e.RETRY_MAX_DELAY_MS < e.RETRY_BASE_MS) {
    throw new ConfigError('invalid configuration: RETRY_MAX_DELAY_MS must not be below RETRY_BASE_MS');
  }
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    feedKeys: e.INTAKE_API_KEYS ?? new Map(),
    intakeRateLimitPerSecond: e.INTAKE_RATE_LIMIT,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    mashEmail: e.MASH_EMAIL,
    secretKey: e.SECRET_KEY,
    ackDeadlineSeconds: e.ACK_DEADLINE_SECONDS,
    schoolHours: e.SCHOOL_HOURS,
    retry: { attempts: e.RETRY_ATTEMPTS, baseMs: e.RETRY_BASE_MS, maxDelayMs: e.RETRY_MAX_DELAY_MS },
    reminderIntervalHours: e.REMINDER_INTERVAL_HOURS,
    retentionDays: e.RETENTION_DAYS,
    jobs: { lockMs: e.JOB_LOCK_MS, stalledCheckMs: e.JOB_STALLED_CHECK_MS, sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS },
    oidc: e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET } : undefined,
  };
}

