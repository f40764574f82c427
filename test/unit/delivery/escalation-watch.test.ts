import { describe, expect, it } from 'vitest';
import { awaitsEscalation } from '../../../src/delivery/escalation-watch';
import { ESCALATION_CASES } from '../../helpers/escalation-cases';

describe('awaitsEscalation (its Lua mirror runs the same table in test/integration/delivery/escalation-watch)', () => {
  it.each(ESCALATION_CASES)('$name: $awaits', (c) => {
    const facts = {
      status: c.status,
      ackable: c.ackable,
      acknowledgedAt: c.acknowledged ? '2025-03-10T10:00:00.000Z' : null,
      escalatedAt: c.escalated ? '2025-03-10T11:00:00.000Z' : null,
    };
    expect(awaitsEscalation(facts)).toBe(c.awaits);
  });
});
