import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readEpraccurPractices, type EpraccurFilter } from '../../../src/directory/epraccur-import';

const fixtureUrl = new URL('../../fixtures/epraccur.csv', import.meta.url);
const fixtureBytes = readFileSync(fixtureUrl);

async function collect<T>(records: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const record of records) out.push(record);
  return out;
}

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const read = (filter?: EpraccurFilter) => collect(readEpraccurPractices(createReadStream(fixtureUrl), filter));
const summary = (records: Awaited<ReturnType<typeof read>>) =>
  records.map((r) => (r.kind === 'row' ? `${r.line}:${r.odsCode}:${r.active ? 'active' : 'inactive'}` : `${r.line}:rejected`));

/** A practice row in the 27-field layout, with only the fields a test is about. */
function practiceRow(fields: { code?: string; name?: string; postcode?: string; status?: string; commissioner?: string; setting?: string }) {
  const row = Array.from({ length: 27 }, () => '');
  row[0] = fields.code ?? 'Y90901';
  row[1] = fields.name ?? 'FICTIONAL TEST SURGERY';
  row[9] = fields.postcode ?? 'NE61 9ZZ';
  row[12] = fields.status ?? 'A';
  row[14] = fields.commissioner ?? '00L';
  row[25] = fields.setting ?? '4';
  return row.map((f) => `"${f}"`).join(',');
}

describe('readEpraccurPractices on the fixture', () => {
  it('yields the GP practices of a commissioner with line numbers, active only when status is A', async () => {
    const records = await read({ commissioner: '00L' });
    expect(records[0]).toEqual({
      kind: 'row',
      line: 1,
      odsCode: 'Y90101',
      name: 'FICTIONAL FELLSIDE SURGERY',
      postcode: 'NE61 9ZA',
      active: true,
    });
    expect(summary(records)).toEqual([
      '1:Y90101:active',
      '2:Y90102:active',
      '3:Y90103:inactive',
      '4:Y90104:inactive',
      '5:Y90105:active',
      '8:rejected',
      '9:Y90108:active',
      '10:rejected',
      '11:Y90109:inactive',
    ]);
  });

  it('rejects a row with another field count than 27, with its line, whatever the filter', async () => {
    const rejected = (await read({ postcodePrefixes: ['TD'] })).filter((r) => r.kind === 'rejected');
    expect(rejected).toEqual([{ kind: 'rejected', line: 8, reason: 'expected 27 fields, found 26' }]);
  });

  it('rejects a GP practice whose code is not a letter and five digits', async () => {
    const records = await read({ commissioner: '00L' });
    expect(records.find((r) => r.line === 10)).toEqual({
      kind: 'rejected',
      line: 10,
      reason: 'Organisation Code must be a letter and 5 digits',
    });
  });

  it('skips other prescribing settings silently, neither yielding nor rejecting them', async () => {
    const records = await read();
    expect(records.some((r) => r.line === 7)).toBe(false);
  });

  it('yields every GP practice nationally when no filter is given', async () => {
    expect(summary(await read())).toContain('6:Y90201:active');
  });

  it('keeps practices by postcode area or district, never by a partial district', async () => {
    expect(summary(await read({ postcodePrefixes: ['TD'] }))).toEqual(['5:Y90105:active', '8:rejected', '9:Y90108:active']);
    expect(summary(await read({ postcodePrefixes: ['ne46'] }))).toEqual(['2:Y90102:active', '8:rejected']);
    expect(summary(await read({ postcodePrefixes: ['NE4'] }))).toEqual(['8:rejected']);
  });

  it('applies the commissioner and postcode filters together', async () => {
    const records = await read({ commissioner: '00L', postcodePrefixes: ['NE61', 'NE8'] });
    expect(summary(records)).toEqual(['1:Y90101:active', '8:rejected']);
  });

  it('yields identical records on a second read and whatever the chunk boundaries', async () => {
    const first = await read({ commissioner: '00L' });
    expect(await read({ commissioner: '00L' })).toEqual(first);
    expect(await collect(readEpraccurPractices(chunks(fixtureBytes, 5), { commissioner: '00L' }))).toEqual(first);
  });
});

describe('readEpraccurPractices rules', () => {
  const readText = (text: string, filter?: EpraccurFilter) =>
    collect(readEpraccurPractices(chunks(Buffer.from(text, 'latin1'), 50), filter));

  it('treats closed, dormant and proposed practices as inactive', async () => {
    const text = ['A', 'C', 'D', 'P'].map((status, i) => practiceRow({ code: `Y9090${i}`, status })).join('\n');
    const records = await readText(text);
    expect(records.map((r) => r.kind === 'row' && r.active)).toEqual([true, false, false, false]);
  });

  it('rejects an unknown status code rather than guess', async () => {
    expect(await readText(practiceRow({ status: 'X' }))).toEqual([{ kind: 'rejected', line: 1, reason: 'Status Code must be A, C, D or P' }]);
  });

  it('rejects a practice without a name', async () => {
    expect(await readText(practiceRow({ name: '' }))).toEqual([{ kind: 'rejected', line: 1, reason: 'Name is empty' }]);
  });

  it('matches the commissioner in any case', async () => {
    expect(await readText(practiceRow({}), { commissioner: '00l' })).toHaveLength(1);
  });

  it('leaves the postcode undefined when the file has none, and drops it from postcode filters', async () => {
    const text = practiceRow({ postcode: '' });
    expect(await readText(text)).toEqual([
      { kind: 'row', line: 1, odsCode: 'Y90901', name: 'FICTIONAL TEST SURGERY', postcode: undefined, active: true },
    ]);
    expect(await readText(text, { postcodePrefixes: ['NE'] })).toEqual([]);
  });

  it('numbers lines physically across blank lines', async () => {
    const records = await readText(`${practiceRow({ code: 'Y90901' })}\n\n${practiceRow({ code: 'Y90902' })}\n`);
    expect(records.map((r) => r.line)).toEqual([1, 3]);
  });
});
