import { describe, expect, it } from 'vitest';
import { messageDomainOf } from '../../../src/platform/secret';

/** Message-IDs are `<deliveryId@domain>`: the domain must be a bare, safe host name. */
describe('messageDomainOf', () => {
  it.each([
    ['the default sender', 'Operation Endeavor <endeavor@localhost>', 'localhost'],
    ['a display name and address', 'Operation Endeavor <alerts@endeavor.example.test>', 'endeavor.example.test'],
    ['a bare address', 'alerts@endeavor.example.test', 'endeavor.example.test'],
    ['an address in brackets alone', '<alerts@endeavor.example.test>', 'endeavor.example.test'],
    ['a domain in capitals', 'Alerts <Alerts@Endeavor.Example.TEST>', 'endeavor.example.test'],
    ['spaces around the domain', 'alerts@ endeavor.example.test ', 'endeavor.example.test'],
    ['an @ in the display name', '"Ops @ Endeavor" <alerts@ops.example.test>', 'ops.example.test'],
    ['a hyphenated domain', 'Endeavor <alerts@mash-team.example.test>', 'mash-team.example.test'],
  ])('takes the domain from %s', (_label, mailFrom, domain) => {
    expect(messageDomainOf(mailFrom)).toBe(domain);
  });

  it.each([
    ['an empty sender', ''],
    ['no @ at all', 'Operation Endeavor'],
    ['nothing after the @', 'Operation Endeavor <endeavor@>'],
    ['a space inside the domain', 'alerts@endeavor example.test'],
    ['a header injection attempt', 'alerts@example.test\r\nBcc: someone@elsewhere.test'],
    ['angle brackets in the domain', 'alerts@<example.test>'],
    ['non-ASCII in the domain', 'alerts@exämple.test'],
  ])('falls back to endeavor.invalid for %s', (_label, mailFrom) => {
    expect(messageDomainOf(mailFrom)).toBe('endeavor.invalid');
  });

  it('never gives anything but letters, digits, dots and hyphens', () => {
    for (const mailFrom of ['x@a_b.test', 'x@a/b.test', 'x@a;b.test', 'x@a>b.test', 'x@"a".test']) {
      expect(messageDomainOf(mailFrom)).toMatch(/^[a-z0-9.-]+$/);
    }
  });
});
