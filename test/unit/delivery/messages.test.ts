import { describe, expect, it } from 'vitest';
import { containsChildName, renderMessage, sharedPartsKept, subjectLine } from '../../../src/delivery/messages';
import { RISKS, type Risk } from '../../../src/domain/risk';
import type { MessageKind } from '../../../src/domain/audience';
import { escapeHtml } from '../../../src/platform/html';
import type { EpisodeFacts, MessageInput } from '../../../src/delivery/message-types';
import { renderEscalationNotice, renderFailureNotice } from '../../../src/delivery/staff-notices';
import { formatLondonDateTime } from '../../../src/delivery/message-words';

// Fictional people and places only.
const episode = (overrides: Partial<EpisodeFacts> = {}): EpisodeFacts => ({
  policeReference: 'NP-2025-000123',
  risk: 'high',
  child: {
    givenName: 'Maisie',
    familyName: 'Quillfeather',
    dateOfBirth: '2012-03-14',
    gender: 'female',
    schoolUrn: '999001',
    gpOdsCode: 'Z99001',
    postcodeDistrict: 'NE61',
    lookedAfter: true,
    description: 'Slim build, shoulder-length red hair, green school coat',
  },
  missingFrom: 'care',
  lastSeen: { at: '2025-07-01T14:05:00Z', area: 'Morpeth bus station' },
  concerns: ['cse', 'county_lines'],
  contact: { name: 'PC Robin Testwell', phone: '+44 1234 567890', email: 'robin.testwell@police.test' },
  ...overrides,
});

const input = (overrides: Partial<MessageInput> = {}): MessageInput => ({
  kind: 'alert',
  audience: 'direct',
  episode: episode(),
  organisation: { type: 'school', id: '999001', name: 'Hollyhock Test Primary School' },
  contact: { name: 'Alex Example', role: 'dsl' },
  deliveryId: 'dlv_01HTEST',
  messageDomain: 'endeavor.test',
  ackUrl: 'https://endeavor.test/ack/tok_abc123',
  occurredAt: '2025-07-01T15:00:00Z',
  ...overrides,
});

const KINDS: MessageKind[] = ['alert', 'update', 'reminder', 'found', 'cancelled'];
const followUp = (kind: MessageKind) => kind !== 'alert';

