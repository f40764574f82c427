import { describe, expect, it } from 'vitest';
import { bounceAddress, deliveryIdOfBounceAddress } from '../../../src/delivery/bounce-address';

const ID = 'dl_0123456789abcdef01234567';
const DOMAIN = 'bounces.endeavor.test';

describe('bounce addresses (VERP)', () => {
  it('name the delivery in the local part, on the bounce domain', () => {
    expect(bounceAddress(ID, 'Bounces.Endeavor.TEST')).toBe(`bounces+${ID}@bounces.endeavor.test`);
  });

  it('read back the delivery id they name', () => {
    expect(deliveryIdOfBounceAddress(bounceAddress(ID, DOMAIN), DOMAIN)).toBe(ID);
  });

  it('ignore case in the domain and the local part', () => {
    expect(deliveryIdOfBounceAddress(`BOUNCES+${ID.toUpperCase()}@BOUNCES.endeavor.test`, DOMAIN)).toBe(ID);
  });

  it.each([
    ['another domain', `bounces+${ID}@elsewhere.test`],
    ['a subdomain of ours', `bounces+${ID}@x.bounces.endeavor.test`],
    ['another local part', `postmaster@${DOMAIN}`],
    ['no id', `bounces+@${DOMAIN}`],
    ['a short id', `bounces+dl_0123@${DOMAIN}`],
    ['an id with other characters', `bounces+dl_0123456789abcdef0123456z@${DOMAIN}`],
    ['something after the id', `bounces+${ID}+x@${DOMAIN}`],
    ['no @', `bounces+${ID}`],
    ['an empty local part', `@${DOMAIN}`],
    ['the null sender', ''],
  ])('name no delivery for %s', (_why, address) => {
    expect(deliveryIdOfBounceAddress(address, DOMAIN)).toBeUndefined();
  });
});
