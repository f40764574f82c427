import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, nextPage, readCursor } from '../../../src/platform/pagination';
import { HttpProblem } from '../../../src/platform/problem';

describe('list cursors', () => {
  const position = { score: 1_767_600_000_000, id: 'dl_00000000000000000000abcd' };

  it('reads back the position it was made from, for the list it was made for only', () => {
    const cursor = encodeCursor('d-all', position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('d-all', cursor)).toEqual(position);
    expect(decodeCursor('d-failed', cursor)).toBeUndefined();
  });

  it('refuses what is not a cursor: bad base64, a missing part, an extra part, a score that is not a whole number, an odd id', () => {
    const raw = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    for (const cursor of ['', '!!!', raw('d-all|123'), raw('d-all|123|dl_1|x'), raw('d-all|1.5|dl_1'), raw('d-all|abc|dl_1'), raw('d-all|123|dl 1'), raw('d-all|123|')]) {
      expect(decodeCursor('d-all', cursor), cursor).toBeUndefined();
    }
  });

  it('turns a bad cursor into a 422 naming the cursor parameter, and no cursor into the first page', () => {
    expect(readCursor('d-all', undefined)).toBeUndefined();
    let thrown: unknown;
    try {
      readCursor('d-all', 'nonsense');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HttpProblem);
    expect(thrown).toMatchObject({ status: 422, extra: { errors: [{ path: 'cursor' }] } });
  });

  it('links the next page with the same filters and the new cursor, and ends with nulls', () => {
    const page = nextPage('d-failed', '/api/v1/deliveries', { status: 'failed', limit: '20', cursor: 'old' }, position);
    expect(page.next).toBe(`/api/v1/deliveries?status=failed&limit=20&cursor=${page.nextCursor}`);
    expect(decodeCursor('d-failed', page.nextCursor!)).toEqual(position);
    expect(nextPage('d-failed', '/api/v1/deliveries', {}, undefined)).toEqual({ nextCursor: null, next: null });
  });
});
