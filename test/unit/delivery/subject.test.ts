import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../../src/delivery/messages';
import { containsChildName, subjectFor } from '../../../src/delivery/subject';
import type { MessageKind } from '../../../src/domain/audience';
import type { RenderedMessage } from '../../../src/delivery/message-types';
import { renderAckAnswerNotice, renderEscalationNotice, renderFailureNotice, renderSupersededNotice } from '../../../src/delivery/staff-notices';

/*
 * SPEC §5: no child's name in any subject, of any email the service sends. The child here,
 * "Zara Quillby" (fictional), has her family name inside the police reference.
 */
const CHILD = { givenName: 'Zara', familyName: 'Quillby' };
const REFERENCE = 'NP-QUILLBY-77';
const NAME = /quillby|zara/i;

const KINDS: MessageKind[] = ['alert', 'update', 'reminder', 'found', 'cancelled'];
const staff = {
  policeReference: REFERENCE,
  child: CHILD,
  organisation: { type: 'school' as const, id: '999001', name: 'Hollyhock Test Primary School' },
  contact: { name: 'Alex Example', role: 'dsl' as const },
  dashboardUrl: 'https://endeavor.test/dashboard/episodes/ep_1',
  noticeId: 'n_1',
  messageDomain: 'endeavor.test',
  risk: 'high' as const,
};

function everyEmail(child: typeof CHILD | undefined, reference = REFERENCE): Array<[string, RenderedMessage]> {
  const messages = KINDS.flatMap((kind) =>
    (['direct', 'area'] as const).map((audience): [string, RenderedMessage] => [
      `${kind} (${audience})`,
      renderMessage({
        kind,
        audience,
        episode: { policeReference: reference, risk: 'high', child: { ...CHILD, dateOfBirth: '2013-05-14' } },
        organisation: staff.organisation,
        contact: staff.contact,
        deliveryId: 'dl_1',
        messageDomain: 'endeavor.test',
        ...(kind === 'alert' ? {} : { threadOf: '<dl_0@endeavor.test>' }),
        occurredAt: '2026-11-27T09:00:00Z',
      }),
    ]),
  );
  const base = { ...staff, policeReference: reference, child };
  return [
    ...messages,
    ['escalation notice', renderEscalationNotice(base)],
    ['failure notice', renderFailureNotice({ ...base, kind: 'alert', lastError: '550 5.1.1 mailbox unavailable', attempts: 1 })],
    ['superseded notice', renderSupersededNotice({ ...base, kind: 'alert', reason: 'superseded: the contact has been deactivated in the directory' })],
    ['answer notice', renderAckAnswerNotice({ ...base, inSchoolToday: true, note: 'Seen at 08:40 (fictional).', acknowledgedAt: '2026-11-27T09:30:00Z' })],
  ];
}

describe('one subject builder for every email', () => {
  it.each(everyEmail(CHILD))('withholds a reference holding the child’s name from the subject of the %s', (_, message) => {
    expect(message.subject).not.toMatch(NAME);
    expect(message.subject).toContain('ref [withheld]');
    // The body still quotes it, for whoever must call the police.
    expect(message.text).toContain(REFERENCE);
  });

  it('shows a reference free of the name in every subject', () => {
    for (const [, message] of everyEmail(CHILD, 'NP-2026-000777')) expect(message.subject).toMatch(/ref NP-2026-000777$/);
  });

  it('withholds the reference from a notice when the child’s name cannot be read (events purged)', () => {
    for (const [what, message] of everyEmail(undefined, 'NP-2026-000777')) {
      if (what.includes('notice')) expect(message.subject).toContain('ref [withheld]');
    }
  });

  it('names each notice as SPEC §5 says', () => {
    expect(subjectFor({ notice: 'escalation' }, 'NP-1', CHILD)).toBe('[Operation Endeavor] Not acknowledged: ref NP-1');
    expect(subjectFor({ notice: 'failure' }, 'NP-1', CHILD)).toBe('[Operation Endeavor] Delivery failed: ref NP-1');
    expect(subjectFor({ notice: 'superseded' }, 'NP-1', CHILD)).toBe('[Operation Endeavor] Recipient no longer active: ref NP-1');
    expect(subjectFor({ notice: 'ack-answer', from: 'Hollyhock School' }, 'NP-1', CHILD)).toBe('[Operation Endeavor] Information from Hollyhock School: ref NP-1');
    expect(subjectFor({ message: 'reminder', risk: 'very_low' }, 'NP-1', CHILD)).toBe('[Operation Endeavor] VERY LOW risk: missing child update, ref NP-1');
  });

  it('keeps an organisation name that holds the child’s name out of the answer notice subject', () => {
    expect(subjectFor({ notice: 'ack-answer', from: 'Quillby Primary' }, 'NP-1', CHILD)).toBe('[Operation Endeavor] Information from a recipient: ref NP-1');
  });

  it.each([
    ['a Hangul filler (U+3164, a letter)', 'NP-ZEB\u3164EDEE-7'],
    ['a halfwidth Hangul filler (U+FFA0)', 'NP-ZEB\uffa0EDEE-7'],
    ['a Hangul choseong filler (U+115F)', 'NP-ZEB\u115fEDEE-7'],
    ['a combining grapheme joiner (U+034F)', 'NP-ZEB\u034fEDEE-7'],
    ['a soft hyphen (U+00AD)', 'NP-ZEB\u00adEDEE-7'],
    ['a tag character (U+E0041)', 'NP-ZEB\u{e0041}EDEE-7'],
  ])('finds the child’s name in a reference split by %s, and withholds it', (_what, reference) => {
    const child = { givenName: 'Zebedee', familyName: 'Fictional' };
    expect(containsChildName(reference, child)).toBe(true);
    expect(subjectFor({ message: 'alert', risk: 'high' }, reference, child)).toBe('[Operation Endeavor] HIGH risk: missing child alert, ref [withheld]');
  });
});
