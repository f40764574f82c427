import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis';

/** A Lua script and how many of its arguments are keys (KEYS), the rest being ARGV. */
export type ScriptDefinition = { numberOfKeys: number; lua: string };

export type ScriptArg = string | number;

/** Runs a store's scripts by name, directly or queued in a pipeline (for a WAIT after it). */
export type Scripts<N extends string> = {
  run(name: N, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown>;
  queue(pipeline: ChainableCommander, name: N, keys: readonly string[], args: readonly ScriptArg[]): ChainableCommander;
};

type ScriptCommand = (...keysAndArgs: ScriptArg[]) => Promise<unknown>;

/**
 * Defines each script as a command of the client (ioredis `defineCommand`), once per client:
 * the first call on a connection sends the text with EVAL, every later one only its SHA1 with
 * EVALSHA, and a NOSCRIPT (a restarted or failed-over Redis) falls back to EVAL by itself.
 * Works the same on a Cluster. Names are global to the client, so each store prefixes its own;
 * a store created twice on one client finds its commands already there.
 *
 * Define before creating pipelines: a pipeline copies the client's commands when it is made.
 */
export function defineScripts<N extends string>(redis: RedisClient, scripts: Record<N, ScriptDefinition>): Scripts<N> {
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  const defined = redis.scriptsSet as Record<string, { lua: string } | undefined>;
  for (const [name, definition] of Object.entries(scripts) as [N, ScriptDefinition][]) {
    const existing = defined[name];
    if (existing && existing.lua !== definition.lua) throw new Error(`script ${name} is already defined with other text`);
    if (!existing && typeof commands[name] === 'function') throw new Error(`script ${name} would hide a command of the client`);
    if (!existing) redis.defineCommand(name, definition);
  }
  const checked = (name: N, keys: readonly string[], args: readonly ScriptArg[]): ScriptArg[] => {
    // A wrong key count would shift an argument into KEYS: in a Cluster, a wrong slot; anywhere, a wrong answer.
    if (keys.length !== scripts[name].numberOfKeys) throw new Error(`script ${name} takes ${scripts[name].numberOfKeys} keys, not ${keys.length}`);
    return [...keys, ...args];
  };
  return {
    run: (name, keys, args) => commands[name]!.apply(redis, checked(name, keys, args)),
    queue: (pipeline, name, keys, args) => {
      const queued = (pipeline as unknown as Record<string, (...a: ScriptArg[]) => ChainableCommander>)[name];
      if (typeof queued !== 'function') throw new Error(`script ${name} is not defined on this pipeline's client`);
      return queued.apply(pipeline, checked(name, keys, args));
    },
  };
}