describe('subjects', () => {
  const word: Record<MessageKind, string> = {
    alert: 'alert',
    update: 'update',
    reminder: 'update',
    found: 'found',
    cancelled: 'cancelled',
  };
  const capitals: Record<Risk, string> = { very_low: 'VERY LOW', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' };

  for (const kind of KINDS) {
    for (const risk of RISKS) {
      it(`reads "[Operation Endeavor] ${capitals[risk]} risk: missing child ${word[kind]}, ref …" for a ${kind} at ${risk} risk`, () => {
        const expected = `[Operation Endeavor] ${capitals[risk]} risk: missing child ${word[kind]}, ref NP-2025-000123`;
        expect(subjectLine(kind, risk, 'NP-2025-000123')).toBe(expected);
        const rendered = renderMessage(input({ kind, episode: episode({ risk }), threadOf: '<dlv_alert@endeavor.test>' }));
        expect(rendered.subject).toBe(expected);
      });
    }
  }

  it('never carries the child’s name for any kind, audience or risk', () => {
    for (const kind of KINDS) {
      for (const audience of ['direct', 'area'] as const) {
        for (const risk of RISKS) {
          const { subject } = renderMessage(input({ kind, audience, episode: episode({ risk }) }));
          expect(subject).not.toMatch(/maisie|quillfeather/i);
        }
      }
    }
  });

  it.each([
    'Maisie Quillfeather',
    'QUILLFEATHER-0042',
    'ref-maisie',
    'M.A.I.S.I.E-1',
    'Mai\u200bsie 77',
    'QUILL FEATHER',
  ])('withholds a reference that holds the child’s name (%s)', (policeReference) => {
    const { subject, text } = renderMessage(input({ episode: episode({ policeReference }) }));
    expect(subject).toBe('[Operation Endeavor] HIGH risk: missing child alert, ref [withheld]');
    expect(subject).not.toMatch(/maisie|quill|feather/i);
    expect(text).toContain(policeReference.replace('\u200b', '')); // the body still quotes it (without the invisible space)
  });

  it('withholds a reference holding an accented name written without its accents', () => {
    const child = { ...episode().child, givenName: 'Zoë', familyName: 'Ó Testáin' };
    const { subject } = renderMessage(input({ episode: episode({ policeReference: 'ZOE-TESTAIN-1', child }) }));
    expect(subject).toMatch(/ref \[withheld\]$/);
  });

  it('keeps an ordinary reference even when the child has a short or template-like name', () => {
    const child = { ...episode().child, givenName: 'Al', familyName: 'Lowri' };
    const { subject } = renderMessage(input({ episode: episode({ risk: 'low', policeReference: 'AL2025-99', child }) }));
    expect(subject).toMatch(/ref AL2025-99$/);
    const lowri = renderMessage(input({ episode: episode({ risk: 'low', child }) }));
    expect(lowri.subject).toBe('[Operation Endeavor] LOW risk: missing child alert, ref NP-2025-000123');
    expect(containsChildName('AL 2025', child)).toBe(true);
  });

  it('strips line breaks and hidden characters from the reference in a subject', () => {
    expect(subjectLine('alert', 'medium', 'NP-1\r\nBcc: x@example.test\u202e')).toBe(
      '[Operation Endeavor] MEDIUM risk: missing child alert, ref NP-1 Bcc: x@example.test',
    );
  });
});

describe('direct alert', () => {
  const rendered = renderMessage(input());

  it('greets the named contact at their organisation', () => {
    expect(rendered.text).toContain('Dear Alex Example,');
    expect(rendered.text).toContain('designated safeguarding lead at Hollyhock Test Primary School');
  });

  it('gives the child’s full picture', () => {
    const { text } = rendered;
    expect(text).toContain('Name: Maisie Quillfeather');
    expect(text).toContain('Date of birth: 14 March 2012 (age 13)');
    expect(text).toContain('Gender: Female');
    expect(text).toContain('Description: Slim build, shoulder-length red hair, green school coat');
    expect(text).toContain('Missing from: Care placement');
    expect(text).toContain('Last seen: Tuesday 1 July 2025 at 15:05 BST, Morpeth bus station');
    expect(text).toContain('Risk: High');
    expect(text).toContain('Concerns: Child sexual exploitation (CSE); County lines');
    expect(text).toContain('Looked-after child: Yes');
    expect(text).toContain('PC Robin Testwell');
    expect(text).toContain('+44 1234 567890');
    expect(text).toContain('robin.testwell@police.test');
    expect(text).toContain('Police reference: NP-2025-000123');
  });

  it('says what to do: check attendance, 101 quoting the reference, 999 in danger, do not approach the family', () => {
    const { text } = rendered;
    expect(text).toMatch(/check attendance/i);
    expect(text).toContain('tell the police on 101, quoting reference NP-2025-000123');
    expect(text).toContain('call 999');
    expect(text).toContain('Do not approach the family');
  });

  it('carries the acknowledgement link in both parts, as a real link in HTML', () => {
    expect(rendered.text).toContain('https://endeavor.test/ack/tok_abc123');
    expect(rendered.html).toContain('<a href="https://endeavor.test/ack/tok_abc123">Confirm receipt of this alert</a>');
  });

  it('tells a GP practice to check attendance at the practice', () => {
    const gp = renderMessage(
      input({ organisation: { type: 'gp', id: 'Z99001', name: 'Riverside Test Surgery' }, contact: { name: 'Sam Sample', role: 'practice_manager' } }),
    );
    expect(gp.text).toMatch(/check attendance at the practice/i);
    expect(gp.text).toContain('practice manager at Riverside Test Surgery');
  });

  it('never shows school, GP or postcode identifiers of the child', () => {
    const other = renderMessage(input({ organisation: { type: 'school', id: '999777', name: 'Elm Test Academy' } }));
    expect(other.text).not.toContain('999001');
    expect(other.text).not.toContain('Z99001');
    expect(other.text).not.toContain('NE61');
  });

  it('renders what is known of an episode whose report has not arrived', () => {
    const partial = renderMessage(
      input({ kind: 'update', episode: { policeReference: 'NP-9', risk: 'medium', child: { givenName: 'Maisie' } }, changes: { risk: 'medium' } }),
    );
    expect(partial.text).toContain('Name: Maisie');
    expect(partial.text).toContain('Date of birth: Not yet known');
    expect(partial.text).toContain('Last seen: Not yet known');
    expect(partial.text).toContain('Contact: Call 101 and quote the police reference');
  });
});

describe('area alert', () => {
  const rendered = renderMessage(input({ audience: 'area', ackUrl: undefined, organisation: { type: 'school', id: '999777', name: 'Elm Test Academy' } }));

  it('gives name, age, gender, description, last seen, risk and police contact', () => {
    const { text } = rendered;
    expect(text).toContain('Name: Maisie Quillfeather');
    expect(text).toContain('Age: 13');
    expect(text).toContain('Gender: Female');
    expect(text).toContain('Description: Slim build');
    expect(text).toContain('Last seen: Tuesday 1 July 2025 at 15:05 BST, Morpeth bus station');
    expect(text).toContain('Risk: High');
    expect(text).toContain('PC Robin Testwell');
  });

  it('leaves out date of birth, school, GP, looked-after status and concerns', () => {
    for (const part of [rendered.text, rendered.html]) {
      expect(part).not.toMatch(/date of birth/i);
      expect(part).not.toContain('2012');
      expect(part).not.toContain('14 March');
      expect(part).not.toContain('999001');
      expect(part).not.toContain('Z99001');
      expect(part).not.toMatch(/looked-after|looked after/i);
      expect(part).not.toMatch(/concerns|exploitation|county lines/i);
      expect(part).not.toContain('Care placement');
    }
  });

  it('carries no acknowledgement link even if one is passed', () => {
    const withLink = renderMessage(input({ audience: 'area' }));
    expect(withLink.text).not.toContain('/ack/');
    expect(withLink.html).not.toContain('/ack/');
  });

  it('computes the age on the day of the event in UK time', () => {
    const child = { ...episode().child, dateOfBirth: '2012-07-02' };
    // 23:30 UTC on 1 July is 00:30 BST on 2 July: the birthday.
    const onBirthday = renderMessage(input({ audience: 'area', episode: episode({ child }), occurredAt: '2025-07-01T23:30:00Z' }));
    expect(onBirthday.text).toContain('Age: 13');
    const dayBefore = renderMessage(input({ audience: 'area', episode: episode({ child }), occurredAt: '2025-07-01T22:30:00Z' }));
    expect(dayBefore.text).toContain('Age: 12');
  });
});

describe('updates and reminders', () => {
  const changes = {
    risk: 'high' as const,
    lastSeen: { at: '2025-12-01T09:30:00Z', area: 'Ashington leisure centre' },
    concerns: ['self_harm' as const],
    child: { lookedAfter: false, dateOfBirth: '2012-03-15' },
    note: 'Believed to be travelling with an adult',
  };

  it('tells a direct recipient what changed, with the current picture', () => {
    const { text } = renderMessage(input({ kind: 'update', changes, threadOf: '<dlv_alert@endeavor.test>' }));
    expect(text).toContain('What has changed');
    expect(text).toContain('- Risk is now High');
    expect(text).toContain('- Last seen: Monday 1 December 2025 at 09:30 GMT, Ashington leisure centre');
    expect(text).toContain('- Concerns: Self-harm');
    expect(text).toContain('- Police note: Believed to be travelling with an adult');
    expect(text).toContain('Date of birth: 14 March 2012');
    expect(text).toContain('https://endeavor.test/ack/tok_abc123');
  });

  it('keeps an area update to what the area may see', () => {
    const { text, html } = renderMessage(input({ kind: 'update', audience: 'area', changes }));
    expect(text).toContain('- Risk is now High');
    expect(text).toContain('- Age: 13');
    for (const part of [text, html]) {
      expect(part).not.toMatch(/self-harm|concerns|looked-after|date of birth|travelling with an adult|\/ack\//i);
    }
  });

  it('says the child is still missing in a reminder', () => {
    const direct = renderMessage(input({ kind: 'reminder' }));
    expect(direct.text).toContain('Maisie Quillfeather is still missing');
    expect(direct.text).toContain('Date of birth: 14 March 2012');
    expect(direct.text).toContain('Confirm receipt of this reminder');
    const area = renderMessage(input({ kind: 'reminder', audience: 'area' }));
    expect(area.text).toContain('still missing');
    expect(area.text).not.toMatch(/date of birth/i);
  });
});

describe('found and cancelled', () => {
  for (const kind of ['found', 'cancelled'] as const) {
    for (const audience of ['direct', 'area'] as const) {
      it(`${kind} (${audience}) names the child, says the alert is closed and to remove it from watch lists`, () => {
        const { text, html } = renderMessage(input({ kind, audience, threadOf: '<dlv_alert@endeavor.test>' }));
        for (const part of [text, html]) {
          expect(part).toContain('Maisie Quillfeather');
          expect(part).toContain('NP-2025-000123');
          expect(part).toMatch(/alert is now closed/);
          expect(part).toMatch(/watch lists/);
          // Never where or in what circumstances: no last-seen area, note, description or details.
          expect(part).not.toContain('Morpeth');
          expect(part).not.toMatch(/date of birth|description|concerns|\/ack\//i);
        }
      });
    }
  }

  it('does not render a police note on closure', () => {
    const { text } = renderMessage(input({ kind: 'found', episode: episode({ note: 'Found at a friend’s flat in Blyth' }) }));
    expect(text).not.toContain('Blyth');
  });
});

describe('HTML part', () => {
  it('escapes every interpolated value', () => {
    const child = { ...episode().child, description: '<script>alert("x")</script> & <b>bold</b>' };
    const { html, text } = renderMessage(
      input({
        episode: episode({ child, lastSeen: { at: '2025-07-01T14:05:00Z', area: '"><img src=x onerror=alert(1)>' } }),
        organisation: { type: 'school', id: '999001', name: 'O\'Hare & <Sons> Test School' },
      }),
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('O&#39;Hare &amp; &lt;Sons&gt; Test School');
    expect(text).toContain('<script>alert("x")</script>'); // plain text needs no escaping
  });

  it('drops every bidirectional control stored before intake refused them, in both parts', () => {
    const child = { ...episode().child, givenName: 'Mai\u200fsie', familyName: 'Quill\u061cfeather\u202e', description: '\u2067Red hair\u200e' };
    const { html, text } = renderMessage(input({ episode: episode({ child }), contact: { name: 'Alex\u202d Example', role: 'dsl' } }));
    for (const part of [html, text]) expect(part).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  });

  it('is a simple accessible document', () => {
    const { html } = renderMessage(input());
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1');
    expect(html).toContain('<h2');
    expect(html).toContain('<title>[Operation Endeavor] HIGH risk: missing child alert, ref NP-2025-000123</title>');
    expect(html).toContain('href="tel:+441234567890"');
    expect(html).toContain('href="mailto:robin.testwell@police.test"');
  });

  it('escapes helper output for attributes too', () => {
    expect(escapeHtml(`<a href='x' title="y">&</a>`)).toBe('&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('refuses a non-http acknowledgement link', () => {
    expect(() => renderMessage(input({ ackUrl: 'javascript:alert(1)' }))).toThrow(TypeError);
  });
});

describe('headers', () => {
  it('always carries Auto-Submitted and the delivery’s Message-ID', () => {
    for (const kind of KINDS) {
      for (const audience of ['direct', 'area'] as const) {
        const rendered = renderMessage(input({ kind, audience, threadOf: '<dlv_alert@endeavor.test>' }));
        expect(rendered.headers['Auto-Submitted']).toBe('auto-generated');
        expect(rendered.messageId).toBe('<dlv_01HTEST@endeavor.test>');
      }
    }
  });

  it('threads follow-ups to the alert and only follow-ups', () => {
    for (const kind of KINDS) {
      const rendered = renderMessage(input({ kind, threadOf: '<dlv_alert@endeavor.test>' }));
      if (followUp(kind)) {
        expect(rendered.headers['In-Reply-To']).toBe('<dlv_alert@endeavor.test>');
        expect(rendered.headers.References).toBe('<dlv_alert@endeavor.test>');
      } else {
        expect(rendered.headers).not.toHaveProperty('In-Reply-To');
        expect(rendered.headers).not.toHaveProperty('References');
      }
    }
  });

  it('adds angle brackets to a bare threadOf and omits threading when there is no alert to thread to', () => {
    expect(renderMessage(input({ kind: 'update', threadOf: 'dlv_alert@endeavor.test' })).headers['In-Reply-To']).toBe(
      '<dlv_alert@endeavor.test>',
    );
    expect(renderMessage(input({ kind: 'update' })).headers).not.toHaveProperty('In-Reply-To');
  });

  it('rejects ids that would break the Message-ID header', () => {
    expect(() => renderMessage(input({ deliveryId: 'a b' }))).toThrow(TypeError);
    expect(() => renderMessage(input({ deliveryId: 'x>\r\nBcc: y' }))).toThrow(TypeError);
    expect(() => renderMessage(input({ kind: 'update', threadOf: '<no-at-sign>' }))).toThrow(TypeError);
  });
});

describe('times', () => {
  it('shows instants in UK local time with the zone', () => {
    expect(formatLondonDateTime('2025-01-15T08:00:00Z')).toBe('Wednesday 15 January 2025 at 08:00 GMT');
    expect(formatLondonDateTime('2025-07-01T08:00:00+01:00')).toBe('Tuesday 1 July 2025 at 08:00 BST');
  });
});

describe('staff notices', () => {
  const base = {
    policeReference: 'NP-2025-000123',
    child: { givenName: 'Maisie', familyName: 'Quillfeather' },
    organisation: { type: 'school' as const, id: '999001', name: 'Hollyhock Test Primary School' },
    contact: { name: 'Alex Example', role: 'dsl' as const },
    dashboardUrl: 'https://endeavor.test/dashboard/episodes/ep_1',
    noticeId: 'esc_dlv_01HTEST',
    messageDomain: 'endeavor.test',
    risk: 'high' as const,
  };
  const childFragments = /maisie|quillfeather|2012-03-14|14 march 2012|morpeth|red hair/i;

  it('escalation: subject, organisation, role, dashboard link, no child details', () => {
    const notice = renderEscalationNotice({ ...base, sentAt: '2025-07-01T08:00:00Z', deadlineAt: '2025-07-01T09:00:00Z' });
    expect(notice.subject).toBe('[Operation Endeavor] Not acknowledged: ref NP-2025-000123');
    expect(notice.text).toContain('Hollyhock Test Primary School');
    expect(notice.text).toContain('designated safeguarding lead');
    expect(notice.text).toContain('not acknowledged by Tuesday 1 July 2025 at 10:00 BST');
    expect(notice.html).toContain('<a href="https://endeavor.test/dashboard/episodes/ep_1">');
    expect(notice.headers['Auto-Submitted']).toBe('auto-generated');
    expect(notice.messageId).toBe('<esc_dlv_01HTEST@endeavor.test>');
    for (const part of [notice.subject, notice.text, notice.html]) expect(part).not.toMatch(childFragments);
  });

  it('failure: subject, organisation, role, last error, dashboard link, no child details', () => {
    const notice = renderFailureNotice({
      ...base,
      contact: { name: 'Sam Sample', role: 'deputy' },
      kind: 'alert',
      lastError: '550 5.1.1 <sam@school.test>: mailbox unavailable',
      attempts: 1,
    });
    expect(notice.subject).toBe('[Operation Endeavor] Delivery failed: ref NP-2025-000123');
    expect(notice.text).toContain('deputy designated safeguarding lead');
    expect(notice.text).toContain('Hollyhock Test Primary School');
    expect(notice.text).toContain('after 1 attempt');
    expect(notice.text).toContain('550 5.1.1 <sam@school.test>: mailbox unavailable');
    expect(notice.html).toContain('550 5.1.1 &lt;sam@school.test&gt;: mailbox unavailable');
    expect(notice.text).toContain('https://endeavor.test/dashboard/episodes/ep_1');
    // A retry goes to the contact as the directory has it then, not to the same person again (issue 8).
    expect(notice.text).not.toMatch(/correct the contact in the directory if needed, then retry/i);
    expect(notice.text).toMatch(/retry from the dashboard goes to the contact as the directory has it then/i);
    for (const part of [notice.subject, notice.text, notice.html]) expect(part).not.toMatch(childFragments);
  });
});

describe('shared part rendered once per event', () => {
  const changes = { risk: 'high' as const, note: 'Seen near the river', child: { description: 'Blue coat' } };
  const recipients: Array<Pick<MessageInput, 'organisation' | 'contact' | 'deliveryId' | 'ackUrl' | 'threadOf'>> = [
    { organisation: { type: 'school', id: '999001', name: 'Hollyhock Test Primary School' }, contact: { name: 'Alex Example', role: 'dsl' }, deliveryId: 'dl_one', ackUrl: 'https://endeavor.test/ack/tok_one', threadOf: 'dl_root1@endeavor.test' },
    { organisation: { type: 'gp', id: 'Z99001', name: 'Larkspur Test Surgery' }, contact: { name: 'Sam Sample', role: 'practice_manager' }, deliveryId: 'dl_two', ackUrl: 'https://endeavor.test/ack/tok_two', threadOf: 'dl_root2@endeavor.test' },
  ];

  for (const kind of KINDS) {
    for (const audience of ['direct', 'area'] as const) {
      it(`gives each recipient of a ${audience} ${kind} exactly the message rendered without sharing`, () => {
        // One event: its direct and area recipients share the same stored facts.
        const sharedKey = `ev_${kind}|ev_${kind}`;
        // Twice round: the first fills the cache, the second reads from it.
        for (let round = 0; round < 2; round++) {
          for (const r of recipients) {
            const plain = input({ kind, audience, ...(kind === 'update' ? { changes } : {}), ...r });
            const withShared = renderMessage({ ...plain, sharedKey });
            expect(withShared).toEqual(renderMessage(plain));
            // What names the recipient is theirs alone.
            expect(withShared.text).toContain(`Dear ${r.contact.name},`);
            expect(withShared.messageId).toBe(`<${r.deliveryId}@endeavor.test>`);
            for (const other of recipients.filter((o) => o !== r)) {
              expect(withShared.text).not.toContain(other.contact.name);
              expect(withShared.text).not.toContain(other.organisation.name);
              expect(withShared.text).not.toContain(other.ackUrl!);
              expect(withShared.html).not.toContain(other.ackUrl!);
              expect(JSON.stringify(withShared.headers)).not.toContain(other.threadOf!);
            }
          }
        }
      });
    }
  }

  it('keeps at most 500 shared parts', () => {
    for (let i = 0; i < 600; i++) renderMessage(input({ sharedKey: `ev_bound_${i}|ev_bound_${i}` }));
    expect(sharedPartsKept()).toBe(500);
  });
});
