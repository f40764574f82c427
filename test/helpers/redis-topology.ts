import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './redis-server';

/*
 * Private Redis Clusters and Sentinel sets for tests, from the same redis-server binary as
 * the rest of the suite: 127.0.0.1, free ports, temporary directories, killed after the test.
 */

type Node = { port: number; child: ChildProcess; dir: string };

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One command on a short-lived connection to a node. */
async function ask(port: number, ...command: (string | number)[]): Promise<unknown> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return await probe.call(String(command[0]), ...command.slice(1).map(String));
  } finally {
    probe.disconnect();
  }
}

async function startNode(args: string[], options: { port?: number; config?: string } = {}): Promise<Node> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'endeavor-ha-'));
  const base = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'no'];
  let argv = [...base, ...args];
  if (options.config !== undefined) {
    // Sentinel rewrites its configuration file, so it gets one of its own.
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, options.config);
    argv = [file, ...base, ...args];
  }
  const child = spawn('redis-server', argv, { stdio: 'ignore' });
  await poll(`redis-server on ${port}`, async () => ((await ask(port, 'PING')) === 'PONG' ? true : undefined), 15_000);
  return { port, child, dir };
}

async function killNode(node: Node): Promise<void> {
  if (node.child.exitCode === null && node.child.signalCode === null) {
    await new Promise<void>((resolve) => {
      node.child.once('exit', () => resolve());
      node.child.kill('SIGKILL');
    });
  }
}

function removeNode(node: Node): void {
  rmSync(node.dir, { recursive: true, force: true });
}

export type TestCluster = {
  /** `host:port,host:port`, as REDIS_CLUSTER_NODES takes it. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
};

/** A Redis Cluster of `masters` masters and no replicas, every slot covered and state ok. */
export async function startRedisCluster(masters = 3): Promise<TestCluster> {
  const started: Node[] = [];
  try {
    for (let i = 0; i < masters; i += 1) {
      // The bus port defaults to port + 10000, which may be taken or out of range: pick one.
      const busPort = await freePort();
      started.push(
        await startNode(['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000', '--appendonly', 'no']),
      );
    }
    const addresses = started.map((n) => `127.0.0.1:${n.port}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const node of started) {
      await poll(`cluster state ok on ${node.port}`, async () => (/cluster_state:ok/.test(String(await ask(node.port, 'CLUSTER', 'INFO'))) ? true : undefined));
    }
    return {
      nodes: addresses.join(','),
      ports: started.map((n) => n.port),
      async stop() {
        for (const node of started) await killNode(node);
        started.forEach(removeNode);
      },
    };
  } catch (err) {
    for (const node of started) await killNode(node);
    started.forEach(removeNode);
    throw err;
  }
}

export const SENTINEL_MASTER_NAME = 'endeavor-test';

export type TestSentinelSet = {
  masterPort: number;
  replicaPorts: number[];
  sentinelPort: number;
  /** `127.0.0.1:port`, as REDIS_SENTINELS takes it. */
  sentinels: string;
  masterName: string;
  /** SIGKILLs the first master. */
  killMaster(): Promise<void>;
  /** SIGSTOPs / SIGCONTs a replica: it stays connected (and `online` to its master) but acknowledges nothing meanwhile. */
  pauseReplica(index: number): void;
  resumeReplica(index: number): void;
  /** The port the sentinel currently names as master. */
  masterAsReported(): Promise<number>;
  /** Asks the sentinel for a failover while the master is alive: it is demoted to a replica. */
  failover(): Promise<void>;
  /**
   * Resolves with the new master's port once the sentinel names a master other than `from`
   * (default: the first master) and that node has taken the role.
   */
  waitForPromotion(from?: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
};

/**
 * A master, `replicas` replicas and one sentinel watching them, with a short down-after and
 * failover timeout so that a killed master is replaced within seconds. Resolves once the
 * replicas are in sync and the sentinel knows them. With two replicas, the promoted one still
 * has a replica after a failover (what REDIS_WAIT_REPLICAS=1 needs to go on accepting).
 */
export async function startSentinelSet(options: { replicas?: number } = {}): Promise<TestSentinelSet> {
  const started: Node[] = [];
  try {
    const master = await startNode(['--appendonly', 'yes', '--appendfsync', 'always']);
    started.push(master);
    const replicas: Node[] = [];
    for (let i = 0; i < (options.replicas ?? 1); i += 1) {
      replicas.push(await startNode(['--appendonly', 'yes', '--appendfsync', 'always', '--replicaof', '127.0.0.1', String(master.port)]));
    }
    started.push(...replicas);
    for (const replica of replicas) {
      await poll('replica in sync', async () => (/master_link_status:up/.test(String(await ask(replica.port, 'INFO', 'replication'))) ? true : undefined));
    }
    const sentinel = await startNode(['--sentinel'], {
      config: [
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        '',
      ].join('\n'),
    });
    started.push(sentinel);
    await poll('sentinel knowing the replicas', async () => {
      const known = (await ask(sentinel.port, 'SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME)) as string[][];
      const healthy = known.filter((fields) => fields[fields.indexOf('flags') + 1] === 'slave').map((fields) => Number(fields[fields.indexOf('port') + 1]));
      return replicas.every((r) => healthy.includes(r.port)) ? true : undefined;
    });
    const masterAsReported = async () => Number(((await ask(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)) as string[])[1]);
    return {
      masterPort: master.port,
      replicaPorts: replicas.map((r) => r.port),
      sentinelPort: sentinel.port,
      sentinels: `127.0.0.1:${sentinel.port}`,
      masterName: SENTINEL_MASTER_NAME,
      killMaster: () => killNode(master),
      pauseReplica: (index) => void replicas[index]!.child.kill('SIGSTOP'),
      resumeReplica: (index) => void replicas[index]!.child.kill('SIGCONT'),
      masterAsReported,
      async failover() {
        // A failover the sentinel is still finishing (reconfiguring replicas) answers INPROG: ask again.
        await poll('the sentinel accepting a failover', async () => {
          try {
            await ask(sentinel.port, 'SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME);
            return true;
          } catch (err) {
            if (/INPROG/.test((err as Error).message)) return undefined;
            throw err;
          }
        });
      },
      async waitForPromotion(from = master.port, timeoutMs = 30_000) {
        const promoted = await poll(
          'sentinel promoting a replica',
          async () => {
            const port = await masterAsReported();
            return port !== from ? port : undefined;
          },
          timeoutMs,
        );
        // The sentinel names the new master before it has finished taking the role: wait for it.
        await poll('the replica taking the master role', async () => (/role:master/.test(String(await ask(promoted, 'INFO', 'replication'))) ? true : undefined), timeoutMs);
        return promoted;
      },
      async stop() {
        for (const replica of replicas) replica.child.kill('SIGCONT');
        for (const node of [...started].reverse()) await killNode(node);
        started.forEach(removeNode);
      },
    };
  } catch (err) {
    for (const node of started) await killNode(node);
    started.forEach(removeNode);
    throw err;
  }
}

/** The keys matching `pattern`, from every master when it is a Cluster (KEYS asks one node only). */
export async function keysOnEveryMaster(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  return (await Promise.all(nodes.map((node) => node.keys(pattern)))).flat();
}
