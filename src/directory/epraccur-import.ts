import { postcodeDistrict } from '../../config/localities';
import { ODS_PATTERN } from './organisation';
import { readCsvRecords } from './csv-records';

export { ImportFormatError } from './csv-records';

/**
 * Reads the NHS ODS `epraccur` file (reference/README.md): no header, 27 fields by position,
 * every practice in England and Wales, so it is streamed and filtered as it goes.
 */

export type EpraccurPractice = {
  kind: 'row';
  line: number;
  odsCode: string;
  name: string;
  postcode: string | undefined;
  /** Status code A; closed (C), dormant (D) and proposed (P) practices are inactive. */
  active: boolean;
};
export type EpraccurRejected = { kind: 'rejected'; line: number; reason: string };

export type EpraccurFilter = {
  /** Commissioner (field 15), e.g. "00L" for Northumberland. */
  commissioner?: string;
  /**
   * Postcode areas ("TD") or districts ("NE61"), matched against the whole outward code so
   * that "NE4" never catches NE46.
   */
  postcodePrefixes?: string[];
};

export const EPRACCUR_FIELD_COUNT = 27;

// 0-based positions of the 1-based fields the ODS documentation numbers.
const CODE = 0;
const NAME = 1;
const POSTCODE = 9;
const STATUS = 12;
const COMMISSIONER = 14;
const PRESCRIBING_SETTING = 25;

const GP_PRACTICE_SETTING = '4';
const STATUSES = new Set(['A', 'C', 'D', 'P']);

function matchesPostcode(postcode: string, prefixes: readonly string[]): boolean {
  const district = postcodeDistrict(postcode);
  if (district === undefined) return false;
  const area = /^[A-Z]+/.exec(district)?.[0];
  return prefixes.some((p) => {
    const prefix = p.trim().toUpperCase();
    return prefix === district || prefix === area;
  });
}

/**
 * Yields the GP practices (prescribing setting 4) that pass every filter given, and the rows
 * that cannot be used. Other settings (walk-in centres, prisons…) are skipped silently: they
 * are not practices a child is registered with. A row with a field count other than 27 is
 * rejected whatever it holds, because its fields cannot be read by position.
 */
export async function* readEpraccurPractices(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  filter: EpraccurFilter = {},
): AsyncGenerator<EpraccurPractice | EpraccurRejected> {
  const commissioner = filter.commissioner?.trim().toUpperCase();
  for await (const { line, fields } of readCsvRecords(input, 'win1252')) {
    if (fields.length !== EPRACCUR_FIELD_COUNT) {
      yield { kind: 'rejected', line, reason: `expected ${EPRACCUR_FIELD_COUNT} fields, found ${fields.length}` };
      continue;
    }
    const at = (position: number) => (fields[position] ?? '').trim();
    if (at(PRESCRIBING_SETTING) !== GP_PRACTICE_SETTING) continue;
    if (commissioner !== undefined && at(COMMISSIONER).toUpperCase() !== commissioner) continue;
    if (filter.postcodePrefixes !== undefined && !matchesPostcode(at(POSTCODE), filter.postcodePrefixes)) continue;

    const odsCode = at(CODE);
    const name = at(NAME);
    const status = at(STATUS);
    const reasons = [
      ODS_PATTERN.test(odsCode) ? '' : 'Organisation Code must be a letter and 5 digits',
      name === '' ? 'Name is empty' : '',
      STATUSES.has(status) ? '' : 'Status Code must be A, C, D or P',
    ].filter(Boolean);
    if (reasons.length > 0) {
      yield { kind: 'rejected', line, reason: reasons.join('; ') };
      continue;
    }
    yield { kind: 'row', line, odsCode, name, postcode: at(POSTCODE) || undefined, active: status === 'A' };
  }
}
