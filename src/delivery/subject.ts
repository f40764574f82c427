import type { ChildDetails } from '../intake/event.schema';
import type { Risk } from '../domain/risk';
import { CONTROL_CHARACTERS, withoutInvisibleText } from '../platform/text';
import type { MessageKind } from '../domain/audience';

/**
 * The one subject builder for every email the service sends (SPEC §5): recipients' messages
 * and staff notices alike. No child's name in any subject: lock screens and mail lists show
 * it. A reference that holds any part of the child's name is withheld (the body still quotes
 * it), and so is every reference when the child's name is not known to check against.
 */

export type SubjectKind = MessageKind;
/** The child's name facts, from the episode fold; undefined when they cannot be read. */
export type ChildName = Partial<Pick<ChildDetails, 'givenName' | 'familyName'>>;

export type SubjectOf =
  | { message: SubjectKind; risk: Risk }
  | { notice: 'escalation' | 'failure' | 'superseded' }
  /** What a recipient answered on acknowledging, `from` their organisation. */
  | { notice: 'ack-answer'; from: string };

const SUBJECT_WORD: Record<SubjectKind, 'alert' | 'update' | 'found' | 'cancelled'> = {
  alert: 'alert',
  update: 'update',
  reminder: 'update', // SPEC §7: a reminder carries the update subject
  found: 'found',
  cancelled: 'cancelled',
};

const NOTICE_TITLE = {
  escalation: 'Not acknowledged',
  failure: 'Delivery failed',
  superseded: 'Recipient no longer active',
} as const;

export const WITHHELD_REFERENCE = '[withheld]';
const ANSWER_FROM_FALLBACK = 'a recipient';

/**
 * The reference as a subject or a page anyone may see can show it: withheld when it holds any
 * part of the child's name, or when the name is not known to check against.
 */
export function shownReference(policeReference: string, child: ChildName | undefined): string {
  const reference = subjectReference(policeReference);
  return !child || containsChildName(reference, child) ? WITHHELD_REFERENCE : reference;
}

/** Builds the subject of any email, then checks it once more: a name in it is a bug, and throws. */
export function subjectFor(of: SubjectOf, policeReference: string, child: ChildName | undefined): string {
  const reference = shownReference(policeReference, child);
  let subject: string;
  if ('message' in of) {
    subject = `[Operation Endeavor] ${riskCapitals(of.risk)} risk: missing child ${SUBJECT_WORD[of.message]}, ref ${reference}`;
  } else if (of.notice === 'ack-answer') {
    const from = headerText(of.from).slice(0, 80);
    const safeFrom = from === '' || !child || containsChildName(from, child) ? ANSWER_FROM_FALLBACK : from;
    subject = `[Operation Endeavor] Information from ${safeFrom}: ref ${reference}`;
  } else {
    subject = `[Operation Endeavor] ${NOTICE_TITLE[of.notice]}: ref ${reference}`;
  }
  assertNoChildNameInSubject(subject, child ?? {});
  return subject;
}

/**
 * `[Operation Endeavor] <RISK> risk: missing child <alert|update|found|cancelled>, ref <ref>`;
 * without the child, the reference is shown as is (callers that send mail pass the child).
 */
export function subjectLine(kind: SubjectKind, risk: Risk, policeReference: string, child?: ChildName): string {
  return subjectFor({ message: kind, risk }, policeReference, child ?? {});
}

const CONTROLS = new RegExp(`[${CONTROL_CHARACTERS}]`, 'g');

/** One line, no hidden or direction-changing characters: in a header every format character (\p{Cf}) goes, joiners too. */
const headerText = (text: string) =>
  withoutInvisibleText(text.replace(CONTROLS, ' '))
    .replace(/\p{Cf}/gu, '')
    .replace(/\s+/g, ' ')
    .trim();

/** A reference fit for a header. */
function subjectReference(policeReference: string): string {
  const reference = headerText(policeReference);
  return reference === '' ? WITHHELD_REFERENCE : reference;
}

const riskCapitals = (risk: Risk) => risk.replace(/_/g, ' ').toUpperCase();

/**
 * Lower-case letters and digits only, accents removed: `Zoë O'Neil` → `zoeoneil`. What the text
 * rule calls invisible goes first: a Hangul filler is a letter, and would split `ZEB\u3164EDEE`.
 */
const fold = (s: string) =>
  withoutInvisibleText(s.normalize('NFKD'))
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');

function nameParts(child: ChildName): string[] {
  const names = [child.givenName, child.familyName].filter((n): n is string => !!n);
  const parts = names.flatMap((n) => n.split(/[^\p{L}\p{N}\p{M}]+/u));
  return [...names, ...parts].map(fold).filter((p) => p.length > 0);
}

/**
 * Whether `text` holds any part of the child's name. Parts of three or more letters match
 * anywhere, even split by punctuation or hidden characters (`J.A.N.E`); shorter parts only
 * as whole words, so a child called "Al" does not withhold every reference with an "AL".
 */
export function containsChildName(text: string, child: ChildName): boolean {
  const folded = fold(text);
  const words = wordsOf(text);
  return nameParts(child).some((part) => (part.length >= 3 ? folded.includes(part) : words.has(part)));
}

/** The folded words of a text; hidden characters do not split a word. */
const wordsOf = (text: string) =>
  new Set(
    withoutInvisibleText(text.normalize('NFKD'))
      .replace(/[\p{M}\p{Cf}]/gu, '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean),
  );

/** The subjects' fixed words: a child called "High" or "Hope" must not stop an alert. */
const SUBJECT_VOCABULARY = new Set(
  [
    'operation endeavor very low medium high risk missing child alert update found cancelled ref withheld',
    'not acknowledged delivery failed recipient no longer active information from a',
  ]
    .join(' ')
    .split(' '),
);

/**
 * Last line of defence against a later edit putting a name into a subject. The fixed words are
 * checked word by word only: "Lowri" must not trip on "LOW risk" and stop an alert.
 */
function assertNoChildNameInSubject(subject: string, child: ChildName): void {
  const marker = ', ref ';
  const at = subject.lastIndexOf(marker) >= 0 ? subject.lastIndexOf(marker) + marker.length : subject.lastIndexOf(': ref ') + ': ref '.length;
  const reference = subject.slice(at);
  const templateWords = wordsOf(subject.slice(0, at));
  const templateHasName = nameParts(child).some((part) => !SUBJECT_VOCABULARY.has(part) && templateWords.has(part));
  if (templateHasName || (reference !== WITHHELD_REFERENCE && containsChildName(reference, child))) {
    throw new Error('refusing to render a subject that contains the child’s name');
  }
}
