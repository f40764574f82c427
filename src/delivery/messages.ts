import type { ChildDetails, PoliceContact, UpdatedEvent } from '../intake/event.schema';
import type { ContactRole, Organisation } from '../directory/organisation';
import { ageInYears, londonDate } from '../domain/london-time';

/**
 * Message rendering of SPEC §5: the emails to schools and GP practices, and the staff notices.
 * Pure: no I/O, no clock reads. Text and HTML are built from one list of blocks, so the two
 * parts always say the same thing and every value reaches HTML through one escape.
 */


/** The episode's current picture, merged from its events. Before the report arrives it may be partial. */
export type EpisodeFacts = {
  policeReference: string;
  risk: Risk;
  child: Partial<ChildDetails>;
  missingFrom?: 'home' | 'care' | 'other';
  lastSeen?: { at: string; area: string };
  concerns?: ChildConcern[];
  contact?: PoliceContact;
  /** The latest police note from an update; shown to direct recipients only. */
  note?: string;
};
type ChildConcern = NonNullable<UpdatedEvent['concerns']>[number];

/** What an update changed: the fields of a `missing.updated` event (the event itself will do). */
export type EpisodeChanges = Pick<UpdatedEvent, 'risk' | 'lastSeen' | 'concerns' | 'child' | 'note'>;

export type MessageInput = {
  kind: MessageKind;
  audience: Audience;
  episode: EpisodeFacts;
  /** For `update`: what this update changed (filtered by audience before it is shown). */
  changes?: EpisodeChanges;
  organisation: Pick<Organisation, 'type' | 'id' | 'name'>;
  contact: { name: string; role: ContactRole };
  deliveryId: string;
  /** Right-hand side of the Message-ID: `<deliveryId@messageDomain>`. */
  messageDomain: string;
  /** Message-ID of the alert a follow-up threads to (`<id@domain>`; brackets optional). */
  threadOf?: string;
  /** The acknowledgement link; shown on direct alerts, updates and reminders. */
  ackUrl?: string;
  /** The event's time (a reminder's: its due time): the "as of" line and the age in area messages. */
  occurredAt: string;
};

export type RenderedMessage = {
  subject: string;
  text: string;
  html: string;
  /** Extra headers for the transport; Message-ID is `messageId`, not repeated here. */
  headers: Record<string, string>;
  messageId: string;
};

// ---------------------------------------------------------------------------------------------
// Subjects

export { containsChildName, subjectLine } from './subject';
import { subjectFor, type ChildName } from './subject';
import type { Risk } from '../domain/risk';
import type { Audience, MessageKind } from '../domain/audience';
import { escapeHtml } from '../platform/html';
import { replaceUnsafeText } from '../platform/text';

// ---------------------------------------------------------------------------------------------
// Blocks: one model, two renderings

type Link = { label: string; href: string };
type Block =
  | { type: 'title'; text: string }
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'facts'; rows: Array<[label: string, value: string | Link]> }
  | { type: 'list'; items: string[] }
  | { type: 'link'; link: Link };

/** Control and bidi characters (the one text rule) could make a value read differently from what it is. */
const clean = (s: string) => replaceUnsafeText(s, ' ');

