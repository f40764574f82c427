import { actorOf } from '../access/actor';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import type { EpisodeStore, ReturnInterviewDone } from './episode.store';

export type ReturnInterviewDeps = { episodes: EpisodeStore; audit: AuditLog; now: () => Date };

export type ReturnInterviewOutcome =
  | { ok: true; done: ReturnInterviewDone }
  | { ok: false; reason: 'no-episode' }
  | { ok: false; reason: 'not-found'; state: string };

/**
 * SPEC §7, §13: records that a found child's return home interview took place (mash, admin).
 * Audited before it is written, so no change goes unrecorded; recording it again changes
 * nothing and is not audited again.
 */
export async function recordReturnInterview(deps: ReturnInterviewDeps, episodeId: string, by: { role: string; email: string }): Promise<ReturnInterviewOutcome> {
  const episode = await deps.episodes.get(episodeId);
  if (!episode) return { ok: false, reason: 'no-episode' };
  if (episode.state !== 'found') return { ok: false, reason: 'not-found', state: episode.state };
  const already = (await deps.episodes.returnInterviewsDone([episodeId])).get(episodeId);
  if (already) return { ok: true, done: already };
  const done = { recordedAt: deps.now().toISOString(), recordedBy: actorOf(by) };
  await auditBeforeAnswer(deps.audit, { at: done.recordedAt, actor: done.recordedBy, action: 'episode.return-interview-done', subject: episodeId });
  // Two at once: the first write stands, and the page shows that one.
  if (await deps.episodes.recordReturnInterviewDone(episodeId, done)) return { ok: true, done };
  return { ok: true, done: (await deps.episodes.returnInterviewsDone([episodeId])).get(episodeId)! };
}
