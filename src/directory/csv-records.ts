import { Readable, pipeline } from 'node:stream';
import { CsvError, parse, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import iconv from 'iconv-lite';

/**
 * Shared CSV plumbing of the directory importers: records with the physical line they
 * start on, so a rejection can say "line 7" and the admin finds line 7 in their editor.
 */

/** The file as a whole cannot be read (bad header, broken quoting): nothing in it is trusted. */
export class ImportFormatError extends Error {
  override name = 'ImportFormatError';
  constructor(
    message: string,
    /** 1-based physical line where the problem was found, when there is one. */
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

export type CsvRecord = { line: number; fields: string[] };

/*
 * csv-parse's own `info.lines` counts a CRLF inside a quoted field twice, so lines are
 * counted here from each record's raw text (every CRLF, CR or LF is one line break).
 * Counting happens in `on_record`, as the parser goes, so a parse error knows its line too.
 */
const LINE_BREAK = /\r\n|\r|\n/g;

class LineCounter {
  next = 1;

  /** With `raw` on, csv-parse hands `on_record` the record with its raw text. */
  take = ({ record, raw }: { record: string[]; raw: string }): CsvRecord | undefined => {
    const line = this.next;
    this.next += raw.match(LINE_BREAK)?.length ?? 0;
    const blank = record.length === 1 && (record[0] ?? '').trim() === '';
    return blank ? undefined : { line, fields: record };
  };
}

function optionsFor(counter: LineCounter): Options {
  return {
    bom: true,
    // Field counts are checked by each importer so that a short row is rejected, not fatal.
    relax_column_count: true,
    // Blank lines come through so the count stays physical; `take` drops them.
    skip_empty_lines: false,
    raw: true,
    // A stray quote would otherwise swallow the rest of a 50 MB national file into one field.
    max_record_size: 100_000,
    // The typings do not model `raw: true`, under which on_record gets { record, raw }.
    on_record: counter.take as unknown as Options['on_record'],
  };
}

const REASONS: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field is followed by text before the next comma',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  INVALID_OPENING_QUOTE: 'a quote appears inside an unquoted field',
  CSV_MAX_RECORD_SIZE: 'a record is too large (is a quote left open?)',
};

/** Never echoes field values: a broken row may hold a person's name. */
function toFormatError(error: unknown, line: number): unknown {
  if (!(error instanceof CsvError)) return error;
  return new ImportFormatError(`malformed CSV: ${REASONS[error.code] ?? error.code}`, line);
}

/** Every non-blank record of a whole CSV text (the contacts import is small enough to hold). */
export function parseCsvRecords(text: string): CsvRecord[] {
  const counter = new LineCounter();
  try {
    return parseSync(text, optionsFor(counter)) as unknown as CsvRecord[];
  } catch (error) {
    throw toFormatError(error, counter.next);
  }
}

/**
 * Streams the non-blank records of a CSV in a single-byte encoding (GIAS and ODS extracts are
 * Windows-1252), decoding with iconv-lite so a national file never sits in memory whole.
 */
export async function* readCsvRecords(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  encoding = 'win1252',
): AsyncGenerator<CsvRecord> {
  const counter = new LineCounter();
  const parser = parse(optionsFor(counter));
  // Errors of any stage reach the loop below: pipeline destroys the parser with them.
  pipeline(Readable.from(input), iconv.decodeStream(encoding), parser, () => {});
  try {
    yield* parser as AsyncIterable<CsvRecord>;
  } catch (error) {
    throw toFormatError(error, counter.next);
  }
}
