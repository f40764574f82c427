import { Queue, type ConnectionOptions } from 'bullmq';
import type { RedisClient } from './redis';
import { moduleLogger } from './logger';
import type { OrganisationType } from '../domain/organisation-ref';

const log = moduleLogger('queues');

/** One queue per pipeline stage; one processor per queue (workers/). */
export const QUEUE_NAMES = {
  fanout: 'fanout',
  deliver: 'deliver',
  notify: 'notify',
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Job payloads carry ids, never personal data. */
/**
 * Fans one event out; or (`refill`) brings an organisation's current contacts into an open
 * episode after a contact there left (SPEC §6, the right person at send time).
 */
export type FanoutJob = { eventUid: string } | { refill: { episodeId: string; orgType: OrganisationType; orgId: string } };
export type DeliverJob = { deliveryId: string };
/**
 * A notice about one delivery: to staff when it failed for good, bounced, was not acknowledged in
 * time, or was superseded because its contact or organisation is no longer active; to the police
 * contact when the recipient answered on acknowledging.
 */
export type NotifyJob = { notice: 'failure' | 'escalation' | 'ack-answer' | 'bounce' | 'superseded'; deliveryId: string };
export type MaintenanceJob = Record<string, never>;

export type Queues = {
  fanout: Queue<FanoutJob>;
  deliver: Queue<DeliverJob>;
  notify: Queue<NotifyJob>;
  maintenance: Queue<MaintenanceJob>;
  close(): Promise<void>;
};

/** Producer-side queues sharing one connection. BullMQ keys go under QUEUE_PREFIX. */
export function createQueues(connection: RedisClient, prefix: string): Queues {
  const make = <T>(name: QueueName) => {
    const queue = new Queue<T>(name, {
      connection: connection as unknown as ConnectionOptions,
      prefix,
      skipWaitingForReady: true,
    });
    queue.on('error', (err: NodeJS.ErrnoException) => log.warn({ queue: name, code: err.code, error: err.message }, 'queue error'));
    return queue;
  };
  const queues = {
    fanout: make<FanoutJob>(QUEUE_NAMES.fanout),
    deliver: make<DeliverJob>(QUEUE_NAMES.deliver),
    notify: make<NotifyJob>(QUEUE_NAMES.notify),
    maintenance: make<MaintenanceJob>(QUEUE_NAMES.maintenance),
  };
  return {
    ...queues,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}