function renderText(blocks: Block[]): string {
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'title':
        out.push(clean(block.text).toUpperCase(), '');
        break;
      case 'heading':
        out.push(clean(block.text), '-'.repeat(clean(block.text).length));
        break;
      case 'paragraph':
        out.push(clean(block.text), '');
        break;
      case 'facts':
        for (const [label, value] of block.rows) {
          out.push(`${label}: ${clean(typeof value === 'string' ? value : value.label)}`);
        }
        out.push('');
        break;
      case 'list':
        for (const item of block.items) out.push(`- ${clean(item)}`);
        out.push('');
        break;
      case 'link':
        out.push(`${clean(block.link.label)}:`, clean(block.link.href), '');
        break;
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const anchor = (link: Link) => `<a href="${escapeHtml(link.href)}">${escapeHtml(clean(link.label))}</a>`;

function renderHtml(title: string, blocks: Block[]): string {
  const body = blocks.map((block) => {
    switch (block.type) {
      case 'title':
        return `<h1 style="font-size:1.4em">${escapeHtml(clean(block.text))}</h1>`;
      case 'heading':
        return `<h2 style="font-size:1.15em;margin-top:1.5em">${escapeHtml(clean(block.text))}</h2>`;
      case 'paragraph':
        return `<p>${escapeHtml(clean(block.text))}</p>`;
      case 'facts':
        return [
          '<dl>',
          ...block.rows.map(
            ([label, value]) =>
              `<dt style="font-weight:bold">${escapeHtml(label)}</dt>` +
              `<dd style="margin:0 0 0.6em 0">${typeof value === 'string' ? escapeHtml(clean(value)) : anchor(value)}</dd>`,
          ),
          '</dl>',
        ].join('\n');
      case 'list':
        return ['<ul>', ...block.items.map((item) => `<li>${escapeHtml(clean(item))}</li>`), '</ul>'].join('\n');
      case 'link':
        return `<p style="font-size:1.1em"><strong>${anchor(block.link)}</strong></p>`;
    }
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(clean(title))}</title>`,
    '</head>',
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#0b0c0c;max-width:40em;margin:0 auto;padding:1em">',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Formatting of values

const LONDON_DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/** An instant in UK local time, e.g. `Tuesday 1 July 2025 at 13:05 BST`. */
export function formatLondonDateTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    LONDON_DATE_TIME.formatToParts(at).find((p) => p.type === type)?.value ?? '';
  // Builds without full ICU name the summer zone "GMT+1".
  const zone = part('timeZoneName') === 'GMT+1' ? 'BST' : part('timeZoneName');
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')} at ${part('hour')}:${part('minute')} ${zone}`;
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** `2012-02-14` → `14 February 2012`; a calendar date, so no time zone is involved. */
export function formatDate(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && month ? `${Number(match[3])} ${month} ${match[1]}` : date;
}

const RISK_LABEL: Record<Risk, string> = { very_low: 'Very low', low: 'Low', medium: 'Medium', high: 'High' };
const GENDER_LABEL: Record<NonNullable<ChildDetails['gender']>, string> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Not known',
};
const MISSING_FROM_LABEL: Record<NonNullable<EpisodeFacts['missingFrom']>, string> = {
  home: 'Home',
  care: 'Care placement',
  other: 'Other',
};
const CONCERN_LABEL: Record<ChildConcern, string> = {
  cse: 'Child sexual exploitation (CSE)',
  cce: 'Child criminal exploitation (CCE)',
  trafficking: 'Trafficking',
  county_lines: 'County lines',
  self_harm: 'Self-harm',
  other: 'Other concerns (ask the police)',
};
const ROLE_LABEL: Record<ContactRole, string> = {
  dsl: 'designated safeguarding lead',
  deputy: 'deputy designated safeguarding lead',
  safeguarding_lead: 'safeguarding lead',
  practice_manager: 'practice manager',
};

const NOT_KNOWN = 'Not yet known';

function childName(child: Partial<ChildDetails>): string | undefined {
  const name = [child.givenName, child.familyName].filter(Boolean).join(' ');
  return name === '' ? undefined : name;
}

function ageOn(dateOfBirth: string | undefined, occurredAt: string): string {
  const at = new Date(occurredAt);
  if (!dateOfBirth || Number.isNaN(at.getTime())) return NOT_KNOWN;
  return `${ageInYears(dateOfBirth, londonDate(at))}`;
}

const concernsText = (concerns: ChildConcern[] | undefined) =>
  concerns === undefined ? NOT_KNOWN : concerns.length === 0 ? 'None recorded' : concerns.map((c) => CONCERN_LABEL[c]).join('; ');

/** A date of birth as the direct alert writes it: `14 May 2013 (age 13)`, the age at `at`. For screens that show the child too. */
export const dateOfBirthText = (dateOfBirth: string | undefined, at: string) =>
  dateOfBirth ? `${formatDate(dateOfBirth)} (age ${ageOn(dateOfBirth, at)})` : NOT_KNOWN;

/** Concerns as the direct alert writes them: `Child sexual exploitation (CSE); Self-harm`. */
export const concernsLabel = (concerns: ChildConcern[] | undefined) => concernsText(concerns);

const lookedAfterText = (lookedAfter: boolean | undefined) =>
  lookedAfter === undefined ? NOT_KNOWN : lookedAfter ? 'Yes: a looked-after child' : 'No';

const lastSeenText = (lastSeen: EpisodeFacts['lastSeen']) =>
  lastSeen ? `${formatLondonDateTime(lastSeen.at)}, ${lastSeen.area}` : NOT_KNOWN;

const telHref = (phone: string) => `tel:${phone.replace(/[^+0-9]/g, '')}`;

// ---------------------------------------------------------------------------------------------
// Recipient messages

/** Renders one delivery's email: subject, text and HTML parts, headers and Message-ID. */
export function renderMessage(input: MessageInput): RenderedMessage {
  const { kind, audience, episode } = input;
  const subject = subjectFor({ message: kind, risk: episode.risk }, episode.policeReference, episode.child);

  const blocks: Block[] = [{ type: 'title', text: TITLE[kind] }, ...greeting(input), ...bodyFor(input), FOOTER];
  const headers: Record<string, string> = {
    'Auto-Submitted': 'auto-generated',
    // Keeps Exchange out-of-office replies away from the sender.
    'X-Auto-Response-Suppress': 'All',
  };
  if (kind !== 'alert' && input.threadOf !== undefined) {
    const parent = angleId(input.threadOf);
    headers['In-Reply-To'] = parent;
    headers.References = parent;
  }
  if (audience === 'direct' && input.ackUrl !== undefined) assertHttpUrl(input.ackUrl);

  return {
    subject,
    text: renderText(blocks),
    html: renderHtml(subject, blocks),
    headers,
    messageId: messageIdFor(input.deliveryId, input.messageDomain),
  };
}

const TITLE: Record<MessageKind, string> = {
  alert: 'Missing child alert',
  update: 'Missing child update',
  reminder: 'Reminder: child still missing',
  found: 'Missing child found: alert closed',
  cancelled: 'Missing child alert cancelled',
};

function greeting({ contact, organisation }: MessageInput): Block[] {
  return [
    { type: 'paragraph', text: `Dear ${contact.name},` },
    {
      type: 'paragraph',
      text: `You are receiving this as ${ROLE_LABEL[contact.role]} at ${organisation.name}, under Operation Endeavor.`,
    },
  ];
}

function bodyFor(input: MessageInput): Block[] {
  const { kind, audience, episode, organisation } = input;
  const name = childName(episode.child);
  const ref = episode.policeReference;
  switch (kind) {
    case 'alert': {
      const intro =
        audience === 'direct'
          ? organisation.type === 'school'
            ? `The police have reported missing a child they record as attending ${organisation.name}. Please act on this alert today.`
            : `The police have reported missing a child they record as registered with ${organisation.name}. Please act on this alert today.`
          : 'The police have reported a child missing in your area. Please share this with staff who need to know so that they can look out for the child.';
      return [
        { type: 'paragraph', text: intro },
        ...currentPicture(input),
        ...whatToDo(input),
        ...acknowledgement(input, 'alert'),
      ];
    }
    case 'update': {
      const changed = changeList(input);
      return [
        { type: 'paragraph', text: `The police have updated the alert for ${name ?? 'a missing child'}, ref ${ref}. The child is still missing.` },
        { type: 'heading', text: 'What has changed' },
        changed.length > 0
          ? { type: 'list', items: changed }
          : { type: 'paragraph', text: 'The police have updated the details of this alert. The current picture is below.' },
        ...currentPicture(input),
        ...whatToDo(input),
        ...acknowledgement(input, 'update'),
      ];
    }
    case 'reminder':
      return [
        {
          type: 'paragraph',
          text: `${name ?? 'The child'} is still missing, ref ${ref}. This reminder is sent while the alert stays open: please keep looking out for the child.`,
        },
        ...currentPicture(input),
        ...whatToDo(input),
        ...acknowledgement(input, 'reminder'),
      ];
    case 'found':
    case 'cancelled':
      return closure(input);
  }
}

/** The child and the episode as they stand now, cut to what the audience may see. */
function currentPicture({ kind, audience, episode, changes, occurredAt }: MessageInput): Block[] {
  const { child } = episode;
  const direct = audience === 'direct';
  const childRows: Array<[string, string]> = [['Name', childName(child) ?? NOT_KNOWN]];
  if (direct) {
    const dob = child.dateOfBirth ? `${formatDate(child.dateOfBirth)} (age ${ageOn(child.dateOfBirth, occurredAt)})` : NOT_KNOWN;
    childRows.push(['Date of birth', dob]);
  } else {
    childRows.push(['Age', ageOn(child.dateOfBirth, occurredAt)]);
  }
  childRows.push(['Gender', child.gender ? GENDER_LABEL[child.gender] : 'Not stated']);
  childRows.push(['Description', child.description ?? 'None given']);
  if (direct) childRows.push(['Looked-after child', lookedAfterText(child.lookedAfter)]);

  const episodeRows: Array<[string, string]> = [
    ['Police reference', episode.policeReference],
    ['Risk', RISK_LABEL[episode.risk]],
  ];
  if (direct) episodeRows.push(['Missing from', episode.missingFrom ? MISSING_FROM_LABEL[episode.missingFrom] : NOT_KNOWN]);
  episodeRows.push(['Last seen', lastSeenText(episode.lastSeen)]);
  if (direct) episodeRows.push(['Concerns', concernsText(episode.concerns)]);
  // An update lists its new note under "What has changed"; saying it twice adds nothing.
  if (direct && episode.note && !(kind === 'update' && changes?.note)) episodeRows.push(['Latest police note', episode.note]);

  return [
    { type: 'heading', text: 'The child' },
    { type: 'facts', rows: childRows },
    { type: 'heading', text: 'The missing episode' },
    { type: 'facts', rows: episodeRows },
    ...policeContact(episode.contact),
    { type: 'paragraph', text: `Details as of ${formatLondonDateTime(occurredAt)}.` },
  ];
}

function policeContact(contact: PoliceContact | undefined): Block[] {
  const rows: Array<[string, string | Link]> = contact
    ? [
        ['Name', contact.name],
        ['Phone', { label: contact.phone, href: telHref(contact.phone) }],
        ...(contact.email ? [['Email', { label: contact.email, href: `mailto:${contact.email}` }] as [string, Link]] : []),
      ]
    : [['Contact', 'Call 101 and quote the police reference']];
  return [{ type: 'heading', text: 'Police contact' }, { type: 'facts', rows }];
}

/** An update's changes, each as a line, cut to what the audience may see. */
function changeList({ audience, changes, occurredAt }: MessageInput): string[] {
  if (!changes) return [];
  const direct = audience === 'direct';
  const items: string[] = [];
  const child = changes.child ?? {};
  if (changes.risk) items.push(`Risk is now ${RISK_LABEL[changes.risk]}`);
  if (changes.lastSeen) items.push(`Last seen: ${lastSeenText(changes.lastSeen)}`);
  if (child.givenName || child.familyName) items.push(`Name: ${childName(child)}`);
  if (child.dateOfBirth) {
    items.push(direct ? `Date of birth: ${formatDate(child.dateOfBirth)}` : `Age: ${ageOn(child.dateOfBirth, occurredAt)}`);
  }
  if (child.gender) items.push(`Gender: ${GENDER_LABEL[child.gender]}`);
  if (child.description) items.push(`Description: ${child.description}`);
  if (direct && child.lookedAfter !== undefined) items.push(`Looked-after child: ${lookedAfterText(child.lookedAfter)}`);
  if (direct && changes.concerns) items.push(`Concerns: ${concernsText(changes.concerns)}`);
  // A police note is free text that may carry anything: direct recipients only.
  if (direct && changes.note) items.push(`Police note: ${changes.note}`);
  return items;
}

function whatToDo({ audience, organisation, episode }: MessageInput): Block[] {
  const ref = episode.policeReference;
  const items =
    audience === 'direct'
      ? [
          organisation.type === 'school'
            ? 'Check attendance: is the child in school today, and has anyone seen or heard from them?'
            : 'Check attendance at the practice: any recent or booked appointments, or contact from the child?',
          `If you see the child or have any information, tell the police on 101, quoting reference ${ref}.`,
          'If the child is in immediate danger, call 999.',
          'Do not approach the family or carers about this alert.',
          'Share this only with staff who need to know.',
        ]
      : [
          'Look out for the child.',
          `If you see the child or have any information, tell the police on 101, quoting reference ${ref}.`,
          'If the child is in immediate danger, call 999.',
          'Do not approach the family or carers about this alert.',
          'Share this only with staff who need to know.',
        ];
  return [{ type: 'heading', text: 'What to do' }, { type: 'list', items }];
}

function acknowledgement({ audience, ackUrl }: MessageInput, what: 'alert' | 'update' | 'reminder'): Block[] {
  // Without a link the alert still goes: reaching the school matters more than the receipt.
  if (audience !== 'direct' || ackUrl === undefined) return [];
  return [
    { type: 'heading', text: 'Confirm receipt' },
    { type: 'paragraph', text: `Please confirm that you have received this ${what}, so that the police and the MASH team know it has reached you.` },
    { type: 'link', link: { label: `Confirm receipt of this ${what}`, href: ackUrl } },
  ];
}

/** Found and cancelled: who, that it is closed, and to stand down. Never where, never why. */
function closure({ kind, audience, episode, occurredAt }: MessageInput): Block[] {
  const name = childName(episode.child) ?? 'the child';
  const ref = episode.policeReference;
  const items = [`Remove ${name} from any watch lists and staff briefings about this alert.`];
  if (audience === 'direct') {
    items.push('Support the child on their return, following your usual safeguarding procedures.');
  }
  items.push(`If you have information that may still help the police, call 101 quoting reference ${ref}.`);
  return [
    {
      type: 'paragraph',
      text:
        kind === 'found'
          ? `${capitalise(name)}, police reference ${ref}, has been found. This alert is now closed.`
          : `The police have cancelled the alert for ${name}, police reference ${ref}. This alert is now closed.`,
    },
    { type: 'heading', text: 'What to do' },
    { type: 'list', items },
    { type: 'paragraph', text: `Alert closed as of ${formatLondonDateTime(occurredAt)}.` },
  ];
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const FOOTER: Block = {
  type: 'paragraph',
  text: 'This is an automatic message from Operation Endeavor. Please do not reply: call the police on 101 with any information. Keep it confidential and delete it when it is no longer needed.',
};

// ---------------------------------------------------------------------------------------------
// Staff notices (escalation, permanent failure): never any detail of the child

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


// ---------------------------------------------------------------------------------------------
// Identifiers

const ID_LEFT = /^[^\s<>@\p{Cc}]{1,200}$/u;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** `<deliveryId@messageDomain>`: the same for every resend of a delivery, so nothing threads twice. */
export function messageIdFor(id: string, messageDomain: string): string {
  if (!ID_LEFT.test(id)) throw new TypeError('message id: the id must be non-empty, without spaces, < > or @');
  if (!DOMAIN.test(messageDomain)) throw new TypeError('message id: the domain must be a host name');
  return `<${id}@${messageDomain}>`;
}

function angleId(messageId: string): string {
  const bare = messageId.trim().replace(/^<(.*)>$/, '$1');
  const at = bare.lastIndexOf('@');
  if (at < 1) throw new TypeError('threadOf must be a Message-ID such as <id@domain>');
  return messageIdFor(bare.slice(0, at), bare.slice(at + 1));
}

function assertHttpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('link must be an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('link must be http or https');
}
