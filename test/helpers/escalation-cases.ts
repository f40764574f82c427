import type { DeliveryStatus } from '../../src/delivery/delivery-status';

/**
 * One delivery's life, step by step, through the delivery store: a status it moves to
 * (`retry` is the explicit retry back to pending), or an acknowledgement or escalation.
 */
export type EscalationStep = 'sending' | 'sent' | 'retrying' | 'failed' | 'superseded' | 'bounced' | 'retry' | 'acknowledge' | 'escalate';

export type EscalationCase = {
  name: string;
  /** Whether the delivery asks to be acknowledged (the first direct message to a contact). */
  ackable: boolean;
  steps: EscalationStep[];
  /** Where those steps leave the record. */
  status: DeliveryStatus;
  acknowledged: boolean;
  escalated: boolean;
  /** Whether escalation waits on it: awaitsEscalation, and membership of the store's escalation watch. */
  awaits: boolean;
};

const sent: EscalationStep[] = ['sending', 'sent'];

/**
 * The escalation rule's cases, run against its pure form (test/unit/delivery/escalation-watch)
 * and against the Lua that keeps the watch (test/integration/delivery/escalation-watch), so the
 * two cannot drift apart.
 */
export const ESCALATION_CASES: readonly EscalationCase[] = [
  { name: 'a direct alert sent', ackable: true, steps: sent, status: 'sent', acknowledged: false, escalated: false, awaits: true },
  { name: 'an area alert sent (nothing to acknowledge)', ackable: false, steps: sent, status: 'sent', acknowledged: false, escalated: false, awaits: false },
  { name: 'a direct alert not yet sent', ackable: true, steps: [], status: 'pending', acknowledged: false, escalated: false, awaits: false },
  { name: 'a direct alert being sent', ackable: true, steps: ['sending'], status: 'sending', acknowledged: false, escalated: false, awaits: false },
  { name: 'a direct alert waiting to be retried', ackable: true, steps: ['sending', 'retrying'], status: 'retrying', acknowledged: false, escalated: false, awaits: false },
  { name: 'a direct alert that failed', ackable: true, steps: ['sending', 'failed'], status: 'failed', acknowledged: false, escalated: false, awaits: false },
  { name: 'a direct alert superseded', ackable: true, steps: ['superseded'], status: 'superseded', acknowledged: false, escalated: false, awaits: false },
  { name: 'a sent alert acknowledged', ackable: true, steps: [...sent, 'acknowledge'], status: 'sent', acknowledged: true, escalated: false, awaits: false },
  { name: 'a sent alert escalated', ackable: true, steps: [...sent, 'escalate'], status: 'sent', acknowledged: false, escalated: true, awaits: false },
  { name: 'a sent alert that bounced', ackable: true, steps: [...sent, 'bounced'], status: 'bounced', acknowledged: false, escalated: false, awaits: false },
  { name: 'a bounced alert retried, not yet sent', ackable: true, steps: [...sent, 'bounced', 'retry'], status: 'pending', acknowledged: false, escalated: false, awaits: false },
  { name: 'a bounced alert retried and sent again', ackable: true, steps: [...sent, 'bounced', 'retry', ...sent], status: 'sent', acknowledged: false, escalated: false, awaits: true },
  { name: 'a failed alert retried and sent', ackable: true, steps: ['sending', 'failed', 'retry', ...sent], status: 'sent', acknowledged: false, escalated: false, awaits: true },
  {
    name: 'an escalated alert that bounced, retried and sent again',
    ackable: true,
    steps: [...sent, 'escalate', 'bounced', 'retry', ...sent],
    status: 'sent',
    acknowledged: false,
    escalated: true,
    awaits: false,
  },
  {
    name: 'an acknowledged alert that bounced, retried and sent again',
    ackable: true,
    steps: [...sent, 'acknowledge', 'bounced', 'retry', ...sent],
    status: 'sent',
    acknowledged: true,
    escalated: false,
    awaits: false,
  },
  { name: 'an alert acknowledged while it was being sent', ackable: true, steps: ['sending', 'acknowledge', 'sent'], status: 'sent', acknowledged: true, escalated: false, awaits: false },
];
