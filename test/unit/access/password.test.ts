import { describe, expect, it } from 'vitest';
import { SCRYPT_PARAMS, hashPassword, verifyAgainstNothing, verifyPassword } from '../../../src/access/password';

const PASSWORD = 'fictional-password-for-tests';

describe('hashPassword', () => {
  it('stores scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte hash, never the password', async () => {
    const stored = await hashPassword(PASSWORD);
    const [scheme, N, r, p, salt, hash] = stored.split('$');
    expect([scheme, Number(N), Number(r), Number(p)]).toEqual(['scrypt', SCRYPT_PARAMS.N, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p]);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64url')).toHaveLength(32);
    expect(stored).not.toContain(PASSWORD);
  });

  it('salts every hash: the same password never hashes the same twice', async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(PASSWORD, b)).toBe(true);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and refuses any other', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    for (const wrong of ['', 'fictional-password-for-test', `${PASSWORD} `, PASSWORD.toUpperCase()]) {
      expect(await verifyPassword(wrong, stored), JSON.stringify(wrong)).toBe(false);
    }
  });

  it('accepts the same accented password typed composed or decomposed', async () => {
    const stored = await hashPassword('Caf\u00e9-fictional-1');
    expect(await verifyPassword('Cafe\u0301-fictional-1', stored)).toBe(true);
  });

  it('verifies with the parameters stored in the hash, so the cost can be raised later', async () => {
    const current = await hashPassword(PASSWORD);
    const [, , r, p, salt] = current.split('$');
    // A hash made with N = 2^14 by an earlier setting must still verify.
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync(PASSWORD, Buffer.from(salt!, 'base64url'), 32, { N: 2 ** 14, r: Number(r), p: Number(p) });
    const old = ['scrypt', 2 ** 14, r, p, salt, key.toString('base64url')].join('$');
    expect(await verifyPassword(PASSWORD, old)).toBe(true);
  });

  it('refuses tampered or malformed stored values instead of throwing', async () => {
    const stored = await hashPassword(PASSWORD);
    const parts = stored.split('$');
    const flipped = parts[5]!.startsWith('A') ? `B${parts[5]!.slice(1)}` : `A${parts[5]!.slice(1)}`;
    const malformed = [
      [...parts.slice(0, 5), flipped].join('$'),
      ['bcrypt', ...parts.slice(1)].join('$'),
      [parts[0], 2 ** 30, ...parts.slice(2)].join('$'),
      [parts[0], 1000, ...parts.slice(2)].join('$'),
      parts.slice(0, 5).join('$'),
      '',
      PASSWORD,
    ];
    for (const value of malformed) expect(await verifyPassword(PASSWORD, value), value).toBe(false);
  });
});

describe('verifyAgainstNothing', () => {
  it('spends a real scrypt verification and answers false, for emails that have no account', async () => {
    const started = performance.now();
    await hashPassword(PASSWORD);
    const oneHash = performance.now() - started;
    const start = performance.now();
    expect(await verifyAgainstNothing(PASSWORD)).toBe(false);
    expect(await verifyAgainstNothing(PASSWORD)).toBe(false);
    // Two dummy verifications (plus a one-off dummy hash) cost at least one real hash.
    expect(performance.now() - start).toBeGreaterThan(oneHash * 0.5);
  });
});
