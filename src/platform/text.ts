import { z } from 'zod';

/*
 * The one rule for free text we store and show (names, areas, notes): no control characters
 * (C0, DEL, C1; a newline included, values are single lines) and no bidirectional controls —
 * embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the marks U+200E, U+200F and
 * U+061C — which make text read differently from what it is (a name shown backwards, a
 * reference that looks like another), invisible characters and line separators, and lone
 * surrogates. Letters of right-to-left scripts are fine.
 */
/** C0, DEL and C1: Unicode's \p{Cc}, as a character-class body for other patterns to build on. */
export const CONTROL_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f';
const BIDI_CONTROLS = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
/**
 * Invisible characters and line breaks outside C0/C1 (zero-width space, word joiner, byte-order
 * mark; line and paragraph separators). Zero-width (non-)joiners stay: some scripts and emoji need them.
 */
const ZERO_WIDTH = '\\u200b\\u2060\\ufeff';
const LINE_SEPARATORS = '\\u2028\\u2029';
const INVISIBLE = `${ZERO_WIDTH}${LINE_SEPARATORS}`;
/** Half of a surrogate pair on its own: not a character, and it cannot be written as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE = new RegExp(`[${CONTROL_CHARACTERS}${BIDI_CONTROLS}${INVISIBLE}]`);
/** What a one-line rendering replaces (it breaks or hides a line), and what it simply drops (it is invisible). */
const REPLACED_ALL = new RegExp(`[${CONTROL_CHARACTERS}${BIDI_CONTROLS}${LINE_SEPARATORS}]`, 'g');
const ZERO_WIDTH_ALL = new RegExp(`[${ZERO_WIDTH}]`, 'g');
/** The same, but tab and newline, which a multi-line display keeps. */
const UNSAFE_FOR_DISPLAY = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}${INVISIBLE}]`, 'g');

export const UNSAFE_TEXT_MESSAGE = 'must not contain control characters, bidirectional controls or invisible characters';

/** True when the text holds a character the rule refuses. */
export const hasUnsafeText = (text: string): boolean => UNSAFE.test(text) || LONE_SURROGATE.test(text);

/** Trimmed, single-line text of 1 (or `min`) to `max` characters under the rule. */
export const singleLineText = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasUnsafeText(s), UNSAFE_TEXT_MESSAGE);

/**
 * For display of text stored before the rule: drops the characters it refuses (newlines and
 * tabs are kept, markup decides what they mean).
 */
export const withoutUnsafeText = (text: string): string => text.replace(UNSAFE_FOR_DISPLAY, '');

/** Every character the rule refuses, a newline included, replaced (a one-line rendering of stored text). */
export const replaceUnsafeText = (text: string, by: string): string => text.replace(REPLACED_ALL, by).replace(ZERO_WIDTH_ALL, '');
