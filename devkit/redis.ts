/**
 * redis-server processes: one on a free loopback port without persistence, a master with its
 * replicas, and the probes that say whether a replica follows its master.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { Instance, startWithPortRetry } from './instance';
import { LOOPBACK } from './ports';
import { registry, wrapped, type ProcessRegistry } from './processes';
import { items, parseInfo, text } from './resp';
import { type TestCerts, tlsClientOptions, tlsOnlyDirectives } from './tls';
import { command } from './resp-client';
import { waitFor } from './wait';

export interface RedisOptions {
  port?: number;
  /** Extra command-line arguments, after ours (so they win), e.g. ['--maxmemory', '10mb']. */
  args?: string[];
  /** Sets both requirepass and masterauth. */
  password?: string;
  /**
   * Port of a master on 127.0.0.1 (or its address) to replicate. Written to redis.conf rather
   * than the command line, so that the CONFIG REWRITE a sentinel sends with SLAVEOF sticks
   * across restarts.
   */
  replicaOf?: number | { host: string; port: number };
  /** The address to listen on; 127.0.0.1 when absent. */
  bind?: string;
  /** argv before `redis-server`, e.g. `ip netns exec <ns>` (see wrapped()). */
  wrapper?: readonly string[];
  /** Working directory; a fresh temp dir when absent. */
  dir?: string;
  /** TLS only (tlsOnlyDirectives): the instance's port is its tls-port, plain TCP is off. */
  tls?: TestCerts;
  registry?: ProcessRegistry;
}

/** Starts redis-server on 127.0.0.1 without persistence and resolves once PING answers. */
export function startRedis(opts: RedisOptions = {}): Promise<Instance> {
  const reg = opts.registry ?? registry;
  return startWithPortRetry(opts.port, (port) => {
    const dir = opts.dir ?? reg.makeTempDir(`redis-${port}`);
    const confPath = path.join(dir, 'redis.conf');
    const master =
      typeof opts.replicaOf === 'number' ? { host: LOOPBACK, port: opts.replicaOf } : opts.replicaOf;
    fs.writeFileSync(confPath, master !== undefined ? `replicaof ${master.host} ${master.port}\n` : '');
    const args = [confPath, '--port', String(port), '--bind', opts.bind ?? LOOPBACK];
    args.push('--save', '', '--appendonly', 'no', '--dir', dir);
    if (opts.password !== undefined) args.push('--requirepass', opts.password, '--masterauth', opts.password);
    if (opts.tls !== undefined)
      for (const [name, value] of tlsOnlyDirectives(opts.tls, port)) args.push(`--${name}`, value);
    args.push(...(opts.args ?? []));
    const logPath = path.join(dir, 'redis.log');
    const launch = wrapped(['redis-server', ...args], opts.wrapper);
    const tlsOptions = opts.tls !== undefined ? tlsClientOptions(opts.tls) : undefined;
    return new Instance('redis', port, dir, confPath, logPath, opts.password, launch, reg, tlsOptions);
  });
}

/** A master waits 5 s by default before a diskless full sync, hoping for more replicas. */
export const NO_SYNC_DELAY = ['--repl-diskless-sync-delay', '0'];

/** INFO replication of the Redis on `port` as key -> value; `password` to AUTH, `timeoutMs` per reply. */
export async function replication(
  port: number,
  opts: { password?: string; timeoutMs?: number; tls?: tls.ConnectionOptions } = {},
): Promise<Record<string, string>> {
  return parseInfo(text(await command(port, ['INFO', 'replication'], opts)));
}

/** The first element of ROLE: `master`, `slave` or `sentinel`; `tlsOptions` for a TLS port. */
export async function roleOf(port: number, tlsOptions?: tls.ConnectionOptions): Promise<string> {
  return text(items(await command(port, ['ROLE'], { tls: tlsOptions }))[0] ?? { type: 'nullbulk' });
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
      const repl = await replication(replica.port, {
        password: replica.password,
        timeoutMs: probeTimeoutMs,
        tls: replica.tls,
      });
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
  /** All TLS only, replicating over TLS. */
  tls?: TestCerts;
  /** Wait this long for each replica in turn to be linked up (waitReplicaOf); no wait if absent. */
  syncTimeoutMs?: number;
  /** With syncTimeoutMs: how long one INFO probe may take. */
  probeTimeoutMs?: number;
  registry?: ProcessRegistry;
}

/** Starts a master on 127.0.0.1, then its replicas (replicaof in redis.conf), all alike. */
export async function startMasterAndReplicas(
  opts: MasterAndReplicasOptions,
): Promise<{ master: Instance; replicas: Instance[] }> {
  const common = { args: opts.args, password: opts.password, tls: opts.tls, registry: opts.registry };
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
