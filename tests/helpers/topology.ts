/**
 * What the integration and interop tests build their Redis topologies from: the two sentinel
 * executables, a master with replicas, INFO replication and ROLE probes, the waits for a replica
 * to follow its master and for sentinels to agree on one, and a pub/sub reader.
 */
import * as path from 'node:path';
import {
  command,
  type Instance,
  items,
  parseInfo,
  record,
  REPO_ROOT,
  RespClient,
  startRedis,
  text,
  waitFor,
} from './cluster';

// ---------------------------------------------------------------------------------------------
// Sentinel executables

/** A sentinel executable as argv, with a label for test titles (`$label` in describe.each). */
export interface SentinelBinary {
  label: 'ts-sentinel' | 'redis-sentinel';
  bin: readonly string[];
}

/** Our daemon, `node <repo>/dist/cli.js`, whatever SENTINEL_BIN says (`npm run build` first). */
export const OURS: SentinelBinary = {
  label: 'ts-sentinel',
  bin: [process.execPath, path.join(REPO_ROOT, 'dist', 'cli.js')],
};

/** Debian's redis-sentinel, from PATH. */
export const REDIS: SentinelBinary = { label: 'redis-sentinel', bin: ['redis-sentinel'] };

/** Both, explicitly: for tests that run the same statement against the original and ours. */
export const BOTH: readonly SentinelBinary[] = [OURS, REDIS];

// ---------------------------------------------------------------------------------------------
// Redis

/** A master waits 5 s by default before a diskless full sync, hoping for more replicas. */
export const NO_SYNC_DELAY = ['--repl-diskless-sync-delay', '0'];

/** INFO replication of the Redis on `port` as key -> value; `password` to AUTH, `timeoutMs` per reply. */
export async function replication(
  port: number,
  opts: { password?: string; timeoutMs?: number } = {},
): Promise<Record<string, string>> {
  return parseInfo(text(await command(port, ['INFO', 'replication'], opts)));
}

/** The first element of ROLE: `master`, `slave` or `sentinel`. */
export async function roleOf(port: number): Promise<string> {
  return text(items(await command(port, ['ROLE']))[0] ?? { type: 'nullbulk' });
}

/**
 * Resolves when `replica` reports role slave of `masterPort` with master_link_status up. Probes
 * AUTH with the replica's own password; `probeTimeoutMs` bounds each INFO (default 5 s).
 */
export async function waitReplicaOf(
  replica: Instance,
  masterPort: number,
  timeoutMs: number,
  probeTimeoutMs?: number,
): Promise<void> {
  await waitFor(
    async () => {
      const repl = await replication(replica.port, { password: replica.password, timeoutMs: probeTimeoutMs });
      return (
        repl.role === 'slave' && repl.master_port === String(masterPort) && repl.master_link_status === 'up'
      );
    },
    { timeoutMs, what: `${replica.port} to replicate ${masterPort} with the link up` },
  );
}

export interface MasterAndReplicasOptions {
  /** How many replicas of the master to start (at the same time). */
  replicas: number;
  /** Extra redis-server arguments for every one of them. */
  args?: string[];
  /** requirepass and masterauth for every one of them. */
  password?: string;
  /** Wait this long for each replica in turn to be linked up (waitReplicaOf); no wait if absent. */
  syncTimeoutMs?: number;
  /** With syncTimeoutMs: how long one INFO probe may take. */
  probeTimeoutMs?: number;
}

/** Starts a master on 127.0.0.1, then its replicas (replicaof in redis.conf), all alike. */
export async function startMasterAndReplicas(
  opts: MasterAndReplicasOptions,
): Promise<{ master: Instance; replicas: Instance[] }> {
  const common = { args: opts.args, password: opts.password };
  const master = await startRedis(common);
  const replicas = await Promise.all(
    Array.from({ length: opts.replicas }, () => startRedis({ ...common, replicaOf: master.port })),
  );
  if (opts.syncTimeoutMs !== undefined) {
    for (const replica of replicas)
      await waitReplicaOf(replica, master.port, opts.syncTimeoutMs, opts.probeTimeoutMs);
  }
  return { master, replicas };
}

