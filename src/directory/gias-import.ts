import { URN_PATTERN } from './organisation';
import { ImportFormatError, readCsvRecords } from './csv-records';

export { ImportFormatError } from './csv-records';

/**
 * Reads the DfE "Get Information About Schools" establishments extract (reference/README.md):
 * cp1252, every field quoted, ~140 columns found by header name, ~50,000 rows nationally,
 * so it is streamed and filtered by local authority as it goes.
 */

export type GiasEstablishment = {
  kind: 'row';
  line: number;
  urn: string;
  name: string;
  postcode: string | undefined;
  /** Open, or open but proposed to close: still has pupils who can go missing. */
  active: boolean;
  /** `PhaseOfEducation (name)`, e.g. Primary, Middle deemed secondary. */
  phase: string | undefined;
};
export type GiasRejected = { kind: 'rejected'; line: number; reason: string };

const REQUIRED = ['URN', 'LA (code)', 'EstablishmentName', 'EstablishmentStatus (name)', 'Postcode'] as const;
const PHASE = 'PhaseOfEducation (name)';

const ACTIVE_STATUSES = new Set(['Open', 'Open, but proposed to close']);
const INACTIVE_STATUSES = new Set(['Closed', 'Proposed to open']);

/**
 * Yields the establishments of one local authority (`la`, e.g. "929" for Northumberland) and
 * the rows of that authority that cannot be used. Throws ImportFormatError when the file is
 * not a GIAS extract (missing columns, broken quoting).
 */
export async function* readGiasEstablishments(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  { la }: { la: string },
): AsyncGenerator<GiasEstablishment | GiasRejected> {
  if (!/^\d{3}$/.test(la)) throw new RangeError('la must be a 3-digit local authority code');

  let columns: Map<string, number> | undefined;
  let width = 0;
  for await (const { line, fields } of readCsvRecords(input, 'win1252')) {
    if (columns === undefined) {
      columns = new Map(fields.map((name, i) => [name.trim(), i]));
      const missing = REQUIRED.filter((c) => !columns?.has(c));
      if (missing.length > 0) {
        throw new ImportFormatError(
          `not a GIAS establishments extract: the header lacks ${missing.map((c) => `"${c}"`).join(', ')}`,
          line,
        );
      }
      width = fields.length;
      continue;
    }
    // A short or long row cannot be read by position, and might be one of our schools.
    if (fields.length !== width) {
      yield { kind: 'rejected', line, reason: `expected ${width} fields, found ${fields.length}` };
      continue;
    }
    const at = (column: string) => (fields[columns?.get(column) ?? -1] ?? '').trim();
    if (at('LA (code)') !== la) continue;

    const urn = at('URN');
    const name = at('EstablishmentName');
    const status = at('EstablishmentStatus (name)');
    const reasons = [
      URN_PATTERN.test(urn) ? '' : 'URN must be 6 digits',
      name === '' ? 'EstablishmentName is empty' : '',
      // An unknown status must not silently deactivate a school that is still open.
      ACTIVE_STATUSES.has(status) || INACTIVE_STATUSES.has(status) ? '' : 'EstablishmentStatus (name) is not a known status',
    ].filter(Boolean);
    if (reasons.length > 0) {
      yield { kind: 'rejected', line, reason: reasons.join('; ') };
      continue;
    }
    yield {
      kind: 'row',
      line,
      urn,
      name,
      postcode: at('Postcode') || undefined,
      active: ACTIVE_STATUSES.has(status),
      phase: at(PHASE) || undefined,
    };
  }
  if (columns === undefined) throw new ImportFormatError('the file is empty: a GIAS header row is required');
}
