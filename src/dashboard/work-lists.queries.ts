import { BANK_HOLIDAYS_ENGLAND_WALES } from '../../config/bank-holidays';
import type { SchoolHours } from '../../config/school-hours';
import { ackDeadline } from '../domain/school-time';
import { failedDeliveries, unacknowledgedDeliveries } from '../delivery/delivery.queries';
import type { DeliveryStore, DeliveryWithHistory } from '../delivery/delivery.store';
import type { EpisodeStore } from '../episodes/episode.store';
import type { Position } from '../platform/pagination';

/*
 * The work lists of SPEC §8 (failed, not acknowledged): a page of deliveries from their index,
 * with the police reference of each one's episode. Reads only.
 */

export type WorkListReads = { deliveries: DeliveryStore; episodes: EpisodeStore };

export type WorkListPage = { deliveries: DeliveryWithHistory[]; references: Map<string, string>; next: Position | undefined };

/** Police references of the episodes that `deliveries` belong to. */
async function referencesOf(episodes: EpisodeStore, deliveries: readonly DeliveryWithHistory[]): Promise<Map<string, string>> {
  const records = await episodes.getMany([...new Set(deliveries.map((d) => d.episodeId))]);
  return new Map(records.map((e) => [e.episodeId, e.policeReference] as const));
}

/** Failed and bounced deliveries, the latest failure first. */
export async function failedWorkList(reads: WorkListReads, page: { limit: number; after?: Position }): Promise<WorkListPage> {
  const { deliveries, next } = await failedDeliveries(reads.deliveries, page);
  return { deliveries, references: await referencesOf(reads.episodes, deliveries), next };
}

/** Direct alerts sent and not acknowledged, the longest waiting first, each with its deadline in school hours. */
export async function overdueWorkList(
  reads: WorkListReads,
  rules: { ackDeadlineSeconds: number; schoolHours: SchoolHours },
  page: { limit: number; after?: Position },
): Promise<WorkListPage & { deadlines: Map<string, Date> }> {
  const { deliveries, next } = await unacknowledgedDeliveries(reads.deliveries, page);
  const deadlines = new Map(
    deliveries.map((d) => [d.deliveryId, ackDeadline(new Date(d.sentAt!), rules.ackDeadlineSeconds, d.risk, rules.schoolHours, BANK_HOLIDAYS_ENGLAND_WALES)] as const),
  );
  return { deliveries, references: await referencesOf(reads.episodes, deliveries), deadlines, next };
}
