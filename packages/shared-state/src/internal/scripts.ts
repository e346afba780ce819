import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis-connection.js';

/**
 * Lua scripts, run with EVALSHA (ioredis defineCommand). Each touches keys
 * of one cluster only, which share a hash tag, so they run on Redis Cluster.
 */

/** Table entries are `[ts, origin, value]`: a write wins when its (ts, origin) is not older. */
const NEWER = `
local function older(cur, ts, origin)
  if not cur then return false end
  local ok, c = pcall(cjson.decode, cur)
  if not ok or type(c) ~= 'table' then return false end
  local cts = tonumber(c[1]) or 0
  return cts > ts or (cts == ts and tostring(c[2]) > origin)
end
`;

/** KEYS[1] entry; ARGV encoded, ts, origin, ttlMs. 1 = stored, 0 = a newer value is there. */
const TABLE_SET = `${NEWER}
if older(redis.call('GET', KEYS[1]), tonumber(ARGV[2]), ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return 1`;

/** KEYS[1] entry; ARGV ts, origin. */
const TABLE_DELETE = `${NEWER}
if older(redis.call('GET', KEYS[1]), tonumber(ARGV[1]), ARGV[2]) then return 0 end
return redis.call('DEL', KEYS[1])`;

/**
 * KEYS[1] admin hash; ARGV field, change JSON, instance id, channel.
 * Merges a patch into what the server already has (an added server keeps
 * its spec with the new weight/state), stores it, publishes
 * {i, c: change, r: record} and returns the stored record.
 */
const ADMIN_PUT = `
local change = cjson.decode(ARGV[2])
local record = change
local current = redis.call('HGET', KEYS[1], ARGV[1])
if change.type == 'patch' and current then
  local c = cjson.decode(current)
  local target = nil
  if c.type == 'add' then target = c.spec elseif c.type == 'patch' then target = c end
  if target then
    if change.weight ~= nil then target.weight = change.weight end
    if change.state ~= nil then target.state = change.state end
    record = c
  end
end
local stored = cjson.encode(record)
redis.call('HSET', KEYS[1], ARGV[1], stored)
redis.call('PUBLISH', ARGV[4], cjson.encode({ i = ARGV[3], c = change, r = stored }))
return stored`;

/**
 * KEYS[1] members sorted set, KEYS[2] this instance's snapshot; ARGV
 * instance id, snapshot JSON, ttlMs, snapshot key prefix. Stores the
 * snapshot with a ttl, marks the instance seen (Redis's clock, so hosts'
 * clocks do not matter), forgets instances not seen for a ttl, and returns
 * [id, snapshot, …] of the other live instances.
 */
const SNAPSHOT_EXCHANGE = `
-- Writes after TIME need effects replication: the default since Redis 5, asked for on older ones.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ttl)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[1] then
    local snapshot = redis.call('GET', ARGV[4] .. id)
    if snapshot then
      out[#out + 1] = id
      out[#out + 1] = snapshot
    end
  end
end
return out`;

const SCRIPTS = {
  lvs7TableSet: { numberOfKeys: 1, lua: TABLE_SET },
  lvs7TableDelete: { numberOfKeys: 1, lua: TABLE_DELETE },
  lvs7AdminPut: { numberOfKeys: 1, lua: ADMIN_PUT },
  lvs7SnapshotExchange: { numberOfKeys: 2, lua: SNAPSHOT_EXCHANGE },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Runner = Record<ScriptName, (...args: (string | number)[]) => unknown>;

export function defineScripts(client: RedisClient): void {
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
}

/** Queues a table write on a pipeline (the client must have defineScripts()). */
export function queueTableSet(
  pipeline: ChainableCommander,
  key: string,
  encoded: string,
  ts: number,
  origin: string,
  ttlMs: number,
): void {
  (pipeline as unknown as Runner).lvs7TableSet(key, encoded, ts, origin, Math.max(1, Math.ceil(ttlMs)));
}

export function queueTableDelete(
  pipeline: ChainableCommander,
  key: string,
  ts: number,
  origin: string,
): void {
  (pipeline as unknown as Runner).lvs7TableDelete(key, ts, origin);
}

export function adminPut(
  client: RedisClient,
  hash: string,
  field: string,
  change: string,
  instanceId: string,
  channel: string,
): Promise<string> {
  return (client as unknown as Runner).lvs7AdminPut(
    hash,
    field,
    change,
    instanceId,
    channel,
  ) as Promise<string>;
}

export function snapshotExchange(
  client: RedisClient,
  keys: { members: string; own: string; prefix: string },
  instanceId: string,
  snapshot: string,
  ttlMs: number,
): Promise<string[]> {
  const run = (client as unknown as Runner).lvs7SnapshotExchange;
  return run.call(client, keys.members, keys.own, instanceId, snapshot, ttlMs, keys.prefix) as Promise<
    string[]
  >;
}

/** Redis answered with an error (the command would fail again), as opposed to a lost connection. */
export function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}
