import { pino, type Logger } from 'pino';

/**
 * Paths redacted wherever they appear in a log object. Log lines carry ids only;
 * this list is the safety net for a mistake, not the plan.
 */
const REDACT = [
  'child', '*.child', 'givenName', '*.givenName', 'familyName', '*.familyName',
  'dateOfBirth', '*.dateOfBirth', 'description', '*.description', 'email', '*.email',
  'to', '*.to', 'contact', '*.contact', 'name', '*.name', 'password', '*.password',
  'body', '*.body', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
  'note', '*.note', 'lastSeen', '*.lastSeen', 'subject', '*.subject', 'text', 'html',
];

/**
 * The redaction settings for an environment. `LOG_REDACT=off` takes the safety net away in
 * development and tests only, so the test that searches the logs for personal data sees what
 * the code really logs rather than what redaction hid; strict mode (any other NODE_ENV, unset
 * included) always redacts.
 */
export function redactionFor(env: NodeJS.ProcessEnv): { paths: string[]; censor: string } | undefined {
  const relaxed = env.NODE_ENV === 'development' || env.NODE_ENV === 'test';
  if (env.LOG_REDACT === 'off' && relaxed) return undefined;
  return { paths: REDACT, censor: '[redacted]' };
}

const redact = redactionFor(process.env);

export const rootLogger: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' || process.env.VITEST ? 'silent' : 'info'),
  ...(redact ? { redact } : {}),
  // The pid tells apart the processes that share one output: API_PROCESSES, api and workers in one container.
  base: { service: 'endeavor-dispatch', pid: process.pid },
});

/** One child logger per module, named for it. */
export const moduleLogger = (module: string): Logger => rootLogger.child({ module });
