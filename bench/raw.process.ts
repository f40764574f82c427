import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { loadConfig } from '../config/env';
import { deliveryPriority, retryDelayMs } from '../src/delivery/delivery-policy';
import { enqueueDelivery } from '../src/delivery/delivery.queue';
import { createMailTransport, type OutgoingMail } from '../src/delivery/mail.transport';
import { QUEUE_NAMES, type DeliverJob } from '../src/platform/queues';
import { createRedis } from '../src/platform/redis';
import { messageDomainOf } from '../src/platform/secret';

/*
 * The raw ceiling of the stack, a process of its own as the workers are (bench/raw.ts forks it
 * with the workers' environment, under its own QUEUE_PREFIX): BullMQ delivery jobs queued by the
 * app's own enqueueDelivery (same job options), run by a Worker with the delivery worker's
 * options (DELIVER_CONCURRENCY, lock, stalled check, backoff), each only sending a copy of an
 * email the service sent through the app's own transport (SMTP_POOL_SIZE) to the same sink. No
 * record, no claim, no render: what is left is BullMQ + MIME + SMTP.
 * `transport` is a diagnostic beside it: the same sends with no queue at all.
 */

export type RawMails = { direct: OutgoingMail; area: OutgoingMail };
export type ToRaw =
  | { type: 'queue'; sends: number; recipients: number; mails: RawMails }
  | { type: 'drain' }
  | { type: 'transport'; sends: number; recipients: number; mails: RawMails }
  | { type: 'close' };
export type FromRaw = { type: 'ready' } | { type: 'queued' } | { type: 'draining' } | { type: 'sent' } | { type: 'closed' } | { type: 'failed'; message: string };

const config = loadConfig();
const messageDomain = messageDomainOf(config.mailFrom);
const producer = createRedis(config.redis, 'worker');
const consumer = createRedis(config.redis, 'worker');
const queue = new Queue<DeliverJob>(QUEUE_NAMES.deliver, { connection: producer as unknown as ConnectionOptions, prefix: config.queuePrefix });
queue.on('error', () => undefined);
const transport = createMailTransport({ url: config.smtpUrl!, from: config.mailFrom, maxConnections: config.smtpPoolSize });
let mails: RawMails | undefined;
let recipients = 1;
/** The first `2` of every `recipients` sends are the direct ones, as in an event's fan-out. */
const mailFor = (index: number) => (index % recipients < 2 ? mails!.direct : mails!.area);

const worker = new Worker<DeliverJob>(
  QUEUE_NAMES.deliver,
  async (job) => {
    const index = Number(job.data.deliveryId.slice('raw-'.length));
    await transport.send({ ...mailFor(index), messageId: `<${job.data.deliveryId}@${messageDomain}>` });
    return 'sent';
  },
  {
    connection: consumer as unknown as ConnectionOptions,
    prefix: config.queuePrefix,
    concurrency: config.deliverConcurrency,
    lockDuration: config.jobs.lockMs,
    stalledInterval: config.jobs.stalledCheckMs,
    maxStalledCount: 10,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, config.retry) },
    autorun: false,
  },
);
worker.on('error', () => undefined);

async function queueSends(sends: number): Promise<void> {
  for (let from = 0; from < sends; from += 200) {
    const batch = Array.from({ length: Math.min(200, sends - from) }, (_, k) => from + k);
    await Promise.all(
      batch.map((i) =>
        enqueueDelivery(queue, { deliveryId: `raw-${i}`, priority: deliveryPriority(i % recipients < 2 ? 'direct' : 'area', undefined) }, config.retry.attempts),
      ),
    );
  }
}

async function transportAlone(sends: number): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < sends) {
      const i = next++;
      await transport.send({ ...mailFor(i), messageId: `<bare-${i}@${messageDomain}>` });
    }
  };
  await Promise.all(Array.from({ length: config.deliverConcurrency }, sender));
}

const send = (message: FromRaw) => process.send!(message);
const fail = (err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });

process.on('message', (message: ToRaw) => {
  if (message.type === 'queue') {
    mails = message.mails;
    recipients = message.recipients;
    queueSends(message.sends).then(() => send({ type: 'queued' }), fail);
  } else if (message.type === 'drain') {
    void worker.run().catch(fail);
    send({ type: 'draining' });
  } else if (message.type === 'transport') {
    mails = message.mails;
    recipients = message.recipients;
    transportAlone(message.sends).then(() => send({ type: 'sent' }), fail);
  } else if (message.type === 'close') {
    void (async () => {
      await worker.close();
      await transport.close();
      await queue.close();
      producer.disconnect();
      consumer.disconnect();
      send({ type: 'closed' });
      process.exit(0);
    })().catch(fail);
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
