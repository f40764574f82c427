import { describe, expect, it } from 'vitest';
import {
  deliveryPriority,
  retryDelayMs,
  totalRetryWindowMs,
  type RetryPolicy,
} from '../../../src/delivery/delivery-policy';
import {
  canMove,
  DELIVERY_STATUSES,
  FINAL_STATUSES,
  isFinal,
  type DeliveryStatus,
} from '../../../src/delivery/delivery-status';
import { RISKS, type Risk } from '../../../src/domain/risk';

const HOUR_MS = 3_600_000;
/** SPEC §2 defaults: RETRY_ATTEMPTS, RETRY_BASE_MS, RETRY_MAX_DELAY_MS. */
const DEFAULT_POLICY: RetryPolicy = { attempts: 20, baseMs: 30_000, maxDelayMs: 900_000 };

describe('deliveryPriority (BullMQ: 1 goes first)', () => {
  it.each<[ 'direct' | 'area', Risk, number]>([
    ['direct', 'high', 1],
    ['direct', 'medium', 2],
    ['direct', 'low', 3],
    ['direct', 'very_low', 4],
    ['area', 'high', 5],
    ['area', 'medium', 6],
    ['area', 'low', 7],
    ['area', 'very_low', 8],
  ])('gives a %s delivery at %s risk priority %i', (audience, risk, priority) => {
    expect(deliveryPriority(audience, risk)).toBe(priority);
  });

  it('puts every direct delivery ahead of every area delivery, whatever the risks', () => {
    for (const directRisk of RISKS) {
      for (const areaRisk of RISKS) {
        expect(deliveryPriority('direct', directRisk)).toBeLessThan(deliveryPriority('area', areaRisk));
      }
    }
  });

  it('puts higher risk first within an audience', () => {
    const order: Risk[] = ['high', 'medium', 'low', 'very_low'];
    for (const audience of ['direct', 'area'] as const) {
      const priorities = order.map((risk) => deliveryPriority(audience, risk));
      expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
      expect(new Set(priorities).size).toBe(order.length);
    }
  });

  it('treats an unknown risk as medium', () => {
    expect(deliveryPriority('direct', undefined)).toBe(deliveryPriority('direct', 'medium'));
    expect(deliveryPriority('area', undefined)).toBe(deliveryPriority('area', 'medium'));
  });

  it('sends staff notices (escalations, failures) first', () => {
    expect(deliveryPriority('notice', 'very_low')).toBe(1);
    expect(deliveryPriority('notice', undefined)).toBe(1);
  });
});

describe('retryDelayMs', () => {
  const policy: RetryPolicy = { attempts: 10, baseMs: 1_000, maxDelayMs: 10_000 };

  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [5, 10_000],
    [6, 10_000],
  ])('waits exponentially from the base and caps: after attempt %i, %i ms', (attemptsMade, delay) => {
    expect(retryDelayMs(attemptsMade, policy)).toBe(delay);
  });

  it('waits the base before the first retry even when asked for attempt 0', () => {
    expect(retryDelayMs(0, policy)).toBe(1_000);
  });

  it('stays at the cap, a finite number, for absurd attempt counts', () => {
    for (const attemptsMade of [50, 1_000, 1_000_000]) {
      const delay = retryDelayMs(attemptsMade, policy);
      expect(delay).toBe(10_000);
      expect(Number.isFinite(delay)).toBe(true);
    }
  });

  it('follows the default policy: 30 s, 1, 2, 4, 8 min, then 15 min each', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 19].map((n) => retryDelayMs(n, DEFAULT_POLICY));
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });

  it('never waits more than the cap nor less than the base', () => {
    for (let n = 1; n <= 100; n++) {
      const delay = retryDelayMs(n, DEFAULT_POLICY);
      expect(delay).toBeGreaterThanOrEqual(DEFAULT_POLICY.baseMs);
      expect(delay).toBeLessThanOrEqual(DEFAULT_POLICY.maxDelayMs);
    }
  });
});

