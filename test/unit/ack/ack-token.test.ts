import { describe, expect, it } from 'vitest';
import { ACK_TOKEN_TTL_SECONDS, createAckToken, verifyAckToken } from '../../../src/ack/ack-token';
import { deliveryIdOf } from '../../../src/episodes/plan-fanout';

/* Fixed instants and fictional secrets: nothing here reads the clock. */

const SECRET = 'fictional-test-secret-0123456789abcdef';
const OTHER_SECRET = 'another-fictional-secret-fedcba9876543210';
const DELIVERY = 'dl_0123456789abcdef01234567';
const OTHER_DELIVERY = 'dl_89abcdef0123456789abcdef';
const NOW = new Date('2025-03-10T09:00:00.000Z');
const DAY_MS = 24 * 3_600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);

const token = createAckToken(SECRET, DELIVERY, NOW);
const [idPart, expiresPart, macPart] = token.split('.') as [string, string, string];

/** The token with one character of a part replaced by another valid character. */
const flipLast = (part: string) => part.slice(0, -1) + (part.endsWith('A') ? 'B' : 'A');

describe('createAckToken / verifyAckToken', () => {
  it('verifies its own token and gives back the delivery id', () => {
    expect(verifyAckToken(SECRET, token, NOW)).toEqual({ ok: true, deliveryId: DELIVERY });
  });

  it('verifies tokens of ids made by fan-out', () => {
    const id = deliveryIdOf('uid-fictional', { orgType: 'school', orgId: '990001', contactId: 'dsl-a' });
    expect(verifyAckToken(SECRET, createAckToken(SECRET, id, NOW), NOW)).toEqual({ ok: true, deliveryId: id });
  });

  it('gives different deliveries different tokens', () => {
    expect(createAckToken(SECRET, OTHER_DELIVERY, NOW)).not.toBe(token);
  });

  it('is bound to its delivery: the same signature with another delivery id is invalid', () => {
    const forged = `${OTHER_DELIVERY}.${expiresPart}.${macPart}`;
    expect(verifyAckToken(SECRET, forged, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('rejects a changed delivery id, even by one character', () => {
    const forged = `${idPart.slice(0, -1)}${idPart.endsWith('0') ? '1' : '0'}.${expiresPart}.${macPart}`;
    expect(verifyAckToken(SECRET, forged, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('rejects a tampered signature', () => {
    expect(verifyAckToken(SECRET, `${idPart}.${expiresPart}.${flipLast(macPart)}`, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('rejects a signature of the right shape but all made up', () => {
    expect(verifyAckToken(SECRET, `${idPart}.${expiresPart}.${'A'.repeat(43)}`, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('rejects an extended expiry as invalid, not as a longer life', () => {
    const later = String(Number(expiresPart) + 365 * 24 * 3600);
    expect(verifyAckToken(SECRET, `${idPart}.${later}.${macPart}`, NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyAckToken(SECRET, `${idPart}.${later}.${macPart}`, at(20 * DAY_MS))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('rejects a token signed with another secret', () => {
    expect(verifyAckToken(OTHER_SECRET, token, NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyAckToken(SECRET, createAckToken(OTHER_SECRET, DELIVERY, NOW), NOW)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('ack token expiry (SPEC §7: 14 days)', () => {
  it('lives 14 days', () => {
    expect(ACK_TOKEN_TTL_SECONDS).toBe(14 * 24 * 3600);
  });

  it('is valid one millisecond before 14 days have passed', () => {
    expect(verifyAckToken(SECRET, token, at(14 * DAY_MS - 1))).toEqual({ ok: true, deliveryId: DELIVERY });
  });

  it('is expired at exactly 14 days', () => {
    expect(verifyAckToken(SECRET, token, at(14 * DAY_MS))).toEqual({ ok: false, reason: 'expired' });
  });

  it('stays expired long after', () => {
    expect(verifyAckToken(SECRET, token, at(400 * DAY_MS))).toEqual({ ok: false, reason: 'expired' });
  });

  it('is valid through the days in between', () => {
    for (const days of [1, 7, 13]) {
      expect(verifyAckToken(SECRET, token, at(days * DAY_MS)).ok, `day ${days}`).toBe(true);
    }
  });

  it('never lives longer than 14 days when created part-way through a second', () => {
    const created = new Date('2025-03-10T09:00:00.999Z');
    const t = createAckToken(SECRET, DELIVERY, created);
    expect(verifyAckToken(SECRET, t, new Date(created.getTime() + 14 * DAY_MS)).ok).toBe(false);
  });

  it('reports a tampered and expired token as invalid, not as merely expired', () => {
    expect(verifyAckToken(SECRET, `${idPart}.${expiresPart}.${flipLast(macPart)}`, at(30 * DAY_MS))).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('malformed ack tokens', () => {
  it.each([
    ['empty', ''],
    ['only dots', '..'],
    ['the delivery id alone', DELIVERY],
    ['two parts', `${idPart}.${expiresPart}`],
    ['an extra part at the end', `${token}.extra`],
    ['an extra part at the start', `x.${token}`],
    ['a doubled dot', `${idPart}..${expiresPart}.${macPart}`],
    ['an id without dl_', `${idPart.slice(3)}.${expiresPart}.${macPart}`],
    ['an id of another kind', `ep_0123456789abcdef01234567.${expiresPart}.${macPart}`],
    ['an id in capitals', `${idPart.toUpperCase()}.${expiresPart}.${macPart}`],
    ['an id too short', `dl_0123.${expiresPart}.${macPart}`],
    ['a non-numeric expiry', `${idPart}.soon.${macPart}`],
    ['a negative expiry', `${idPart}.-${expiresPart}.${macPart}`],
    ['an expiry of 13 digits', `${idPart}.${'9'.repeat(13)}.${macPart}`],
    ['a short signature', `${idPart}.${expiresPart}.${macPart.slice(1)}`],
    ['a padded signature', `${idPart}.${expiresPart}.${macPart}=`],
    ['whitespace around it', ` ${token} `],
    ['a trailing newline', `${token}\n`],
    ['a URL-encoded dot', token.replace('.', '%2E')],
    ['very long', `${idPart}.${expiresPart}.${'A'.repeat(1_000_000)}`],
    ['very long junk', 'dl_'.repeat(300_000)],
    ['non-ASCII', `${idPart}.${expiresPart}.${'é'.repeat(43)}`],
  ])('rejects %s as invalid without throwing', (_label, input) => {
    expect(() => verifyAckToken(SECRET, input, NOW)).not.toThrow();
    expect(verifyAckToken(SECRET, input, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('what an ack token carries (SPEC §7: no personal data)', () => {
  it('is exactly the delivery id, the expiry in seconds and a 43-character base64url MAC', () => {
    expect(token.split('.')).toHaveLength(3);
    expect(idPart).toBe(DELIVERY);
    expect(Number(expiresPart)).toBe(NOW.getTime() / 1000 + ACK_TOKEN_TTL_SECONDS);
    expect(macPart).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is URL-safe as it stands', () => {
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('depends on nothing but the secret, the delivery id and the time', () => {
    expect(createAckToken(SECRET, DELIVERY, NOW)).toBe(token);
  });

  it('gives back, once verified, nothing but the delivery id', () => {
    const check = verifyAckToken(SECRET, token, NOW);
    expect(Object.keys(check).sort()).toEqual(['deliveryId', 'ok']);
  });
});
