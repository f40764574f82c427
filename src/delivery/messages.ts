import type { PoliceContact } from '../intake/event.schema';
import type { MessageKind } from '../domain/audience';
import { FOOTER, prerender, renderHtml, renderText, type Block, type Link } from './message-blocks';
import { angleId, assertHttpUrl, messageIdFor } from './message-ids';
import type { MessageInput, RenderedMessage } from './message-types';
import {
  GENDER_LABEL,
  MISSING_FROM_LABEL,
  NOT_KNOWN,
  RISK_LABEL,
  ROLE_LABEL,
  ageOn,
  capitalise,
  childName,
  concernsText,
  formatDate,
  formatLondonDateTime,
  lastSeenText,
  lookedAfterText,
  telHref,
} from './message-words';
import { subjectFor } from './subject';

/**
 * Message rendering of SPEC §5: the emails to schools and GP practices (here) and the staff
 * notices (staff-notices.ts). Pure: no I/O, no clock reads. Text and HTML are built from one
 * list of blocks (message-blocks.ts); values are written by message-words.ts.
 */

export { containsChildName, subjectLine } from './subject';

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

/*
 * The parts every recipient of one event shares (the current picture, an update's changes, a
 * closure's body) depend only on the stored facts, the kind and the audience: with a sharedKey
 * they are rendered once and reused, most recently used kept, up to SHARED_LIMIT. What names the
 * recipient (greeting, organisation, ack link, Message-ID, threading headers) is never kept.
 */
const SHARED_LIMIT = 500;
const sharedParts = new Map<string, Block>();

function shared(input: MessageInput, part: string, build: () => Block[]): Block[] {
  if (input.sharedKey === undefined) return build();
  const key = `${input.sharedKey}|${input.kind}|${input.audience}|${part}`;
  let block = sharedParts.get(key);
  if (block) {
    sharedParts.delete(key);
  } else {
    block = prerender(build());
    if (sharedParts.size >= SHARED_LIMIT) sharedParts.delete(sharedParts.keys().next().value!);
  }
  sharedParts.set(key, block);
  return [block];
}

/** How many shared parts are kept now (tests: the cache stays bounded). */
export const sharedPartsKept = () => sharedParts.size;

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
        ...shared(input, 'picture', () => currentPicture(input)),
        ...whatToDo(input),
        ...acknowledgement(input, 'alert'),
      ];
    }
    case 'update': {
      return [
        ...shared(input, 'update', () => {
          const changed = changeList(input);
          return [
            { type: 'paragraph', text: `The police have updated the alert for ${name ?? 'a missing child'}, ref ${ref}. The child is still missing.` },
            { type: 'heading', text: 'What has changed' },
            changed.length > 0
              ? { type: 'list', items: changed }
              : { type: 'paragraph', text: 'The police have updated the details of this alert. The current picture is below.' },
            ...currentPicture(input),
          ];
        }),
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
        ...shared(input, 'picture', () => currentPicture(input)),
        ...whatToDo(input),
        ...acknowledgement(input, 'reminder'),
      ];
    case 'found':
    case 'cancelled':
      return shared(input, 'closure', () => closure(input));
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
