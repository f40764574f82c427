import { createReadStream, readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ImportFormatError, readGiasEstablishments } from '../../../src/directory/gias-import';

const fixtureUrl = new URL('../../fixtures/gias-929.csv', import.meta.url);
const fixtureBytes = readFileSync(fixtureUrl);
const headerLine = iconv.decode(fixtureBytes, 'win1252').split('\r\n')[0] as string;
const columns = headerLine.split('","').map((c) => c.replaceAll('"', ''));

async function collect<T>(records: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const record of records) out.push(record);
  return out;
}

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A one-row extract in the real layout, with only the named fields filled in. */
function extract(rows: Record<string, string>[], header = columns): Buffer {
  const line = (fields: string[]) => fields.map((f) => `"${f}"`).join(',');
  const text = [line(header), ...rows.map((row) => line(header.map((c) => row[c] ?? '')))].join('\r\n');
  return iconv.encode(text, 'win1252');
}

const open929 = { URN: '990201', 'LA (code)': '929', EstablishmentName: 'Fictional Test First School', 'EstablishmentStatus (name)': 'Open', Postcode: 'NE61 9ZZ' };

describe('readGiasEstablishments on the fixture', () => {
  it('uses the full ~140-column GIAS header', () => {
    expect(columns).toHaveLength(139);
    expect(columns.slice(0, 5)).toEqual(['URN', 'LA (code)', 'LA (name)', 'EstablishmentNumber', 'EstablishmentName']);
  });

  it('yields the rows of the requested authority only, with line numbers, and the rejections among them', async () => {
    const records = await collect(readGiasEstablishments(createReadStream(fixtureUrl), { la: '929' }));
    expect(records).toEqual([
      { kind: 'row', line: 2, urn: '990101', name: 'Fictional Fell First School', postcode: 'NE61 9ZA', active: true, phase: 'Primary' },
      { kind: 'row', line: 3, urn: '990102', name: 'Fictional Curlew Middle School', postcode: 'NE46 9ZB', active: true, phase: 'Middle deemed secondary' },
      { kind: 'row', line: 4, urn: '990103', name: 'Fictional Kestrel High School', postcode: 'NE63 9ZD', active: true, phase: 'Secondary' },
      { kind: 'row', line: 5, urn: '990104', name: 'Fictional Whinmoor First School', postcode: 'NE24 9ZE', active: false, phase: 'Primary' },
      { kind: 'row', line: 6, urn: '990105', name: 'Fictional St Bede\u2019s RC First School', postcode: 'TD15 9ZF', active: true, phase: 'Primary' },
      { kind: 'row', line: 7, urn: '990106', name: 'Fictional Sainte-H\u00e9l\u00e8ne Academy', postcode: 'NE23 9ZG', active: false, phase: 'All-through' },
      { kind: 'rejected', line: 8, reason: 'URN must be 6 digits' },
      { kind: 'rejected', line: 9, reason: 'EstablishmentName is empty' },
      { kind: 'row', line: 10, urn: '990109', name: 'Fictional Pinewood, Stonecross and Lapwing Federated First School', postcode: 'NE42 9ZL', active: true, phase: 'Primary' },
      { kind: 'row', line: 11, urn: '990110', name: 'Fictional Otterburn Vale Special School', postcode: undefined, active: true, phase: 'Not applicable' },
      { kind: 'row', line: 14, urn: '990111', name: 'Fictional Millbeck Sixth Form', postcode: 'NE22 9ZQ', active: false, phase: '16 plus' },
    ]);
  });

  it('decodes Windows-1252: the fixture really holds byte 0x92, read back as a right single quote', async () => {
    expect(fixtureBytes.includes(0x92)).toBe(true);
    const records = await collect(readGiasEstablishments(createReadStream(fixtureUrl), { la: '929' }));
    const names = records.flatMap((r) => (r.kind === 'row' ? [r.name] : []));
    expect(names).toContain('Fictional St Bede\u2019s RC First School');
    expect(names.join('')).not.toContain('\ufffd');
  });

  it('treats Open and "Open, but proposed to close" as active; Closed and "Proposed to open" as inactive', async () => {
    const statuses = ['Open', 'Open, but proposed to close', 'Closed', 'Proposed to open'];
    const rows = statuses.map((status, i) => ({ ...open929, URN: `99020${i}`, 'EstablishmentStatus (name)': status }));
    const records = await collect(readGiasEstablishments(chunks(extract(rows), 64), { la: '929' }));
    expect(records.map((r) => (r.kind === 'row' ? r.active : r.reason))).toEqual([true, true, false, false]);
  });

  it('rejects a status it does not know rather than guess that a school closed', async () => {
    const records = await collect(readGiasEstablishments(chunks(extract([{ ...open929, 'EstablishmentStatus (name)': 'Mothballed' }]), 64), { la: '929' }));
    expect(records).toEqual([{ kind: 'rejected', line: 2, reason: 'EstablishmentStatus (name) is not a known status' }]);
  });

  it('yields the schools of another authority when asked for it, ignoring malformed rows elsewhere', async () => {
    const records = await collect(readGiasEstablishments(createReadStream(fixtureUrl), { la: '390' }));
    expect(records).toEqual([
      { kind: 'row', line: 12, urn: '990301', name: 'Fictional Tyneside Primary School', postcode: 'NE8 9ZN', active: true, phase: 'Primary' },
    ]);
  });

  it('yields nothing for an authority with no schools in the file', async () => {
    expect(await collect(readGiasEstablishments(createReadStream(fixtureUrl), { la: '999' }))).toEqual([]);
  });

  it('reads the same records whatever the chunk boundaries', async () => {
    const whole = await collect(readGiasEstablishments(createReadStream(fixtureUrl), { la: '929' }));
    const tiny = await collect(readGiasEstablishments(chunks(fixtureBytes, 7), { la: '929' }));
    expect(tiny).toEqual(whole);
  });

  it('yields identical records on a second read of the same file', async () => {
    const first = await collect(readGiasEstablishments(createReadStream(fixtureUrl), { la: '929' }));
    const second = await collect(readGiasEstablishments(createReadStream(fixtureUrl), { la: '929' }));
    expect(second).toEqual(first);
  });

  it('finds columns by header name, not position', async () => {
    const reordered = [...columns].reverse();
    const records = await collect(readGiasEstablishments(chunks(extract([open929], reordered), 100), { la: '929' }));
    expect(records).toEqual([
      { kind: 'row', line: 2, urn: '990201', name: 'Fictional Test First School', postcode: 'NE61 9ZZ', active: true, phase: undefined },
    ]);
  });

  it('rejects a row whose field count differs from the header, with its line', async () => {
    const bytes = Buffer.concat([extract([open929]), Buffer.from('\r\n"990202","929","Short"\r\n')]);
    const records = await collect(readGiasEstablishments(chunks(bytes, 100), { la: '929' }));
    expect(records[1]).toEqual({ kind: 'rejected', line: 3, reason: 'expected 139 fields, found 3' });
  });

  it('refuses a file whose header lacks a required column, naming it', async () => {
    for (const missing of ['URN', 'LA (code)', 'EstablishmentName', 'EstablishmentStatus (name)', 'Postcode']) {
      const header = columns.filter((c) => c !== missing);
      const error = await collect(readGiasEstablishments(chunks(extract([open929], header), 100), { la: '929' })).catch((e) => e);
      expect(error).toBeInstanceOf(ImportFormatError);
      expect(error.message).toBe(`line 1: not a GIAS establishments extract: the header lacks "${missing}"`);
    }
  });

  it('refuses a UTF-8 contacts file given by mistake', async () => {
    const contacts = readFileSync(new URL('../../fixtures/contacts.csv', import.meta.url));
    await expect(collect(readGiasEstablishments(chunks(contacts, 100), { la: '929' }))).rejects.toThrow(/not a GIAS establishments extract/);
  });

  it('refuses an empty file', async () => {
    await expect(collect(readGiasEstablishments(chunks(Buffer.alloc(0), 1), { la: '929' }))).rejects.toThrow(ImportFormatError);
  });

  it('refuses a local authority code that is not three digits', async () => {
    await expect(collect(readGiasEstablishments(chunks(fixtureBytes, 1000), { la: '92' }))).rejects.toThrow(RangeError);
  });
});
