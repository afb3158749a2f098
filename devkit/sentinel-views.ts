/**
 * What sentinels say about a master, read the same way by the tests, the demo and the
 * benchmarks: its address, its epoch, its replicas and peers, and whether they all agree.
 */
import type * as tls from 'node:tls';
import type { Instance } from './instance';
import { LOOPBACK } from './ports';
import { items, record, text } from './resp';
import { command } from './resp-client';
import { errorText, waitFor } from './wait';

/** GET-MASTER-ADDR-BY-NAME on the sentinel at `port`: the master's port, undefined for a null reply. */
export async function masterPortOf(
  port: number,
  name: string,
  timeoutMs?: number,
  tlsOptions?: tls.ConnectionOptions,
): Promise<number | undefined> {
  const reply = await command(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name], {
    timeoutMs,
    tls: tlsOptions,
  });
  if (reply.type !== 'array') return undefined;
  const [host, masterPort] = reply.items.map(text);
  if (host !== LOOPBACK)
    throw new Error(`sentinel ${port} names ${host}:${masterPort}, not a ${LOOPBACK} address`);
  return Number(masterPort);
}

/** One sentinel's view of a master: its port (GET-MASTER-ADDR-BY-NAME), config epoch and flags. */
export interface MasterView {
  port: number;
  epoch: number;
  flags: string;
}

/** What `sentinel` says about master `name`; the address must be 127.0.0.1. */
export async function masterView(sentinel: Instance, name: string): Promise<MasterView> {
  const port = await masterPortOf(sentinel.port, name, undefined, sentinel.tls);
  if (port === undefined) throw new Error(`sentinel ${sentinel.port} has no address for ${name}`);
  const master = record(await command(sentinel.port, ['SENTINEL', 'MASTER', name], { tls: sentinel.tls }));
  return { port, epoch: Number(master['config-epoch']), flags: master.flags ?? '' };
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
    throw new Error(`${errorText(err)}; last views ${JSON.stringify(last)}`);
  }
}

/** Replicas `sentinel` lists for master `name` as healthy (flags `slave`, link ok), as sorted ports. */
export async function healthyReplicas(sentinel: Instance, name: string): Promise<number[]> {
  return items(await command(sentinel.port, ['SENTINEL', 'REPLICAS', name], { tls: sentinel.tls }))
    .map(record)
    .filter((r) => r.flags === 'slave' && r['master-link-status'] === 'ok')
    .map((r) => Number(r.port))
    .sort((a, b) => a - b);
}

/**
 * Why the sentinel at `port` does not see the whole deployment of master `name` yet, or
 * undefined once it does: the master up, `replicas` replicas linked, `peers` other sentinels
 * flagged plain `sentinel`, and CKQUORUM satisfied.
 */
export async function discoveryProblem(
  port: number,
  name: string,
  expected: { replicas: number; peers: number },
): Promise<string | undefined> {
  const master = record(await command(port, ['SENTINEL', 'MASTER', name]));
  if (master.flags !== 'master') return `sentinel ${port} flags the master ${master.flags}`;
  const replicas = items(await command(port, ['SENTINEL', 'REPLICAS', name])).map(record);
  const linked = replicas.filter((r) => r.flags === 'slave' && r['master-link-status'] === 'ok');
  if (replicas.length !== expected.replicas || linked.length !== expected.replicas)
    return `sentinel ${port} knows ${linked.length} linked of ${replicas.length} replicas, not ${expected.replicas}`;
  const peers = items(await command(port, ['SENTINEL', 'SENTINELS', name])).map(record);
  const healthy = peers.filter((p) => p.flags === 'sentinel');
  if (peers.length !== expected.peers || healthy.length !== expected.peers)
    return `sentinel ${port} knows ${healthy.length} healthy of ${peers.length} peers, not ${expected.peers}`;
  const quorum = await command(port, ['SENTINEL', 'CKQUORUM', name]);
  if (quorum.type === 'error') return `sentinel ${port}: ${quorum.value}`;
  return undefined;
}
