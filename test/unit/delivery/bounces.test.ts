import { describe, expect, it } from 'vitest';
import { bounceNoticeSent, decideOnReport } from '../../../src/delivery/bounces';
import { DELIVERY_STATUSES } from '../../../src/delivery/delivery-status';
import { DSN_ACTIONS } from '../../../src/delivery/dsn';
import type { HistoryEntry } from '../../../src/delivery/delivery.store';

describe('decideOnReport: every (status, action) pair', () => {
  const expected = (status: string, action: string) => {
    if (status === 'sent') return action === 'failed' ? 'bounce' : 'note';
    if (status === 'bounced' && action === 'failed') return 'repeat';
    return 'ignore';
  };
  const pairs = [...DELIVERY_STATUSES, undefined].flatMap((status) => DSN_ACTIONS.map((action) => [status, action, expected(String(status), action)] as const));

  it.each(pairs)('%s + %s -> %s', (status, action, decision) => {
    expect(decideOnReport(status, action)).toBe(decision);
  });

  it('bounces only a sent delivery, and only on failed', () => {
    expect(pairs.filter(([, , d]) => d === 'bounce').map(([s, a]) => `${s}/${a}`)).toEqual(['sent/failed']);
  });

  it('changes nothing for a delivery never sent, or one that is gone', () => {
    for (const status of ['pending', 'sending', 'retrying', 'failed', 'superseded', undefined] as const) {
      for (const action of DSN_ACTIONS) expect(decideOnReport(status, action)).toBe('ignore');
    }
  });
});

describe('decideOnReport: a DSN that names an attempt', () => {
  it('decides as for any DSN when it names the attempt the delivery is at', () => {
    expect(decideOnReport('sent', 'failed', { named: 2, current: 2 })).toBe('bounce');
    expect(decideOnReport('sent', 'delayed', { named: 2, current: 2 })).toBe('note');
    expect(decideOnReport('bounced', 'failed', { named: 2, current: 2 })).toBe('repeat');
  });

  it.each(DELIVERY_STATUSES.flatMap((status) => DSN_ACTIONS.map((action) => [status, action] as const)))(
    'changes nothing for an earlier (or unknown later) attempt: %s + %s',
    (status, action) => {
      expect(decideOnReport(status, action, { named: 1, current: 2 })).toBe('ignore');
      expect(decideOnReport(status, action, { named: 3, current: 2 })).toBe('ignore');
    },
  );

  it('decides as before for an address that names no attempt (sent before attempts were named)', () => {
    expect(decideOnReport('sent', 'failed', { named: undefined, current: 2 })).toBe('bounce');
  });
});

describe('bounceNoticeSent', () => {
  const at = '2026-11-30T10:00:00.000Z';
  const line = (status: HistoryEntry['status'], detail = ''): HistoryEntry => ({ at, status, detail });

  it('is false before the notice line', () => {
    expect(bounceNoticeSent([line('sent'), line('bounced')])).toBe(false);
  });

  it('is true once a bounce notice follows the bounce', () => {
    expect(bounceNoticeSent([line('sent'), line('bounced'), line('notice', 'bounce notice sent to 1 recipient(s)')])).toBe(true);
  });

  it('does not count another notice, or a bounce notice of an earlier bounce', () => {
    expect(bounceNoticeSent([line('bounced'), line('notice', 'escalation notice sent to 2 recipient(s)')])).toBe(false);
    expect(
      bounceNoticeSent([line('bounced'), line('notice', 'bounce notice sent to 1 recipient(s)'), line('pending'), line('sending'), line('sent'), line('bounced')]),
    ).toBe(false);
  });
});
