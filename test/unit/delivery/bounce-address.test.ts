import { describe, expect, it } from 'vitest';
import { bounceAddress, bounceTargetOf } from '../../../src/delivery/bounce-address';

const ID = 'dl_0123456789abcdef01234567';
const DOMAIN = 'bounces.endeavor.test';

describe('bounce addresses (VERP)', () => {
  it('name the delivery and the attempt in the local part, on the bounce domain', () => {
    expect(bounceAddress(ID, 2, 'Bounces.Endeavor.TEST')).toBe(`bounces+${ID}.2@bounces.endeavor.test`);
  });

  it('read back the delivery id and the attempt they name', () => {
    expect(bounceTargetOf(bounceAddress(ID, 1, DOMAIN), DOMAIN)).toEqual({ deliveryId: ID, attempt: 1 });
    expect(bounceTargetOf(bounceAddress(ID, 12, DOMAIN), DOMAIN)).toEqual({ deliveryId: ID, attempt: 12 });
  });

  it('read the address without an attempt, as sent before attempts were named, as naming no attempt', () => {
    expect(bounceTargetOf(`bounces+${ID}@${DOMAIN}`, DOMAIN)).toEqual({ deliveryId: ID, attempt: undefined });
  });

  it('ignore case in the domain and the local part', () => {
    expect(bounceTargetOf(`BOUNCES+${ID.toUpperCase()}.3@BOUNCES.endeavor.test`, DOMAIN)).toEqual({ deliveryId: ID, attempt: 3 });
  });

  it.each([
    ['another domain', `bounces+${ID}.1@elsewhere.test`],
    ['a subdomain of ours', `bounces+${ID}.1@x.bounces.endeavor.test`],
    ['another local part', `postmaster@${DOMAIN}`],
    ['no id', `bounces+@${DOMAIN}`],
    ['no id, only an attempt', `bounces+.1@${DOMAIN}`],
    ['a short id', `bounces+dl_0123.1@${DOMAIN}`],
    ['an id with other characters', `bounces+dl_0123456789abcdef0123456z.1@${DOMAIN}`],
    ['something after the id', `bounces+${ID}+x@${DOMAIN}`],
    ['an empty attempt', `bounces+${ID}.@${DOMAIN}`],
    ['attempt 0', `bounces+${ID}.0@${DOMAIN}`],
    ['an attempt with a leading zero', `bounces+${ID}.01@${DOMAIN}`],
    ['an attempt that is not a number', `bounces+${ID}.x@${DOMAIN}`],
    ['a negative attempt', `bounces+${ID}.-1@${DOMAIN}`],
    ['an attempt of seven digits', `bounces+${ID}.1000000@${DOMAIN}`],
    ['two attempts', `bounces+${ID}.1.2@${DOMAIN}`],
    ['no @', `bounces+${ID}.1`],
    ['an empty local part', `@${DOMAIN}`],
    ['the null sender', ''],
  ])('name no delivery for %s', (_why, address) => {
    expect(bounceTargetOf(address, DOMAIN)).toBeUndefined();
  });
});