describe('totalRetryWindowMs', () => {
  it('keeps trying for about 3 h 45 min, between 3.5 and 4.5 hours, under the default policy (SPEC §2)', () => {
    const total = totalRetryWindowMs(DEFAULT_POLICY);
    expect(total).toBeGreaterThanOrEqual(3.5 * HOUR_MS);
    expect(total).toBeLessThanOrEqual(4.5 * HOUR_MS);
  });

  it('is the sum of the waits between the tries: one fewer wait than tries', () => {
    let expected = 0;
    for (let n = 1; n < DEFAULT_POLICY.attempts; n++) expected += retryDelayMs(n, DEFAULT_POLICY);
    expect(totalRetryWindowMs(DEFAULT_POLICY)).toBe(expected);
    // 30+60+120+240+480 s, then 14 waits of 900 s.
    expect(totalRetryWindowMs(DEFAULT_POLICY)).toBe((930 + 14 * 900) * 1000);
  });

  it('is zero when there is only one try', () => {
    expect(totalRetryWindowMs({ ...DEFAULT_POLICY, attempts: 1 })).toBe(0);
  });
});

describe('delivery statuses', () => {
  it('are the seven of SPEC §6', () => {
    expect([...DELIVERY_STATUSES].sort()).toEqual(['bounced', 'failed', 'pending', 'retrying', 'sending', 'sent', 'superseded']);
  });

  it('treat sent, failed, superseded and bounced as final, and nothing else', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['bounced', 'failed', 'sent', 'superseded']);
    for (const status of DELIVERY_STATUSES) expect(isFinal(status), status).toBe(FINAL_STATUSES.includes(status));
  });
});

describe('canMove: every (from, to) pair', () => {
  /*
   * The whole machine, row = from, column = to. SPEC §6: superseded never moves; sent moves
   * only to bounced (a bounce report); failed and bounced move only back to pending (an
   * explicit retry); sending may be re-entered after a crashed attempt; a message being sent
   * cannot be taken back (sending -/-> superseded).
   */
  const P = 'pending', S = 'sending', OK = 'sent', R = 'retrying', F = 'failed', X = 'superseded', B = 'bounced';
  const allowed: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
    pending: [S, F, X],
    sending: [S, OK, R, F],
    sent: [B],
    retrying: [S, F, X],
    failed: [P],
    superseded: [],
    bounced: [P],
  };

  const pairs = DELIVERY_STATUSES.flatMap((from) =>
    DELIVERY_STATUSES.map((to) => [from, to, allowed[from].includes(to)] as const),
  );

  it('covers all 49 pairs', () => {
    expect(pairs).toHaveLength(49);
  });

  it.each(pairs)('%s -> %s is allowed: %s', (from, to, expected) => {
    expect(canMove(from, to)).toBe(expected);
  });

  it('never moves a superseded delivery anywhere', () => {
    for (const to of DELIVERY_STATUSES) expect(canMove('superseded', to), `superseded -> ${to}`).toBe(false);
  });

  it('moves a sent delivery only to bounced', () => {
    expect(DELIVERY_STATUSES.filter((to) => canMove('sent', to))).toEqual(['bounced']);
  });

  it('reaches bounced only from sent', () => {
    expect(DELIVERY_STATUSES.filter((from) => canMove(from, 'bounced'))).toEqual(['sent']);
  });

  it.each(['failed', 'bounced'] as const)('moves a %s delivery only back to pending', (from) => {
    expect(DELIVERY_STATUSES.filter((to) => canMove(from, to))).toEqual(['pending']);
  });

  it('reaches pending from nowhere but failed and bounced: a sent message is never queued again', () => {
    expect(DELIVERY_STATUSES.filter((from) => canMove(from, 'pending'))).toEqual(['failed', 'bounced']);
  });

  it('reaches sent only from sending', () => {
    expect(DELIVERY_STATUSES.filter((from) => canMove(from, 'sent'))).toEqual(['sending']);
  });
});
