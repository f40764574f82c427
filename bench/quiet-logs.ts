/*
 * Imported first by bench.ts, before anything that builds the pino root logger: the app logs
 * one line per event and per delivery to stdout, which would bury the figures. Set LOG_LEVEL
 * to measure with logging on (e.g. `LOG_LEVEL=info npm run bench -- --json > /dev/null`).
 */
process.env.LOG_LEVEL ??= 'silent';
