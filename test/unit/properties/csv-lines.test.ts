import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseCsvRecords, readCsvRecords } from '../../../src/directory/csv-records';

/*
 * The CSV line counter (SPEC §2 import rejections name a line): each record is reported on the
 * physical line it starts on, as an editor counts them (CRLF, CR and LF each one break), for any
 * quoting, commas, quotes and line breaks inside fields, and blank lines between rows.
 */

const fieldText = fc.array(fc.constantFrom('a', 'Z', 'é', ' ', ',', '"', '\n', '\r\n', '\r', '1', '-'), { maxLength: 8 }).map((parts) => parts.join(''));
const field = fc.record({ text: fieldText, quoteAnyway: fc.boolean() });
const row = fc
  .array(field, { minLength: 1, maxLength: 4 })
  // A row of one blank field is a blank line to the reader, so it is not a record.
  .filter((fields) => fields.length > 1 || fields[0]!.text.trim() !== '');
const file = fc.record({
  rows: fc.array(fc.record({ fields: row, blankLinesBefore: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 8 }),
  lineEnd: fc.constantFrom('\n', '\r\n'),
  trailingLineEnd: fc.boolean(),
});

const encode = ({ text, quoteAnyway }: { text: string; quoteAnyway: boolean }) =>
  quoteAnyway || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;

const breaksIn = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

/** The CSV text, the records a reader should see, and the line each starts on. */
function build({ rows, lineEnd, trailingLineEnd }: { rows: { fields: { text: string; quoteAnyway: boolean }[]; blankLinesBefore: number }[]; lineEnd: string; trailingLineEnd: boolean }) {
  let text = '';
  const expected: { line: number; fields: string[] }[] = [];
  rows.forEach(({ fields, blankLinesBefore }, i) => {
    if (i > 0) text += lineEnd;
    text += lineEnd.repeat(i > 0 ? blankLinesBefore : 0);
    expected.push({ line: 1 + breaksIn(text), fields: fields.map((f) => f.text) });
    text += fields.map(encode).join(',');
  });
  if (trailingLineEnd) text += lineEnd;
  return { text, expected };
}

describe('the CSV line counter (properties)', () => {
  it('reports every record on the physical line it starts on, whatever is quoted inside', () => {
    fc.assert(
      fc.property(file, (f) => {
        const { text, expected } = build(f);
        expect(parseCsvRecords(text)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('counts the same when the file is streamed in any chunk sizes (Windows-1252)', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 16 }), async (f, size) => {
        const { text, expected } = build(f);
        const bytes = iconv.encode(text, 'win1252');
        async function* chunks() {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        }
        const records = [];
        for await (const record of readCsvRecords(chunks())) records.push(record);
        expect(records).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
