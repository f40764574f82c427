import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAuditLog } from '../../../src/access/audit.store';
import { createUserStore } from '../../../src/access/users.store';
import { createDirectoryStore } from '../../../src/directory/directory.store';
import { contact, school, seedDirectory } from '../../helpers/directory';
import { SAMPLE_GP_COUNT, SAMPLE_SCHOOL_COUNT } from '../../../src/directory/sample-directory';
import { createRedis, redisReady, type RedisClient } from '../../../src/platform/redis';
import { uniqueId } from '../../helpers/factories';
import { runEntry } from '../../helpers/process';

const fixturePath = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

let redis: RedisClient;
beforeAll(async () => {
  redis = createRedis(inject('redisUrl'), 'request');
  await redisReady(redis);
});
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

const newPrefix = () => {
  const prefix = uniqueId('cli').replace(/[^A-Za-z0-9_-]/g, '_');
  prefixes.push(prefix);
  return prefix;
};

/** `npm run directory -- <args>` as a real process against the run's Redis. */
async function directory(prefix: string, args: string[], env: Record<string, string> = {}) {
  const run = runEntry('scripts/directory.ts', { REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', ...env }, { args });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr(), result: code === 0 ? JSON.parse(run.stdout()) : undefined };
}

/** What the CLI wrote to the audit log under `prefix`, oldest first. */
const auditOf = async (prefix: string) => (await createAuditLog(redis, prefix).recent(100)).reverse();
const CLI_ACTOR = `cli:${userInfo().username}`;

describe('npm run directory', () => {
  it('import-gias loads the schools of the authority into the store, and a second run changes nothing', async () => {
    const prefix = newPrefix();
    const first = await directory(prefix, ['import-gias', fixturePath('gias-929.csv'), '--la', '929']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.result).toEqual({
      created: 9,
      updated: 0,
      deactivated: 0,
      rejected: [
        { line: 8, reason: 'URN must be 6 digits' },
        { line: 9, reason: 'EstablishmentName is empty' },
      ],
    });
    const store = createDirectoryStore(redis, prefix);
    expect(await store.get('school', '990105')).toMatchObject({ name: 'Fictional St Bede\u2019s RC First School', locality: 'Berwick', active: true, contacts: [] });
    expect(await store.get('school', '990104')).toMatchObject({ active: false });
    expect(await store.count()).toBe(9);

    const second = await directory(prefix, ['import-gias', fixturePath('gias-929.csv'), '--la', '929']);
    expect(second.result).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  });

  it('import-epraccur and import-contacts answer like the API', async () => {
    const prefix = newPrefix();
    const practices = await directory(prefix, ['import-epraccur', fixturePath('epraccur.csv'), '--commissioner', '00L']);
    expect(practices.result).toMatchObject({ created: 7, updated: 0, deactivated: 0 });
    const contacts = await directory(prefix, ['import-contacts', fixturePath('contacts.csv')]);
    // Y90101 exists now (from epraccur) and gains its contacts; 990101 and 990107 are new.
    expect(contacts.result).toMatchObject({ created: 2, updated: 1 });
    expect(contacts.result.rejected).toHaveLength(7);
    expect((await createDirectoryStore(redis, prefix).get('gp', 'Y90101'))?.contacts).toHaveLength(2);
  });

  it('create-user stores a user whose password verifies, taking the password from ENDEAVOR_PASSWORD', async () => {
    const prefix = newPrefix();
    const created = await directory(prefix, ['create-user', 'Mash.Worker@endeavor.test', '--role', 'mash'], { ENDEAVOR_PASSWORD: 'fictional-cli-password' });
    expect(created.code, created.stderr).toBe(0);
    expect(created.result).toMatchObject({ email: 'mash.worker@endeavor.test', role: 'mash' });
    expect(created.stdout).not.toContain('fictional-cli-password');
    const users = createUserStore(redis, prefix);
    const user = await users.verify('mash.worker@endeavor.test', 'fictional-cli-password');
    expect(user).toMatchObject({ role: 'mash' });
    expect(await createAuditLog(redis, prefix).recent()).toEqual([{ at: expect.any(String), actor: expect.stringMatching(/^cli:/), action: 'user.create', subject: `user:${user!.id}`, detail: 'role mash' }]);

    const again = await directory(prefix, ['create-user', 'mash.worker@endeavor.test', '--role', 'admin'], { ENDEAVOR_PASSWORD: 'fictional-cli-password' });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('load-sample fills an empty directory once', async () => {
    const prefix = newPrefix();
    expect((await directory(prefix, ['load-sample'])).result).toEqual({ loaded: SAMPLE_SCHOOL_COUNT + SAMPLE_GP_COUNT });
    expect((await directory(prefix, ['load-sample'])).result).toEqual({ loaded: 0 });
  });

  it('exits 2 with the usage for a bad command line, and 1 with one line for a file of the wrong format', async () => {
    const prefix = newPrefix();
    for (const args of [['import-everything'], ['import-gias', fixturePath('gias-929.csv')], ['create-user', 'x@endeavor.test', '--role', 'owner']]) {
      const run = await directory(prefix, args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/usage: npm run directory/);
    }
    const wrong = await directory(prefix, ['import-gias', fixturePath('epraccur.csv'), '--la', '929']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^directory: line 1: not a GIAS establishments extract/)]);
    expect(await createDirectoryStore(redis, prefix).count()).toBe(0);
  });

  it('import-contacts --replace deactivates the contacts a named organisation no longer lists', async () => {
    const prefix = newPrefix();
    const stays = contact('Avery Stays', 'dsl', 'avery@cli-replace.endeavor.test');
    const left = contact('Bryn Left', 'deputy', 'bryn@cli-replace.endeavor.test');
    const elsewhere = contact('Dee Elsewhere', 'dsl', 'dee@cli-other.endeavor.test');
    await seedDirectory(redis, prefix, [school('990951', { name: 'Fictional Replace School', contacts: [stays, left] }), school('990952', { contacts: [elsewhere] })]);
    const file = join(mkdtempSync(join(tmpdir(), 'contacts-')), 'contacts.csv');
    writeFileSync(
      file,
      'type,id,name,locality,contact_name,contact_email,contact_role,area_alerts\nschool,990951,Fictional Replace School,Morpeth,Avery Stays,avery@cli-replace.endeavor.test,dsl,true\n',
    );
    const env = { NODE_ENV: 'development' };

    const upsert = await directory(prefix, ['import-contacts', file], env);
    expect(upsert.code, upsert.stderr).toBe(0);
    expect(upsert.result).toEqual({ created: 0, updated: 0, rejected: [] });

    const replace = await directory(prefix, ['import-contacts', file, '--replace'], env);
    expect(replace.code, replace.stderr).toBe(0);
    expect(replace.result).toEqual({ created: 0, updated: 1, rejected: [], deactivated: [{ type: 'school', id: '990951', contactId: left.contactId, role: 'deputy' }] });
    const store = createDirectoryStore(redis, prefix);
    expect((await store.get('school', '990951'))?.contacts.map((c) => c.active)).toEqual([true, false]);
    expect((await store.get('school', '990952'))?.contacts).toEqual([elsewhere]);

    // Both imports are in the audit log, as the shell's user, with what they changed.
    const audit = await auditOf(prefix);
    expect(audit.map((e) => [e.actor, e.action, e.subject])).toEqual([
      [CLI_ACTOR, 'directory.import', 'contacts'],
      [CLI_ACTOR, 'directory.import', 'contacts'],
    ]);
    expect(JSON.parse(audit[0]!.detail!)).toEqual({ mode: 'upsert', created: 0, updated: 0, rejected: 0, changes: [] });
    expect(JSON.parse(audit[1]!.detail!)).toEqual({
      mode: 'replace',
      created: 0,
      updated: 1,
      rejected: 0,
      changes: [{ org: 'school:990951', change: 'updated', contacts: { deactivated: [{ contactId: left.contactId, role: 'deputy', name: 'Bryn Left', email: left.email }] } }],
    });

    const misplaced = await directory(prefix, ['load-sample', '--replace'], env);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/--replace goes with import-contacts only/);
  });

  it('writes each reference import to the audit log, as the shell user, with the organisations it created or changed', async () => {
    const prefix = newPrefix();
    expect((await directory(prefix, ['import-gias', fixturePath('gias-929.csv'), '--la', '929'])).code).toBe(0);
    expect((await directory(prefix, ['import-epraccur', fixturePath('epraccur.csv'), '--commissioner', '00L'])).code).toBe(0);
    const [gias, epraccur] = await auditOf(prefix);
    expect(gias).toMatchObject({ actor: CLI_ACTOR, action: 'directory.import', subject: 'gias' });
    const giasDetail = JSON.parse(gias!.detail!);
    expect(giasDetail).toMatchObject({ created: 9, updated: 0, deactivated: 0, rejected: 2 });
    expect(giasDetail.changes).toHaveLength(9);
    expect(giasDetail.changes).toContainEqual({
      org: 'school:990105',
      change: 'created',
      fields: expect.objectContaining({ name: { from: null, to: 'Fictional St Bede\u2019s RC First School' }, locality: { from: null, to: 'Berwick' } }),
    });
    expect(epraccur).toMatchObject({ actor: CLI_ACTOR, action: 'directory.import', subject: 'epraccur' });
    expect(JSON.parse(epraccur!.detail!)).toMatchObject({ created: 7, updated: 0, deactivated: 0 });
  });

  it.each([
    ['import-gias', () => ['import-gias', fixturePath('gias-929.csv'), '--la', '929']],
    ['import-epraccur', () => ['import-epraccur', fixturePath('epraccur.csv')]],
    ['import-contacts', () => ['import-contacts', fixturePath('contacts.csv')]],
  ])('%s changes nothing, and exits 1 saying why, when the audit log cannot be written', async (_name, args) => {
    const prefix = newPrefix();
    await redis.set(createAuditLog(redis, prefix).key, 'not a stream'); // XADD is refused on a string
    const run = await directory(prefix, args());
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual(['directory: the audit log could not be written, so nothing was changed']);
    expect(await createDirectoryStore(redis, prefix).count()).toBe(0);
  });
});
