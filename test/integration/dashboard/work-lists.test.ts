import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/delivery/delivery.store';
import { WORK_LIST_PAGE } from '../../../src/dashboard/work-lists.pages';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';

/*
 * SPEC §8 work lists a page at a time: more failed deliveries than a page holds are split
 * into pages joined by an "older" link, newest failure first, each delivery on one page only.
 */

let app: TestApp;
let mash: string;
const failedIds: string[] = [];
const EXTRA = 5;

const get = (path: string) => fetch(app.url + path, { headers: { cookie: mash }, redirect: 'manual' });
const retryFormsOn = (page: string) => [...page.matchAll(/action="\/dashboard\/deliveries\/(dl_[0-9a-f]{24})\/retry"/g)].map((m) => m[1]!);
const olderLink = (page: string) => /<a href="(\/dashboard\/failed\?after=[A-Za-z0-9_-]+)">Older failed deliveries<\/a>/.exec(page)?.[1];

function delivery(n: number): NewDelivery {
  const id = `dl_${n.toString(16).padStart(24, '0')}`;
  return {
    deliveryId: id, eventUid: 'uid-work-lists', eventId: 'EV-WORK-LISTS', episodeId: 'ep_000000000000000000000001', feedId: 'northumbria-test',
    kind: 'alert', audience: 'area', organisation: { type: 'school', id: '990001', name: 'Fictional School (sample)' },
    contact: { contactId: `c-${n}`, name: `Sample Contact ${n}`, email: `c${n}@school.endeavor.test`, role: 'dsl' },
    status: 'pending', threadOf: null, asOf: null, ackable: false, risk: 'low', priority: 5,
  };
}

beforeAll(async () => {
  app = await startTestApp();
  mash = await signIn(app, 'mash');
  // One failure a millisecond, so "newest first" is the order they failed in.
  const start = Date.parse('2026-11-02T10:00:00Z');
  for (let n = 1; n <= WORK_LIST_PAGE + EXTRA; n++) {
    const at = new Date(start + n);
    const d = delivery(n);
    await app.stores.deliveries.create(d, at, 'planned');
    const failed = await app.stores.deliveries.transition(d.deliveryId, 'failed', at, { detail: '550 mailbox unavailable', eventUid: d.eventUid });
    expect(failed.ok).toBe(true);
    failedIds.unshift(d.deliveryId);
  }
});
afterAll(async () => {
  await app?.close();
});

describe('/dashboard/failed', () => {
  it(`shows ${WORK_LIST_PAGE} failed deliveries, newest first, and the rest behind an "older" link`, async () => {
    const first = await (await get('/dashboard/failed')).text();
    expect(retryFormsOn(first)).toEqual(failedIds.slice(0, WORK_LIST_PAGE));
    const older = olderLink(first);
    expect(older).toBeDefined();

    const second = await get(older!.replace(/&amp;/g, '&'));
    expect(second.status).toBe(200);
    const rest = await second.text();
    expect(retryFormsOn(rest)).toEqual(failedIds.slice(WORK_LIST_PAGE));
    expect(olderLink(rest)).toBeUndefined();
  });

  it('answers a page that is not a cursor with 422, as a page', async () => {
    const res = await get('/dashboard/failed?after=nonsense');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
