import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { checkTotp, findRecoveryCode, newRecoveryCodes, newTotpSecret, qrSvg, recoveryDigest, totpCipher } from '../../../src/access/totp';

const KEY = 'a-test-secret-key-of-at-least-32-characters';

describe('TOTP helpers', () => {
  it('seals a secret so that only the same SECRET_KEY opens it, and a tampered one opens to nothing', () => {
    const secret = newTotpSecret();
    const sealed = totpCipher(KEY).seal(secret);
    expect(sealed).not.toContain(secret);
    expect(totpCipher(KEY).open(sealed)).toBe(secret);
    expect(totpCipher(`${KEY}-other`).open(sealed)).toBeUndefined();
    const parts = sealed.split('.');
    parts[2] = parts[2]!.slice(0, -2) + (parts[2]!.endsWith('AA') ? 'BB' : 'AA');
    expect(totpCipher(KEY).open(parts.join('.'))).toBeUndefined();
    expect(totpCipher(KEY).open('rubbish')).toBeUndefined();
  });

  it('accepts a code of the current step (and one step of drift), never one at or before the last accepted step', async () => {
    const secret = newTotpSecret();
    const now = new Date('2026-11-30T10:00:10Z');
    const epoch = Math.floor(now.getTime() / 1000);
    const step = await checkTotp(secret, await generate({ secret, epoch }), now, 0);
    expect(step).toBe(Math.floor(epoch / 30));
    expect(await checkTotp(secret, await generate({ secret, epoch }), now, step!)).toBeUndefined();
    expect(await checkTotp(secret, await generate({ secret, epoch: epoch - 30 }), now, 0)).toBe(step! - 1);
    expect(await checkTotp(secret, await generate({ secret, epoch: epoch - 120 }), now, 0)).toBeUndefined();
    expect(await checkTotp(secret, 'abcdef', now, 0)).toBeUndefined();
  });

  it('makes ten different recovery codes, matched once stored as digests, whatever the case', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const stored = codes.map(recoveryDigest);
    expect(findRecoveryCode(stored, codes[3]!.toUpperCase())).toBe(3);
    expect(findRecoveryCode(stored, 'aaaa-bbbb-cccc')).toBe(-1);
  });

  it('draws the QR code as an SVG with a text alternative and no style attribute (strict CSP)', async () => {
    const svg = await qrSvg('otpauth://totp/Operation%20Endeavor:someone%40endeavor.test?secret=JBSWY3DPEHPK3PXP');
    expect(svg).toMatch(/^<svg role="img" aria-labelledby="qr-title" /);
    expect(svg).toContain('<title id="qr-title">');
    expect(svg).not.toMatch(/style=|<script/);
  });
});
