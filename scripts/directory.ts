/*
 * `npm run directory -- <command>`: the directory imports and user creation from a shell,
 * through the same service functions as the API. Prints the result as one line of JSON. Each
 * import is written to the audit log (actor `cli:<user>`) before it changes anything; a user
 * created is audited as `user.create` by the same actor.
 *
 *   import-gias FILE --la 929
 *   import-epraccur FILE [--commissioner 00L]
 *   import-contacts FILE [--replace]   (--replace: contacts of the named organisations not in FILE are deactivated)
 *   load-sample [--with-history [--until YYYY-MM]]   (a fictional year of episodes for the reports)
 *   create-user EMAIL --role admin|mash      (password from ENDEAVOR_PASSWORD, else stdin)
 */

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { OrganisationChange } from '../src/directory/directory-changes';

// Logs go to stdout too: keep them to warnings so the answer is the JSON line (LOG_LEVEL=info
// shows every write). The level is read when the logger module loads, hence the imports below.
process.env.LOG_LEVEL ??= 'warn';
const { ConfigError, loadConfig } = await import('../config/env');
const { ROLES, UserExistsError, createUserStore } = await import('../src/access/users.store');
const { createAuditLog } = await import('../src/access/audit.store');
const { userCreatedEntry } = await import('../src/access/user-admin');
const { auditDetail } = await import('../src/directory/directory-changes');
const { importContacts, importEpraccur, importGias } = await import('../src/directory/directory-import');
const { loadSampleIfEmpty } = await import('../src/directory/directory.service');
const { createDirectoryStore } = await import('../src/directory/directory.store');
const { ImportFormatError } = await import('../src/directory/csv-records');
const { createRedis, redisReady } = await import('../src/platform/redis');
const { createStores } = await import('../src/stores');
const { loadSampleHistory } = await import('../src/reports/load-sample-history');
const { lastFullMonth } = await import('../src/reports/report-range');

const USAGE = `usage: npm run directory -- <command>
  import-gias FILE --la 929
  import-epraccur FILE [--commissioner 00L]
  import-contacts FILE [--replace]
  load-sample [--with-history [--until YYYY-MM]]
  create-user EMAIL --role admin|mash   (password from ENDEAVOR_PASSWORD or stdin)`;

/** A mistake in the command line: exit 2 with the usage. */
class UsageError extends Error {}

/** The import's audit entry could not be written, so it changed nothing (SPEC §8). */
class AuditUnavailableError extends Error {
  constructor() {
    super('the audit log could not be written, so nothing was changed');
  }
}

/** Who ran the command, as the audit log names them: the shell's user (by uid where it has no name). */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const oneFile = (positionals: string[]): string => {
  if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
  return positionals[0] as string;
};

async function run(argv: string[]): Promise<unknown> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        la: { type: 'string' },
        commissioner: { type: 'string' },
        role: { type: 'string' },
        replace: { type: 'boolean' },
        'with-history': { type: 'boolean' },
        until: { type: 'string' },
      },
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (command === undefined) throw new UsageError('give a command');
  if (!['import-gias', 'import-epraccur', 'import-contacts', 'load-sample', 'create-user'].includes(command)) {
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
  if (values.replace && command !== 'import-contacts') throw new UsageError('--replace goes with import-contacts only');
  if (command === 'import-gias' && !/^\d{3}$/.test(values.la ?? '')) throw new UsageError('--la must be a 3-digit local authority code, e.g. 929');
  if (command === 'import-epraccur' && values.commissioner !== undefined && !/^[A-Za-z0-9]{3,5}$/.test(values.commissioner)) {
    throw new UsageError('--commissioner must be an ODS commissioner code, e.g. 00L');
  }
  if ((values['with-history'] || values.until !== undefined) && command !== 'load-sample') throw new UsageError('--with-history and --until go with load-sample');
  if (values.until !== undefined && (!values['with-history'] || !/^\d{4}-(0[1-9]|1[0-2])$/.test(values.until))) {
    throw new UsageError('--until must be a month YYYY-MM, with --with-history');
  }

  const config = loadConfig();
  const redis = createRedis(config.redis, 'request');
  try {
    await redisReady(redis);
    const directory = createDirectoryStore(redis, config.queuePrefix);
    const now = new Date();
    // An import is written to the audit log as the API's are, before it changes anything.
    const audit = createAuditLog(redis, config.queuePrefix);
    const audited = (subject: string) => ({
      beforeWrite: async (changes: OrganisationChange[], counts: Record<string, string | number>) => {
        const entry = { at: now.toISOString(), actor: cliActor(), action: 'directory.import', subject, detail: auditDetail(changes, counts) };
        await audit.append(entry).catch(() => {
          throw new AuditUnavailableError();
        });
      },
    });
    switch (command) {
      case 'import-gias':
        return await importGias(directory, createReadStream(oneFile(positionals)), { la: values.la as string }, now, audited('gias'));
      case 'import-epraccur':
        return await importEpraccur(directory, createReadStream(oneFile(positionals)), { commissioner: values.commissioner?.toUpperCase() }, now, audited('epraccur'));
      case 'import-contacts':
        return await importContacts(directory, await readFile(oneFile(positionals), 'utf8'), now, { mode: values.replace ? 'replace' : 'upsert', ...audited('contacts') });
      case 'load-sample':
        if (positionals.length > 0) throw new UsageError('load-sample takes no arguments');
        if (!values['with-history']) return await loadSampleIfEmpty(directory, now, { production: config.production });
        if (config.production) throw new UsageError('the sample history is fictional: not in production');
        return {
          ...(await loadSampleIfEmpty(directory, now, { production: false })),
          history: await loadSampleHistory(createStores(redis, config.queuePrefix), values.until ?? lastFullMonth(now).to.slice(0, 7)),
        };
      default: {
        const email = z.email().safeParse(positionals.length === 1 ? positionals[0] : '');
        if (!email.success) throw new UsageError('give one valid EMAIL');
        const role = z.enum(ROLES).safeParse(values.role);
        if (!role.success) throw new UsageError('--role must be admin or mash');
        const password = process.env.ENDEAVOR_PASSWORD ?? (await readStdin());
        if (password.length < 12) throw new UsageError('the password must be at least 12 characters');
        const user = await createUserStore(redis, config.queuePrefix).createUser({ email: email.data, role: role.data, password }, now);
        await audit.append(userCreatedEntry(cliActor(), user, now));
        return { email: user.email, role: user.role, createdAt: user.createdAt };
      }
    }
  } finally {
    redis.disconnect();
  }
}

try {
  const result = await run(process.argv.slice(2));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`directory: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const known = err instanceof ConfigError || err instanceof ImportFormatError || err instanceof UserExistsError || err instanceof AuditUnavailableError;
  const code = (err as NodeJS.ErrnoException).code;
  const message = known ? (err as Error).message : code === 'ENOENT' ? 'the file does not exist' : `${(err as Error).name}: ${(err as Error).message}`;
  process.stderr.write(`directory: ${message}\n`);
  process.exit(1);
}
