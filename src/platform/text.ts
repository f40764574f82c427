import { z } from 'zod';

/*
 * The one rule for free text we store and show (names, areas, notes): no control characters
 * (C0, DEL, C1; a newline included, values are single lines) and no bidirectional controls —
 * embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the marks U+200E, U+200F and
 * U+061C — which make text read differently from what it is (a name shown backwards, a
 * reference that looks like another). Nor any other format character (\p{Cf}: zero-width space,
 * soft hyphen, tags…) except the zero-width (non-)joiners; nor the invisible letters and marks
 * (Hangul fillers, the combining grapheme joiner), line separators, lone surrogates, or U+FFFD,
 * which is what a byte that is not UTF-8 decodes to: better a 422 than a mangled name.
 * Letters of right-to-left scripts are fine.
 */
/** C0, DEL and C1: Unicode's \p{Cc}, as a character-class body for other patterns to build on. */
export const CONTROL_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f';
const BIDI_CONTROLS = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const LINE_SEPARATORS = '\\u2028\\u2029';
/** Letters and a mark that show as nothing. The zero-width (non-)joiners stay: some scripts and emoji need them. */
const HIDDEN_LETTERS = '\\u034f\\u115f\\u1160\\u3164\\uffa0';
const INVISIBLE = `(?![\\u200c\\u200d])\\p{Cf}|[${HIDDEN_LETTERS}]`;
/** Half of a surrogate pair on its own (not a character, it cannot be written as UTF-8), and U+FFFD. */
const NOT_TEXT = '\\p{Cs}\\ufffd';
/** What a one-line rendering replaces (it breaks, re-orders or stands for lost text), and what it simply drops. */
const REPLACED = `[${CONTROL_CHARACTERS}${BIDI_CONTROLS}${LINE_SEPARATORS}${NOT_TEXT}]`;
const UNSAFE = new RegExp(`${REPLACED}|${INVISIBLE}`, 'u');
const REPLACED_ALL = new RegExp(REPLACED, 'gu');
const INVISIBLE_ALL = new RegExp(INVISIBLE, 'gu');
/** All of it but tab and newline, which a multi-line display keeps. */
const UNSAFE_FOR_DISPLAY = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f${LINE_SEPARATORS}${NOT_TEXT}]|${INVISIBLE}`, 'gu');

/** Characters the rule refuses that are invisible or pass for nothing: a name-matching fold drops them. */
export const withoutInvisibleText = (text: string): string => text.replace(INVISIBLE_ALL, '');

export const UNSAFE_TEXT_MESSAGE = 'must not contain control characters, bidirectional controls or invisible characters';

/** True when the text holds a character the rule refuses. */
export const hasUnsafeText = (text: string): boolean => UNSAFE.test(text);

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
export const replaceUnsafeText = (text: string, by: string): string => withoutInvisibleText(text.replace(REPLACED_ALL, by));
