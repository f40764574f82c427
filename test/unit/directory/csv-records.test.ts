import { describe, expect, it } from 'vitest';
import { ImportFormatError, parseCsvRecords, readCsvRecords } from '../../../src/directory/csv-records';

async function collect<T>(records: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const record of records) out.push(record);
  return out;
}

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('CSV records', () => {
  it('numbers records by the physical line they start on, across blank lines and quoted line breaks', () => {
    const text = 'a,b\r\n1,2\r\n\r\n"x\r\ny",3\r\n"p\nq\nr",4\r\n5,6';
    expect(parseCsvRecords(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['x\r\ny', '3'] },
      { line: 6, fields: ['p\nq\nr', '4'] },
      { line: 9, fields: ['5', '6'] },
    ]);
  });

  it('numbers LF-only files the same way', () => {
    expect(parseCsvRecords('a\n\n\nb\n').map((r) => r.line)).toEqual([1, 4]);
  });

  it('strips a UTF-8 byte order mark from the first field', () => {
    expect(parseCsvRecords('\ufefftype,id\r\n')[0]?.fields).toEqual(['type', 'id']);
  });

  it('keeps records of any field count for the importer to judge', () => {
    expect(parseCsvRecords('a,b,c\n1\n1,2,3,4').map((r) => r.fields.length)).toEqual([3, 1, 4]);
  });

  it('rejects broken quoting as a format error naming the line, without echoing the field', () => {
    let error: unknown;
    try {
      parseCsvRecords('a,b\n1,2\n"Secret Name"x,3\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportFormatError);
    expect((error as ImportFormatError).line).toBe(3);
    expect((error as Error).message).toMatch(/^line 3: malformed CSV/);
    expect((error as Error).message).not.toContain('Secret');
  });

  it('rejects a quote never closed as a format error', () => {
    expect(() => parseCsvRecords('a,b\n"open,2\n3,4\n')).toThrow(ImportFormatError);
  });

  it('streams Windows-1252 bytes split anywhere into the same records', async () => {
    const bytes = Buffer.from([
      ...Buffer.from('"name","n"\r\n"Bede'), 0x92, ...Buffer.from('s","1"\r\n"Caf'), 0xe9, ...Buffer.from('","2"\r\n'),
    ]);
    const expected = [
      { line: 1, fields: ['name', 'n'] },
      { line: 2, fields: ['Bede\u2019s', '1'] },
      { line: 3, fields: ['Caf\u00e9', '2'] },
    ];
    expect(await collect(readCsvRecords(chunks(bytes, 1000)))).toEqual(expected);
    expect(await collect(readCsvRecords(chunks(bytes, 3)))).toEqual(expected);
  });

  it('turns broken quoting in a stream into a format error', async () => {
    await expect(collect(readCsvRecords(chunks(Buffer.from('a\n"b\n'), 2)))).rejects.toBeInstanceOf(ImportFormatError);
  });

  it('passes on a failure of the input stream unchanged', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('a,b\n');
      throw new Error('disk gone');
    }
    await expect(collect(readCsvRecords(failing()))).rejects.toThrow('disk gone');
  });
});
