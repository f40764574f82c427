import { describe, expect, it } from 'vitest';
import { pageOfMail } from '../../../src/dashboard/mail.queries';
import type { SinkMessage } from '../../../src/platform/mail-sink';

/** Newest first, as the sink keeps them: m9 … m0. */
const caught: SinkMessage[] = Array.from({ length: 10 }, (_, i) => 9 - i).map((n) => ({
  id: `m${n}`,
  at: new Date(Date.UTC(2026, 10, 30, 12, n)).toISOString(),
  from: 'endeavor@localhost',
  to: ['dsl@school.endeavor.test'],
  subject: `Message ${n}`,
  text: '',
  html: '',
  messageId: `<m${n}@test>`,
}));
const ids = (page: { messages: SinkMessage[] }) => page.messages.map((m) => m.id);

describe('pageOfMail', () => {
  it('starts with the newest and points to the older page', () => {
    const page = pageOfMail(caught, {}, 4);
    expect(ids(page)).toEqual(['m9', 'm8', 'm7', 'm6']);
    expect(page).toMatchObject({ start: 0, total: 10, older: { after: 'm6' } });
    expect(page.newer).toBeUndefined();
  });

  it('pages back after a message and forward before one', () => {
    const older = pageOfMail(caught, { after: 'm6' }, 4);
    expect(ids(older)).toEqual(['m5', 'm4', 'm3', 'm2']);
    expect(older).toMatchObject({ start: 4, older: { after: 'm2' }, newer: { before: 'm5' } });
    expect(ids(pageOfMail(caught, { before: 'm5' }, 4))).toEqual(['m9', 'm8', 'm7', 'm6']);
    const last = pageOfMail(caught, { after: 'm2' }, 4);
    expect(ids(last)).toEqual(['m1', 'm0']);
    expect(last.older).toBeUndefined();
  });

  it('keeps a page where it was when newer mail arrives', () => {
    const arrived: SinkMessage = { ...caught[0]!, id: 'm10', subject: 'Message 10' };
    expect(ids(pageOfMail([arrived, ...caught], { after: 'm6' }, 4))).toEqual(['m5', 'm4', 'm3', 'm2']);
  });

  it('shows nothing older than a cursor the sink has evicted, and the newest for an unknown newer cursor', () => {
    const evicted = pageOfMail(caught, { after: 'gone' }, 4);
    expect(evicted.messages).toEqual([]);
    expect(evicted.older).toBeUndefined();
    expect(evicted.newer).toEqual({});
    expect(ids(pageOfMail(caught, { before: 'gone' }, 4))).toEqual(['m9', 'm8', 'm7', 'm6']);
  });
});
