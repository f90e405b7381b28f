/*
 * The Lua scripts the writer runs. Each runs atomically inside Redis, so an
 * object's hash field, the revision counter and the stream entry always
 * change together. Registered with ioredis' defineCommand: EVALSHA, with
 * EVAL on a connection's first use and after NOSCRIPT.
 *
 * Errors are reply errors whose first word says what happened:
 *   PCEPOCH <found>           the epoch key is not the writer's ("" = absent)
 *   PCFENCED <token> <seen>   a writer with a higher fencing token has written
 *   PCSTREAM <message>        XADD refused the entry (stream ahead of :rev)
 */
import type { Cluster, Redis } from "ioredis";
import { EpochLostError, FencedError } from "./errors.ts";

/* Shared by both scripts: raise :fence to the token, or refuse a lower one. */
const FENCE_LUA = `
local function fence(fkey, arg)
  if arg == '' then return nil end
  local token = tonumber(arg)
  local seen = tonumber(redis.call('GET', fkey) or '-1')
  if token < seen then
    return redis.error_reply('PCFENCED ' .. arg .. ' ' .. string.format('%d', seen))
  end
  if token > seen then redis.call('SET', fkey, arg) end
  return nil
end
`;

/**
 * KEYS: epoch, rev, stream, fence
 * ARGV: candidate epoch, fence token ("" = unfenced)
 * Returns { epoch, created (0/1), rev }. Also repairs :rev if the stream is
 * ahead of it, so the next XADD id is always free.
 */
export const INIT_LUA = `${FENCE_LUA}
local err = fence(KEYS[4], ARGV[2])
if err then return err end
local epoch = redis.call('GET', KEYS[1])
local created = 0
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
  created = 1
end
local rev = tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('EXISTS', KEYS[3]) == 1 then
  local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
  if last[1] then
    local id = tonumber(string.match(last[1][1], '^(%d+)'))
    if id > rev then
      rev = id
      redis.call('SET', KEYS[2], string.format('%d', rev))
    end
  end
end
return { epoch, created, string.format('%d', rev) }
`;

/**
 * KEYS: epoch, rev, collections, stream, fence, then the hashes of the
 *       collections the ops touch
 * ARGV: epoch, fence token ("" = unfenced), stream max length (0 = no trim),
 *       then 5 per op: kind (p = put, d = delete, f = forget the collection
 *       if its hash is empty), index of its hash among the KEYS after the
 *       first 5, collection, key, object JSON (put only)
 * Returns { rev after the last op, one "0"/"1" per op: did it change anything }.
 */
export const APPLY_LUA = `${FENCE_LUA}
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return redis.error_reply('PCEPOCH ' .. (epoch or '')) end
local err = fence(KEYS[5], ARGV[2])
if err then return err end
local stream = KEYS[4]
local rev = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = rev
local flags = {}
local n = #ARGV
local i = 4
while i <= n do
  local kind = ARGV[i]
  local h = KEYS[5 + tonumber(ARGV[i + 1])]
  local coll = ARGV[i + 2]
  local key = ARGV[i + 3]
  local changed = '0'
  if kind == 'p' then
    local json = ARGV[i + 4]
    local cur = redis.call('HGET', h, key)
    local same = false
    if cur then
      local at = string.find(cur, ',"o":', 1, true)
      same = at ~= nil and string.sub(cur, at + 5, -2) == json
    end
    if not same then
      local r = string.format('%d', rev + 1)
      local ok = redis.pcall('XADD', stream, r .. '-0', 'e', epoch, 'op', 'put', 'c', coll, 'k', key, 'o', json)
      if type(ok) == 'table' and ok.err then
        if rev > start then redis.call('SET', KEYS[2], string.format('%d', rev)) end
        return redis.error_reply('PCSTREAM ' .. ok.err)
      end
      rev = rev + 1
      redis.call('HSET', h, key, '{"r":' .. r .. ',"o":' .. json .. '}')
      redis.call('SADD', KEYS[3], coll)
      changed = '1'
    end
  elseif kind == 'd' then
    if redis.call('HEXISTS', h, key) == 1 then
      local r = string.format('%d', rev + 1)
      local ok = redis.pcall('XADD', stream, r .. '-0', 'e', epoch, 'op', 'delete', 'c', coll, 'k', key)
      if type(ok) == 'table' and ok.err then
        if rev > start then redis.call('SET', KEYS[2], string.format('%d', rev)) end
        return redis.error_reply('PCSTREAM ' .. ok.err)
      end
      rev = rev + 1
      redis.call('HDEL', h, key)
      changed = '1'
    end
  else
    if redis.call('HLEN', h) == 0 and redis.call('SREM', KEYS[3], coll) == 1 then changed = '1' end
  end
  flags[#flags + 1] = changed
  i = i + 5
end
if rev > start then
  redis.call('SET', KEYS[2], string.format('%d', rev))
  local maxlen = tonumber(ARGV[3])
  if maxlen > 0 then redis.call('XTRIM', stream, 'MAXLEN', '~', maxlen) end
end
return { string.format('%d', rev), table.concat(flags) }
`;

export type RedisClient = Redis | Cluster;

const INIT = "portcullisCacheInit";
const APPLY = "portcullisCacheApply";

type ScriptFn = (numKeys: number, ...args: string[]) => Promise<unknown>;

/** Defines the scripts on a client (once) and returns callers for it or one of its pipelines. */
export function defineScripts(client: RedisClient): void {
  const c = client as unknown as Record<string, unknown>;
  if (typeof c[INIT] !== "function") client.defineCommand(INIT, { lua: INIT_LUA });
  if (typeof c[APPLY] !== "function") client.defineCommand(APPLY, { lua: APPLY_LUA });
}

/** Runs the init script on a client on which defineScripts() was called. */
export function callInit(client: RedisClient, keys: string[], args: string[]): Promise<unknown> {
  const fn = (client as unknown as Record<string, ScriptFn>)[INIT];
  return fn.call(client, keys.length, ...keys, ...args);
}

/** Queues the apply script on a pipeline of a client on which defineScripts() was called. */
export function queueApply(pipeline: object, keys: string[], args: string[]): void {
  const fn = (pipeline as unknown as Record<string, ScriptFn>)[APPLY];
  fn.call(pipeline, keys.length, ...keys, ...args);
}

/** Turns a script's reply error into EpochLostError / FencedError, or returns it unchanged. */
export function scriptError(error: unknown, expectedEpoch: string): unknown {
  const message = error instanceof Error ? error.message : "";
  let m = /^PCEPOCH ?(.*)$/.exec(message);
  if (m) return new EpochLostError(expectedEpoch, m[1] ?? "");
  m = /^PCFENCED (-?\d+) (-?\d+)/.exec(message);
  if (m) return new FencedError(Number(m[1]), Number(m[2]));
  m = /^PCSTREAM (.*)$/.exec(message);
  if (m) return new Error(`cache stream refused an entry (the stream is ahead of :rev?): ${m[1]}`);
  return error;
}
