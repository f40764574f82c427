import { describe, expect, it } from 'vitest';
import { noticeReadiness, noticeRecipients, type NoticeAddressBook } from '../../../src/delivery/notice-plan';
import type { DeliveryStatus } from '../../../src/delivery/delivery-status';
import type { Contact } from '../../../src/directory/organisation';

/* Fictional data only: every address on a .test domain. */

const MASH = 'mash@council.example.test';
const contact = (contactId: string, role: Contact['role'], active = true): Contact => ({
  contactId,
  name: `Fictional ${contactId}`,
  email: `${contactId}@school.example.test`,
  role,
  active,
});

const book = (overrides: Partial<NoticeAddressBook> = {}): NoticeAddressBook => ({
  mashEmail: MASH,
  policeContactEmail: 'officer@northumbria.police.test',
  policeContactDomains: ['police.test'],
  organisationContacts: [],
  organisationActive: true,
  deliveryContactId: 'dsl-1',
  ...overrides,
});

describe('noticeRecipients', () => {
  it('sends failure, bounce and supersession notices to the MASH team alone', () => {
    for (const notice of ['failure', 'bounce', 'superseded'] as const) expect(noticeRecipients(notice, book()), notice).toEqual([MASH]);
  });

  it('has nobody to send a staff notice to when MASH_EMAIL is not set', () => {
    expect(noticeRecipients('failure', book({ mashEmail: undefined }))).toEqual([]);
  });

  it('escalates to the organisation’s other active deputies and MASH, each once', () => {
    const organisationContacts = [
      contact('dsl-1', 'dsl'),
      contact('deputy-1', 'deputy'),
      contact('deputy-2', 'deputy', false),
      contact('dsl-2', 'dsl'),
      { ...contact('deputy-3', 'deputy'), email: MASH },
    ];
    expect(noticeRecipients('escalation', book({ organisationContacts }))).toEqual(['deputy-1@school.example.test', MASH]);
  });

  it('escalates to MASH alone when the organisation has been deactivated since the alert', () => {
    const organisationContacts = [contact('deputy-1', 'deputy'), contact('deputy-2', 'deputy')];
    expect(noticeRecipients('escalation', book({ organisationContacts, organisationActive: false }))).toEqual([MASH]);
  });

  it('does not escalate to the deputy who was the one not acknowledging', () => {
    expect(noticeRecipients('escalation', book({ organisationContacts: [contact('deputy-1', 'deputy')], deliveryContactId: 'deputy-1' }))).toEqual([MASH]);
  });

  it('sends an answer to the police contact at a police domain, else to MASH', () => {
    expect(noticeRecipients('ack-answer', book())).toEqual(['officer@northumbria.police.test']);
    expect(noticeRecipients('ack-answer', book({ policeContactEmail: 'someone@elsewhere.example.test' }))).toEqual([MASH]);
    expect(noticeRecipients('ack-answer', book({ policeContactEmail: undefined, mashEmail: undefined }))).toEqual([]);
  });
});

describe('noticeReadiness', () => {
  const at = (status: DeliveryStatus, acknowledgedAt: string | null = null) => ({ status, acknowledgedAt });

  it.each([
    ['failure', 'failed', 'send'],
    ['failure', 'sending', 'not-ready'],
    ['failure', 'retrying', 'not-ready'],
    ['failure', 'pending', 'not-ready'],
    ['failure', 'sent', 'moot'],
    ['bounce', 'bounced', 'send'],
    ['bounce', 'sent', 'not-ready'],
    ['bounce', 'pending', 'moot'],
    ['superseded', 'superseded', 'send'],
    ['superseded', 'pending', 'not-ready'],
    ['superseded', 'sent', 'moot'],
    ['escalation', 'sent', 'send'],
    ['ack-answer', 'sent', 'send'],
  ] as const)('a %s notice for a delivery now %s: %s', (notice, status, expected) => {
    expect(noticeReadiness(notice, at(status))).toBe(expected);
  });

  it('drops an escalation once the delivery has been acknowledged', () => {
    expect(noticeReadiness('escalation', at('sent', '2025-03-10T10:00:00.000Z'))).toBe('moot');
  });
});
