/**
 * Localities of Northumberland and their postcode districts (SPEC §4): a child's locality
 * decides which schools and GP practices get the `area` alert.
 *
 * Plausible but not authoritative: postcode districts straddle real boundaries, so each
 * district is given to exactly one locality here (a test holds that). A council deploying
 * this would replace the table with its own.
 */
export type Locality = { readonly name: string; readonly districts: readonly string[] };

export const LOCALITIES: readonly Locality[] = [
  { name: 'Alnwick', districts: ['NE66', 'NE67'] },
  { name: 'Berwick', districts: ['TD15', 'TD12', 'NE70', 'NE71'] },
  { name: 'Morpeth', districts: ['NE61'] },
  // NE65 covers Rothbury, Felton and Amble: given whole to Rothbury so districts stay disjoint.
  { name: 'Rothbury', districts: ['NE65'] },
  { name: 'Hexham', districts: ['NE45', 'NE46', 'NE47', 'NE48'] },
  { name: 'Ashington', districts: ['NE63', 'NE64'] },
  { name: 'Blyth', districts: ['NE24'] },
  { name: 'Cramlington', districts: ['NE23'] },
  { name: 'Ponteland', districts: ['NE20'] },
  { name: 'Prudhoe', districts: ['NE42', 'NE43'] },
  { name: 'Bedlington', districts: ['NE22', 'NE62'] },
  { name: 'Haltwhistle', districts: ['NE49'] },
];

const byDistrict = new Map(LOCALITIES.flatMap((l) => l.districts.map((d) => [d, l.name] as const)));
const byLowerName = new Map(LOCALITIES.map((l) => [l.name.toLowerCase(), l.name] as const));

const OUTWARD = /^[A-Z]{1,2}\d[A-Z\d]?$/;
const INWARD = /^\d[A-Z]{2}$/;
const FULL_COMPACT = /^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$/;

/**
 * The outward code (district) of a UK postcode: "NE61 1AA", "ne611aa" and "NE61" all give
 * "NE61". Anything that is not a postcode gives undefined rather than a guess.
 */
export function postcodeDistrict(postcode: string): string | undefined {
  const parts = postcode.trim().toUpperCase().split(/\s+/);
  if (parts.length === 2) {
    const [outward, inward] = parts as [string, string];
    return OUTWARD.test(outward) && INWARD.test(inward) ? outward : undefined;
  }
  if (parts.length !== 1) return undefined;
  const compact = parts[0] as string;
  // The inward code is always the last three characters, so the full form is tried first.
  return FULL_COMPACT.exec(compact)?.[1] ?? (OUTWARD.test(compact) ? compact : undefined);
}

/** The locality a postcode district belongs to ("ne61" works too). */
export function localityOfDistrict(district: string): string | undefined {
  return byDistrict.get(district.trim().toUpperCase());
}

/** The locality of a full postcode, by its outward code. */
export function localityOfPostcode(postcode: string): string | undefined {
  const district = postcodeDistrict(postcode);
  return district === undefined ? undefined : byDistrict.get(district);
}

/** The canonical spelling of a locality name given in any case, or undefined if unknown. */
export function localityByName(name: string): string | undefined {
  return byLowerName.get(name.trim().toLowerCase());
}