// ---------------------------------------------------------------------------------------------
// Sentinels

/** sentinel.conf lines: monitor `name` at 127.0.0.1:`masterPort` with `quorum`, and its timings. */
export function monitorConf(
  name: string,
  masterPort: number,
  quorum: number,
  timing: { downAfterMs: number; failoverTimeoutMs: number },
): string {
  return [
    `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${timing.downAfterMs}`,
    `sentinel failover-timeout ${name} ${timing.failoverTimeoutMs}`,
  ].join('\n');
}

/** One sentinel's view of a master: its port (GET-MASTER-ADDR-BY-NAME), config epoch and flags. */
export interface MasterView {
  port: number;
  epoch: number;
  flags: string;
}

/** What `sentinel` says about master `name`; expects the address to be 127.0.0.1. */
export async function masterView(sentinel: Instance, name: string): Promise<MasterView> {
  const addr = items(await command(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name])).map(text);
  const master = record(await command(sentinel.port, ['SENTINEL', 'MASTER', name]));
  expect(addr[0]).toBe('127.0.0.1');
  return { port: Number(addr[1]), epoch: Number(master['config-epoch']), flags: master.flags ?? '' };
}

/**
 * Resolves when every given sentinel names the same master `name`, other than `oldPort`, with the
 * same positive config epoch, and none has a failover in progress (flags exactly `master`).
 */
export async function agreement(
  sentinels: readonly Instance[],
  name: string,
  oldPort: number,
  timeoutMs: number,
): Promise<MasterView> {
  let last: MasterView[] = [];
  try {
    return await waitFor(
      async () => {
        last = await Promise.all(sentinels.map((s) => masterView(s, name)));
        const [first] = last;
        if (first === undefined || first.port === oldPort || first.epoch <= 0) return undefined;
        const same = last.every(
          (v) => v.port === first.port && v.epoch === first.epoch && v.flags === 'master',
        );
        return same ? first : undefined;
      },
      { timeoutMs, intervalMs: 200, what: 'all sentinels to agree on a new master' },
    );
  } catch (err) {
    // The views at the deadline say who disagreed, and how.
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}; last views ${JSON.stringify(last)}`,
    );
  }
}

/** Replicas `sentinel` lists for master `name` as healthy (flags `slave`, link ok), as sorted ports. */
export async function healthyReplicas(sentinel: Instance, name: string): Promise<number[]> {
  return items(await command(sentinel.port, ['SENTINEL', 'REPLICAS', name]))
    .map(record)
    .filter((r) => r.flags === 'slave' && r['master-link-status'] === 'ok')
    .map((r) => Number(r.port))
    .sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Pub/sub

/** A SUBSCRIBE connection that keeps every message, so a wait also finds earlier ones. */
export class Subscriber {
  private readonly seen: { channel: string; payload: string }[] = [];

  private constructor(private readonly client: RespClient) {}

  /** Connects to `port` and subscribes to `channels`, checking each confirmation. */
  static async open(port: number, channels: string[]): Promise<Subscriber> {
    const client = await RespClient.connect(port);
    client.send(['SUBSCRIBE', ...channels]);
    for (const channel of channels) {
      expect(items((await client.read()).value).map(text)).toEqual([
        'subscribe',
        channel,
        String(channels.indexOf(channel) + 1),
      ]);
    }
    return new Subscriber(client);
  }

  /** The payload of the first message on `channel`, seen before or arriving within `timeoutMs`. */
  async next(channel: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.seen.find((m) => m.channel === channel);
      if (hit !== undefined) return hit.payload;
      const left = deadline - Date.now();
      const fail = (why = '') =>
        new Error(`no ${channel} within ${timeoutMs} ms${why}; seen ${JSON.stringify(this.seen)}`);
      if (left <= 0) throw fail();
      const reply = await this.client.read(left).catch((e: Error) => {
        throw fail(` (${e.message})`);
      });
      const [kind, ch, payload] = items(reply.value).map(text);
      if (kind === 'message' && ch !== undefined && payload !== undefined)
        this.seen.push({ channel: ch, payload });
    }
  }

  close(): void {
    this.client.close();
  }
}
