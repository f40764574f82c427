import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseSchoolHours, type SchoolHours } from './school-hours';
import {
  MAIL_FROM_PATTERN,
  SECRET_SUFFIX_MIN_LENGTH,
  URL_PASSWORD_MIN_LENGTH,
  parseTrustProxy,
  placeholderReason,
  plainTextSmtpReason,
  smtpQueryProblem,
  urlPassword,
  type TrustProxy,
} from './strict-checks';

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

// --- Redis topology (scale-out and high availability: SPEC §2, §12) ---

export type HostPort = { host: string; port: number };

/**
 * Where the one Redis is: a single server at REDIS_URL, a Cluster reached through seed nodes,
 * or a master found through Sentinel. REDIS_URL's user, password and TLS apply to every mode.
 */
export type RedisTopology =
  | { mode: 'single'; url: string }
  | { mode: 'cluster'; url: string; nodes: HostPort[] }
  | { mode: 'sentinel'; url: string; sentinels: HostPort[]; masterName: string };

const hostPorts = z.string().transform((raw, ctx) => {
  const nodes: HostPort[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: 'must be host:port,host:port' });
      return z.NEVER;
    }
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  if (nodes.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one host:port' });
    return z.NEVER;
  }
  return nodes;
});

const redisTopologyEnv = {
  REDIS_CLUSTER_NODES: hostPorts.optional(),
  REDIS_SENTINELS: hostPorts.optional(),
  REDIS_SENTINEL_MASTER: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ., _ or -').optional(),
  REDIS_WAIT_REPLICAS: int(0, 16).default(0),
};

type RedisTopologyEnv = {
  REDIS_URL: string;
  QUEUE_PREFIX: string;
  REDIS_CLUSTER_NODES?: HostPort[] | undefined;
  REDIS_SENTINELS?: HostPort[] | undefined;
  REDIS_SENTINEL_MASTER?: string | undefined;
};

function redisTopology(e: RedisTopologyEnv): RedisTopology {
  if (e.REDIS_CLUSTER_NODES && (e.REDIS_SENTINELS || e.REDIS_SENTINEL_MASTER)) {
    throw new ConfigError('invalid configuration: REDIS_CLUSTER_NODES and REDIS_SENTINELS are alternatives; set one');
  }
  if ((e.REDIS_SENTINELS === undefined) !== (e.REDIS_SENTINEL_MASTER === undefined)) {
    throw new ConfigError('invalid configuration: REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together');
  }
  if (e.REDIS_CLUSTER_NODES) {
    // Every Lua script and MULTI names several keys: in a Cluster they must share one slot.
    if (!/^\{[^{}]+\}$/.test(e.QUEUE_PREFIX)) {
      throw new ConfigError('invalid configuration: QUEUE_PREFIX must be a hash tag such as {endeavor} when REDIS_CLUSTER_NODES is set');
    }
    return { mode: 'cluster', url: e.REDIS_URL, nodes: e.REDIS_CLUSTER_NODES };
  }
  if (e.REDIS_SENTINELS && e.REDIS_SENTINEL_MASTER) {
    return { mode: 'sentinel', url: e.REDIS_URL, sentinels: e.REDIS_SENTINELS, masterName: e.REDIS_SENTINEL_MASTER };
  }
  return { mode: 'single', url: e.REDIS_URL };
}

// --- end of Redis topology ---

const schoolHours = z.string().transform((spec, ctx) => {
  try {
    return parseSchoolHours(spec);
  } catch {
    // The parser's own message quotes the value; configuration errors never do.
    ctx.addIssue({ code: 'custom', message: 'must be "always" or like "Mon-Fri 08:00-17:00 Europe/London" with a known time zone' });
    return z.NEVER;
  }
});

