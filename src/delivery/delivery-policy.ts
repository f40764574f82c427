import type { Risk } from '../domain/risk';
import type { Audience } from '../domain/audience';

const RISK_RANK: Record<Risk, number> = { high: 0, medium: 1, low: 2, very_low: 3 };

/**
 * BullMQ priority (1 = first). Every direct delivery goes ahead of every area delivery, and
 * within each, higher risk first (SPEC §6): a large area broadcast never delays the alert to
 * the child's own school.
 */
export function deliveryPriority(audience: Audience | 'notice', risk: Risk | undefined): number {
  if (audience === 'notice') return 1;
  const rank = RISK_RANK[risk ?? 'medium'];
  return (audience === 'direct' ? 1 : 5) + rank;
}

export type RetryPolicy = { attempts: number; baseMs: number; maxDelayMs: number };

/** Delay before try number `attemptsMade + 1`: exponential from the base, capped. */
export function retryDelayMs(attemptsMade: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, attemptsMade - 1);
  return Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(exponent, 40));
}

/** Total time a policy keeps trying: the README's "about 3 h 45 min" for the default one. */
export function totalRetryWindowMs(policy: RetryPolicy): number {
  let total = 0;
  for (let made = 1; made < policy.attempts; made++) total += retryDelayMs(made, policy);
  return total;
}
