import type { ContactRole, Organisation } from '../directory/organisation';
import type { MessageKind } from '../domain/audience';
import type { Risk } from '../domain/risk';
import { clean, renderHtml, renderText, type Block } from './message-blocks';
import { assertHttpUrl, messageIdFor } from './message-ids';
import type { RenderedMessage } from './message-types';
import { RISK_LABEL, ROLE_LABEL, formatLondonDateTime } from './message-words';
import { subjectFor, type ChildName } from './subject';

/* Staff notices (escalation, permanent failure, superseded, answer): never any detail of the child. */

type StaffNoticeBase = {
  policeReference: string;
  /** The child's name facts (from the episode fold), only to keep them out of the subject; undefined = unknown, reference withheld. */
  child: ChildName | undefined;
  organisation: Pick<Organisation, 'type' | 'id' | 'name'>;
  contact: { name: string; role: ContactRole };
  /** Where the MASH team sees the episode, e.g. `${PUBLIC_BASE_URL}/dashboard/episodes/{episodeId}`. */
  dashboardUrl: string;
  /** This notice's own id: the Message-ID is `<noticeId@messageDomain>`. */
  noticeId: string;
  messageDomain: string;
  risk?: Risk;
};

export type EscalationNoticeInput = StaffNoticeBase & {
  sentAt?: string;
  deadlineAt?: string;
};

export type FailureNoticeInput = StaffNoticeBase & {
  /** The kind of the delivery that failed. */
  kind: MessageKind;
  lastError: string;
  attempts?: number;
};

/** `[Operation Endeavor] Not acknowledged: ref <ref>`: a direct alert passed its deadline unacknowledged. */
export function renderEscalationNotice(input: EscalationNoticeInput): RenderedMessage {
  const subject = subjectFor({ notice: 'escalation' }, input.policeReference, input.child);
  const who = `the ${ROLE_LABEL[input.contact.role]} (${input.contact.name}) at ${input.organisation.name}`;
  const when = [
    input.sentAt ? ` was sent at ${formatLondonDateTime(input.sentAt)}` : ' was sent',
    input.deadlineAt ? ` and was not acknowledged by ${formatLondonDateTime(input.deadlineAt)}` : ' and has not been acknowledged in time',
  ].join('');
  return renderStaffNotice(input, subject, 'Alert not acknowledged', [
    { type: 'paragraph', text: `A direct missing-child alert, police reference ${input.policeReference}, to ${who}${when}.` },
    ...noticeFacts(input),
    { type: 'heading', text: 'What to do' },
    {
      type: 'list',
      items: [
        `Make sure someone at ${input.organisation.name} has seen the alert: contact them directly.`,
        'Check the episode and its deliveries on the dashboard.',
      ],
    },
  ]);
}

/** `[Operation Endeavor] Delivery failed: ref <ref>`: a direct delivery failed for good. */
export function renderFailureNotice(input: FailureNoticeInput): RenderedMessage {
  const subject = subjectFor({ notice: 'failure' }, input.policeReference, input.child);
  const who = `the ${ROLE_LABEL[input.contact.role]} (${input.contact.name}) at ${input.organisation.name}`;
  const tries = input.attempts === undefined ? '' : ` after ${input.attempts} attempt${input.attempts === 1 ? '' : 's'}`;
  const lastError = clean(input.lastError).replace(/\s+/g, ' ').trim().slice(0, 500) || 'not recorded';
  return renderStaffNotice(input, subject, 'Delivery failed', [
    {
      type: 'paragraph',
      text: `A direct missing-child ${input.kind}, police reference ${input.policeReference}, could not be delivered to ${who}${tries}.`,
    },
    ...noticeFacts(input),
    { type: 'facts', rows: [['Last error', lastError]] },
    { type: 'heading', text: 'What to do' },
    {
      type: 'list',
      items: [
        `Reach ${input.organisation.name} another way, for example by phone.`,
        'A retry from the dashboard goes to the contact as the directory has it then: if the address was wrong, correct it first; if this person has left, deactivate them and add whoever replaces them, and the retry will go to the new contact instead.',
      ],
    },
  ]);
}