const trustProxy = z.string().transform((raw, ctx) => {
  const parsed = parseTrustProxy(raw);
  if (typeof parsed === 'object' && 'error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});

/** `police.uk,met.police.uk`: lower-cased host names, each a domain and its subdomains. */
const domainList = z.string().transform((raw, ctx) => {
  const domains = raw.split(',').map((d) => d.trim().toLowerCase().replace(/^\.+|\.+$/g, '')).filter(Boolean);
  if (domains.length === 0 || domains.some((d) => !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(d))) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of domain names such as police.uk' });
    return z.NEVER;
  }
  return domains;
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
  ...redisTopologyEnv,
  SMTP_URL: z
    .url({ protocol: /^smtps?$/ })
    .superRefine((url, ctx) => {
      const problem = smtpQueryProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  MAIL_FROM: z
    .string()
    .min(3)
    // eslint-disable-next-line no-control-regex -- a header value: control characters are what it refuses
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters')
    .refine((v) => MAIL_FROM_PATTERN.test(v.trim()), 'must be an address, or a name and <address>')
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
  TRUST_PROXY: trustProxy.optional(),
  // Below the 30 s that compose (stop_grace_period) and Kubernetes give before SIGKILL.
  SHUTDOWN_TIMEOUT_MS: int(1000, 600_000).default(25_000),
  // Capacity (issue 11): API processes of `start:api` (unset = one per CPU), deliveries sent at
  // once per workers process, and SMTP connections each workers process keeps open.
  API_PROCESSES: int(1, 256).optional(),
  DELIVER_CONCURRENCY: int(1, 1000).default(10),
  SMTP_POOL_SIZE: int(1, 100).default(5),
  // Operations (issue 12, SPEC §12): the bearer token of GET /metrics; unset = no /metrics.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Bounces (SPEC §6): the VERP envelope sender's domain and the DSN listener, both off when unset.
  BOUNCE_DOMAIN: z
    .string()
    .regex(/^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/, 'must be a domain name such as bounces.example.org')
    .optional(),
  BOUNCE_SMTP_PORT: int(0, 65535).optional(),
  BOUNCE_SMTP_HOST: z.string().min(1).default('0.0.0.0'),
  // Acknowledgement answers (issue 8, send-time): the police domains answers may be emailed to.
  POLICE_CONTACT_DOMAINS: domainList.default(['police.uk']),
  // Access (SPEC §8): single sign-on with the council's OpenID Connect provider; all three or none.
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
});

export type Config = {
  /** Strict mode (SPEC §2): true for anything but NODE_ENV=development. */
  production: boolean;
  port: number;
  host: string;
  redisUrl: string;
  /** Single server, Cluster or Sentinel (REDIS_URL's credentials apply to all three). */
  redis: RedisTopology;
  /** Replicas an accepted event must reach before the 202 (Redis WAIT); 0 = none. */
  redisWaitReplicas: number;
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
  /** Express's `trust proxy`: false (none), a hop count, or addresses / CIDR ranges. */
  trustProxy: TrustProxy;
  /** How long a SIGTERM may take before the process gives up and exits non-zero. */
  shutdownTimeoutMs: number;
  /** Processes `start:api` runs (node:cluster); one per CPU unless API_PROCESSES says. */
  apiProcesses: number;
  /** Delivery jobs one workers process runs at once. */
  deliverConcurrency: number;
  /** SMTP connections one workers process keeps open to the relay (nodemailer's pool). */
  smtpPoolSize: number;
  /** Bearer token of GET /metrics; undefined = /metrics answers 404. */
  metricsToken: string | undefined;
  /** Bounces: `domain` set = VERP envelope senders; `smtpPort` set = the workers run the DSN listener. */
  bounces: { domain: string | undefined; smtpPort: number | undefined; smtpHost: string };
  /** Email domains (and their subdomains) recipients' answers may be sent to (SPEC §7). */
  policeContactDomains: readonly string[];
  /** Access: the council's OpenID Connect provider, when single sign-on is set up. */
  oidc: { issuer: string; clientId: string; clientSecret: string } | undefined;
};

/**
 * Parses the environment once. Throws ConfigError with one line per bad variable;
 * values are never echoed, since some of them are secrets.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    // Every bad variable, one line each (the first issue of each), so one restart fixes them all.
    const lines = new Map<string, string>();
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0]);
      if (!lines.has(variable)) lines.set(variable, `invalid configuration: ${variable} ${issue.message}`);
    }
    throw new ConfigError([...lines.values()].join('\n'));
  }
  const e = parsed.data;
  // SPEC §2: strict unless told otherwise; `npm start` sets NODE_ENV=development when unset.
  const production = e.NODE_ENV !== 'development';
  if (production) checkStrict(e, present);
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD go together');
  }
  if (e.BOUNCE_SMTP_PORT !== undefined && e.BOUNCE_DOMAIN === undefined) {
    throw new ConfigError('invalid configuration: BOUNCE_SMTP_PORT needs BOUNCE_DOMAIN (the domain of the addresses it accepts)');
  }
  // Access: single sign-on needs all three OIDC_* variables, and an https issuer in strict mode.
  const oidcSet = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].filter((v) => v !== undefined).length;
  if (oidcSet !== 0 && oidcSet !== 3) throw new ConfigError('invalid configuration: OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together');
  if (production && e.OIDC_ISSUER && !e.OIDC_ISSUER.startsWith('https:')) throw new ConfigError('invalid configuration: OIDC_ISSUER must be https in production');
  if (e.RETRY_MAX_DELAY_MS < e.RETRY_BASE_MS) {
    throw new ConfigError('invalid configuration: RETRY_MAX_DELAY_MS must not be below RETRY_BASE_MS');
  }
  const redis = redisTopology(e);
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    redis,
    redisWaitReplicas: e.REDIS_WAIT_REPLICAS,
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
    trustProxy: e.TRUST_PROXY ?? false,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    apiProcesses: e.API_PROCESSES ?? availableParallelism(),
    deliverConcurrency: e.DELIVER_CONCURRENCY,
    smtpPoolSize: e.SMTP_POOL_SIZE,
    metricsToken: e.METRICS_TOKEN,
    bounces: { domain: e.BOUNCE_DOMAIN?.toLowerCase(), smtpPort: e.BOUNCE_SMTP_PORT, smtpHost: e.BOUNCE_SMTP_HOST },
    policeContactDomains: e.POLICE_CONTACT_DOMAINS,
    oidc: e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET } : undefined,
  };
}


/**
 * SPEC §2 strict mode: what must be set, and no placeholder, short or plain-text value.
 * `present` is the raw environment, for the *_SECRET and *_TOKEN variables other parts add.
 */
function checkStrict(e: z.infer<typeof envSchema>, present: Record<string, string | undefined>): void {
  // Every refusal is collected, one line per variable, so an operator fixes them all in one go.
  const refusals = new Map<string, string>();
  const refuse = (variable: string, reason: string) => {
    if (!refusals.has(variable)) refusals.set(variable, `invalid configuration: ${variable} ${reason}`);
  };
  const strictly = 'is required in strict mode (NODE_ENV is not development)';
  if (!e.SMTP_URL) refuse('SMTP_URL', strictly);
  if (!e.SECRET_KEY) refuse('SECRET_KEY', strictly);
  if (!e.INTAKE_API_KEYS || e.INTAKE_API_KEYS.size === 0) refuse('INTAKE_API_KEYS', strictly);
  if (!e.PUBLIC_BASE_URL) refuse('PUBLIC_BASE_URL', `${strictly}: the https:// address users and emails reach`);
  else if (!e.PUBLIC_BASE_URL.startsWith('https://')) refuse('PUBLIC_BASE_URL', 'must be https:// in strict mode');

  const placeholder = (variable: string, value: string | undefined) => {
    const reason = value === undefined ? undefined : placeholderReason(value);
    if (reason) refuse(variable, reason);
  };
  placeholder('SECRET_KEY', e.SECRET_KEY);
  for (const [feedId, key] of e.INTAKE_API_KEYS ?? []) {
    const reason = placeholderReason(key);
    if (reason) refuse('INTAKE_API_KEYS', `(feed ${feedId}) ${reason}`);
  }
  placeholder('ADMIN_PASSWORD', e.ADMIN_PASSWORD);
  for (const [variable, url] of [['SMTP_URL', e.SMTP_URL], ['REDIS_URL', e.REDIS_URL]] as const) {
    const password = url === undefined ? undefined : urlPassword(url);
    if (password === undefined && url !== undefined && new URL(url).username) refuse(variable, 'names a user without a password');
    if (password === undefined) continue;
    placeholder(variable, password);
    if (password.length < URL_PASSWORD_MIN_LENGTH) refuse(variable, `has a password shorter than ${URL_PASSWORD_MIN_LENGTH} characters: use a generated one (e.g. openssl rand -base64 24)`);
  }
  for (const [name, value] of Object.entries(present)) {
    if (!/_(SECRET|TOKEN)$/.test(name) || value === undefined) continue;
    if (value.length < SECRET_SUFFIX_MIN_LENGTH) refuse(name, `must be at least ${SECRET_SUFFIX_MIN_LENGTH} characters in strict mode`);
    placeholder(name, value);
  }

  const plain = e.SMTP_URL ? plainTextSmtpReason(e.SMTP_URL) : undefined;
  if (plain) refuse('SMTP_URL', plain);
  if (refusals.size > 0) throw new ConfigError([...refusals.values()].join('\n'));
}

