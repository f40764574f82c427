import { fromHash, type Delivery } from './delivery-record';
import type { MessageFacts } from './message-types';

/*
 * The send path's one read: the record, and beside it what the send decides on, each from the
 * key its owner names. ARGV are key templates (the episode store's, the directory store's, the
 * delivery store's message facts), filled from the record's fields: <episodeId>, <orgType>,
 * <orgId>, <eventUid>. Keys found in the record cannot be declared up front; they share the
 * queue prefix, which a Cluster deployment hash-tags (BullMQ requires it), so one slot holds them.
 */
export const LOAD_FOR_SEND = `
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then return {} end
local h = {}
for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
local function fill(template) return (string.gsub(template, '<(%w+)>', function(k) return h[k] end)) end
local episode = redis.call('GET', fill(ARGV[1]))
local organisation = redis.call('GET', fill(ARGV[2]))
local facts = redis.call('HGET', fill(ARGV[3]), h['asOf'] or h['eventUid'])
return {raw, episode, organisation, facts}
`;

/** What the send path reads in one trip (LOAD_FOR_SEND): JSON documents as their owners stored them. */
export type SendLoad = { delivery: Delivery; episode: string | null; organisation: string | null; messageFacts: MessageFacts | undefined };

/** The script's answer as the send path takes it; undefined when the record is gone. */
export function parseSendLoad(result: unknown): SendLoad | undefined {
  const row = result as [] | [string[], string | null, string | null, string | null];
  if (row.length === 0) return undefined;
  const [raw, episode, organisation, facts] = row;
  const hash: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) hash[raw[i]!] = raw[i + 1]!;
  const delivery = fromHash(hash);
  if (!delivery) return undefined;
  return { delivery, episode, organisation, messageFacts: facts ? (JSON.parse(facts) as MessageFacts) : undefined };
}