export type SupersededNoticeInput = StaffNoticeBase & {
  /** The kind of the delivery that was not sent. */
  kind: MessageKind;
  /** Why, as the delivery's history says it (`superseded: the contact has been deactivated…`). */
  reason: string;
};

/**
 * `[Operation Endeavor] Recipient no longer active: ref <ref>`: a direct message was not sent
 * because its contact or organisation is no longer active in the directory (SPEC §6).
 */
export function renderSupersededNotice(input: SupersededNoticeInput): RenderedMessage {
  const subject = subjectFor({ notice: 'superseded' }, input.policeReference, input.child);
  const who = `the ${ROLE_LABEL[input.contact.role]} (${input.contact.name}) at ${input.organisation.name}`;
  const reason = clean(input.reason).replace(/^superseded:\s*/, '').replace(/\s+/g, ' ').trim().slice(0, 200) || 'the recipient is no longer active';
  return renderStaffNotice(input, subject, 'Recipient no longer active', [
    {
      type: 'paragraph',
      text: `A direct missing-child ${input.kind}, police reference ${input.policeReference}, was not sent to ${who}: ${reason}.`,
    },
    ...noticeFacts(input),
    { type: 'heading', text: 'What happens now' },
    {
      type: 'list',
      items: [
        `While the child is missing, anyone now listed as an active contact of ${input.organisation.name} who has not had the alert is sent it.`,
        `If nobody at ${input.organisation.name} is listed any more, reach them another way and add a contact in the directory.`,
      ],
    },
  ]);
}

export type AckAnswerNoticeInput = StaffNoticeBase & {
  inSchoolToday: boolean | null;
  note: string | null;
  acknowledgedAt: string | null;
};

/**
 * `[Operation Endeavor] Information from <organisation>: ref <ref>`: what a recipient said on
 * confirming receipt, for the police contact of the episode (SPEC §7). Police know the child;
 * the notice still names only the organisation, the role and what was said.
 */
export function renderAckAnswerNotice(input: AckAnswerNoticeInput): RenderedMessage {
  const subject = subjectFor({ notice: 'ack-answer', from: input.organisation.name }, input.policeReference, input.child);
  const rows: Array<[string, string]> = [];
  if (input.inSchoolToday) rows.push(['In school today', 'Yes: the child is in school today']);
  if (input.note) rows.push(['Note for police', clean(input.note).slice(0, 500)]);
  if (input.acknowledgedAt) rows.push(['Receipt confirmed', formatLondonDateTime(input.acknowledgedAt)]);
  return renderStaffNotice(input, subject, 'Information from a recipient', [
    {
      type: 'paragraph',
      text: `The ${ROLE_LABEL[input.contact.role]} (${input.contact.name}) at ${input.organisation.name} confirmed receipt of the alert with police reference ${input.policeReference} and said:`,
    },
    { type: 'facts', rows },
    ...noticeFacts(input),
  ]);
}

function noticeFacts(input: StaffNoticeBase): Block[] {
  const rows: Array<[string, string]> = [
    ['Police reference', input.policeReference],
    ['Organisation', `${input.organisation.name} (${input.organisation.type === 'school' ? 'school' : 'GP practice'} ${input.organisation.id})`],
    ['Contact', `${input.contact.name}, ${ROLE_LABEL[input.contact.role]}`],
  ];
  if (input.risk) rows.push(['Risk', RISK_LABEL[input.risk]]);
  return [{ type: 'facts', rows }];
}

function renderStaffNotice(input: StaffNoticeBase, subject: string, title: string, content: Block[]): RenderedMessage {
  assertHttpUrl(input.dashboardUrl);
  const blocks: Block[] = [
    { type: 'title', text: title },
    { type: 'paragraph', text: 'Dear colleague,' },
    ...content,
    { type: 'link', link: { label: 'Open the episode on the dashboard', href: input.dashboardUrl } },
    {
      type: 'paragraph',
      text: 'This notice holds no details of the child: sign in to the dashboard to see them. This is an automatic message from Operation Endeavor.',
    },
  ];
  return {
    subject,
    text: renderText(blocks),
    html: renderHtml(subject, blocks),
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    messageId: messageIdFor(input.noticeId, input.messageDomain),
  };
}
