import { describe, expect, it } from 'vitest';
import { answerRecipient } from '../../../src/delivery/answer-recipient';
import { loadConfig } from '../../../config/env';

const MASH = 'mash-team@endeavor.test';
const DOMAINS = ['police.test', 'force.example.test'];

describe('answerRecipient: where a recipient’s answer goes (SPEC §7)', () => {
  it.each([
    ['mispers@police.test', 'mispers@police.test'],
    ['mispers@northern.police.test', 'mispers@northern.police.test'],
    ['Mispers@Northern.POLICE.test', 'Mispers@Northern.POLICE.test'],
    ['desk@force.example.test', 'desk@force.example.test'],
    ['mispers@notpolice.test', MASH],
    ['mispers@police.test.evil.example.test', MASH],
    ['mispers@example.test', MASH],
    ['no-at-sign.police.test', MASH],
    [undefined, MASH],
  ])('%s → %s', (police, expected) => {
    expect(answerRecipient(police, DOMAINS, MASH)).toBe(expected);
  });

  it('has nowhere to send when the contact is not at a police domain and MASH_EMAIL is unset', () => {
    expect(answerRecipient('mispers@example.test', DOMAINS, undefined)).toBeUndefined();
  });

  it('reads POLICE_CONTACT_DOMAINS as a lower-cased list, police.uk by default, and refuses a bad one', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).policeContactDomains).toEqual(['police.uk']);
    expect(loadConfig({ NODE_ENV: 'development', POLICE_CONTACT_DOMAINS: ' Police.test, force.example.test ' }).policeContactDomains).toEqual(['police.test', 'force.example.test']);
    expect(() => loadConfig({ NODE_ENV: 'development', POLICE_CONTACT_DOMAINS: 'police test' })).toThrow(/POLICE_CONTACT_DOMAINS/);
    expect(() => loadConfig({ NODE_ENV: 'development', POLICE_CONTACT_DOMAINS: 'mispers@police.test' })).toThrow(/POLICE_CONTACT_DOMAINS/);
  });
});
