/* The delivery store's Lua scripts (delivery.store.ts defines them once per connection and runs them by EVALSHA). */
import { DELIVERY_STATUSES } from './delivery-status';

/*
 * Creation and every status change are single scripts, so the record, its history, the
 * per-event counts and the status indexes never disagree. A delivery that exists is never
 * created again: fan-out may run twice and create nothing twice.
 */
export const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = cjson.decode(ARGV[1])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('HINCRBY', KEYS[4], fields['status'], 1)
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[6], ARGV[3], ARGV[4])
return 1
`;

// The escalation watch (KEYS[5]) mirrors awaitsEscalation (escalation-watch.ts); one table of cases tests both.
// KEYS: 1 record, 2 history, 3 event counts, 4 unacknowledged index, 5 escalation watch, 6.. one index per status
// (DELIVERY_STATUSES order), then the notice outbox
// ARGV: 1 allowed-from (comma list), 2 to, 3 now ISO, 4 now ms, 5 history JSON, 6 increment attempts (1/0), 7 fields JSON, 8 outbox notice
const transition = (guard: string) => `
local row = redis.call('HMGET', KEYS[1], 'status', 'deliveryId')
local current, id = row[1], row[2]
if not current then return {'missing', ''} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == current then allowed = true end end
if not allowed then return {'refused', current} end
${guard}
local statuses = {${DELIVERY_STATUSES.map((s) => `'${s}'`).join(',')}}
local function indexOf(status) for i, s in ipairs(statuses) do if s == status then return 5 + i end end end
local to = ARGV[2]
redis.call('HSET', KEYS[1], 'status', to, 'updatedAt', ARGV[3])
local fields = cjson.decode(ARGV[7])
for k, v in pairs(fields) do
  if v == cjson.null or v == '' then redis.call('HDEL', KEYS[1], k) else redis.call('HSET', KEYS[1], k, v) end
end
if ARGV[6] == '1' then redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
if current ~= to then
  redis.call('HINCRBY', KEYS[3], current, -1)
  redis.call('HINCRBY', KEYS[3], to, 1)
  redis.call('ZREM', KEYS[indexOf(current)], id)
end
redis.call('ZADD', KEYS[indexOf(to)], ARGV[4], id)
redis.call('RPUSH', KEYS[2], ARGV[5])
if to == 'sent' and redis.call('HGET', KEYS[1], 'ackable') == '1' and not redis.call('HGET', KEYS[1], 'acknowledgedAt') then
  redis.call('ZADD', KEYS[4], ARGV[4], id)
  if not redis.call('HGET', KEYS[1], 'escalatedAt') then redis.call('ZADD', KEYS[5], ARGV[4], id) end
end
if to == 'bounced' then
  redis.call('ZREM', KEYS[4], id)
  redis.call('ZREM', KEYS[5], id)
end
-- The staff notice this change calls for, in the notice outbox with the change itself.
if ARGV[8] ~= '' then redis.call('ZADD', KEYS[6 + #statuses], ARGV[4], ARGV[8]) end
return {'ok', current}
`;

export const TRANSITION = transition('');

/** The key after TRANSITION's: the organisation's directory document, which CLAIM reads. */
const ORGANISATION_KEY = 7 + DELIVERY_STATUSES.length;

/*
 * The claim (`sending`) with the recipient checked in the same step (SPEC §6, §11): the
 * organisation's document as the directory keeps it (KEYS after TRANSITION's), and the contact
 * id (ARGV 9) and address (ARGV 10) the send decided on. The delivery is claimed only while the
 * organisation is active and that contact active at that address; otherwise nothing changes and
 * the document comes back for the pure decision (resolveRecipient) to decide again. Pure twin:
 * stillSendsTo (recipient.ts); one table of cases tests both.
 */
export const CLAIM = transition(`
local doc = redis.call('GET', KEYS[${ORGANISATION_KEY}])
local still = false
if doc then
  local org = cjson.decode(doc)
  if org['active'] == true and type(org['contacts']) == 'table' then
    for _, c in ipairs(org['contacts']) do
      if type(c) == 'table' and c['contactId'] == ARGV[9] then
        still = c['active'] == true and c['email'] == ARGV[10]
        break
      end
    end
  end
end
if not still then return {'recipient', current, doc or ''} end
`);

/** Sets acknowledgedAt once; later calls change nothing and report the first time. */
export const ACKNOWLEDGE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local at = redis.call('HGET', KEYS[1], 'acknowledgedAt')
if at then return {'already', at} end
redis.call('HSET', KEYS[1], 'acknowledgedAt', ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], redis.call('HGET', KEYS[1], 'deliveryId'))
redis.call('ZREM', KEYS[4], redis.call('HGET', KEYS[1], 'deliveryId'))
return {'ok', ARGV[1]}
`;

/** Keeps a recipient's answer once: a second answer changes nothing. */
export const RECORD_ANSWER = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'ackAnsweredAt') == 1 then return 0 end
local fields = cjson.decode(ARGV[1])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
`;

/** Sets escalatedAt once. */
export const ESCALATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'escalatedAt') or redis.call('HGET', KEYS[1], 'acknowledgedAt') then return 0 end
-- Only a sent delivery awaits escalation (awaitsEscalation): one that bounced meanwhile is not escalated.
if redis.call('HGET', KEYS[1], 'status') ~= 'sent' then
  redis.call('ZREM', KEYS[3], redis.call('HGET', KEYS[1], 'deliveryId'))
  return 0
end
redis.call('HSET', KEYS[1], 'escalatedAt', ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], redis.call('HGET', KEYS[1], 'deliveryId'))
return 1
`;
