import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../../src/platform/html';
import { hasUnsafeText, replaceUnsafeText, singleLineText, withoutUnsafeText } from '../../../src/platform/text';

/** Bidirectional controls that can re-order what a reader sees (Trojan Source, CVE-2021-42574). */
const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
const CONTROLS = ['\u0000', '\u0007', '\n', '\r', '\t', '\u001b', '\u007f', '\u0085', '\u009f'];
/** Invisible or line-breaking, and lone surrogates (found by an outside probe: they were accepted). */
const INVISIBLE = ['\u200b', '\u2060', '\ufeff', '\u2028', '\u2029', '\ud800', '\udfff'];
/**
 * Every other format character (\p{Cf}: soft hyphen, invisible operators, deprecated format
 * characters, tags, interlinear annotation, Mongolian vowel separator), the combining grapheme
 * joiner, the Hangul fillers, and U+FFFD (what an invalid UTF-8 byte decodes to): a second probe.
 */
const FORMAT = ['\u00ad', '\u2061', '\u2064', '\u206a', '\u206f', '\u{e0001}', '\u{e0041}', '\u{e007f}', '\ufff9', '\ufffb', '\u180e', '\u0600'];
const FILLERS = ['\u034f', '\u115f', '\u1160', '\u3164', '\uffa0', '\ufffd'];

describe('the shared text rule', () => {
  it.each([...BIDI, ...CONTROLS, ...INVISIBLE, ...FORMAT, ...FILLERS].map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c]))('rejects %s inside a value', (_name, c) => {
    expect(hasUnsafeText(`Fict${c}ional`)).toBe(true);
    const result = singleLineText(100).safeParse(`Fict${c}ional`);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must not contain control characters, bidirectional controls or invisible characters');
  });

  it('accepts ordinary names in any script, trimmed', () => {
    // Joiners (U+200C, U+200D) stay: Persian and emoji need them; a surrogate pair is one character.
    for (const name of ['Zoë O’Brien-Smith', 'محمد', 'שרה כהן', 'Łucja Żółć', '李小龍', 'Ana 👩‍🔬', 'می\u200cخواهم', '𝒜da']) {
      expect(singleLineText(100).parse(` ${name} `)).toBe(name);
    }
  });

  it.each([...BIDI, ...CONTROLS, ...INVISIBLE, ...FORMAT, ...FILLERS].map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c]))(
    'leaves nothing the rule refuses when %s is dropped for display or replaced on one line',
    (_name, c) => {
      expect(hasUnsafeText(withoutUnsafeText(`Fict${c}ional`).replace(/[\n\t]/g, ''))).toBe(false);
      expect(hasUnsafeText(replaceUnsafeText(`Fict${c}ional`, ' '))).toBe(false);
    },
  );

  it('keeps length limits and non-empty', () => {
    expect(singleLineText(5).safeParse('abcdef').success).toBe(false);
    expect(singleLineText(5).safeParse('   ').success).toBe(false);
  });
});

describe('HTML rendering of stored text', () => {
  it('drops bidirectional controls and control characters, whatever was stored before the rule', () => {
    expect(escapeHtml('Test\u202echild\u2066<b>')).toBe('Testchild&lt;b&gt;');
    expect(html`<dd>${'\u200fFict\u0007ional\u061c'}</dd>`.value).toBe('<dd>Fictional</dd>');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
        expect(hasUnsafeText(escapeHtml(text).replace(/[\n\t]/g, ''))).toBe(false);
      }),
    );
  });
});
