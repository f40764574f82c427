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

export const rootLogger: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' || process.env.VITEST ? 'silent' : 'info'),
  redact: { paths: REDACT, censor: '[redacted]' },
  // The pid tells apart the processes that share one output: API_PROCESSES, api and workers in one container.
  base: { service: 'endeavor-dispatch', pid: process.pid },
});

/** One child logger per module, named for it. */
export const moduleLogger = (module: string): Logger => rootLogger.child({ module });
