/**
 * The demo's deployment and the conditions it waits for: a master, two replicas and three
 * sentinels on 127.0.0.1; all of them discovered; after kill -9, a write accepted at the address
 * the sentinels give, and the whole deployment settled on the new master.
 */
import {
  command,
  discoveryProblem,
  errorText,
  type Instance,
  masterPortOf,
  monitorConf,
  replication,
  startMasterAndReplicas,
  startSentinel,
  text,
  waitFor,
} from '../devkit';
import type { SentinelLabel } from './events';
import type { Style } from './format';

export const NAME = 'mymaster';
export const QUORUM = 2;
export const DOWN_AFTER_MS = 1000;
export const FAILOVER_TIMEOUT_MS = 10000;
const DISCOVERY_TIMEOUT_MS = 30000;
/** Probes during the failover must not hang on a dead or busy peer. */
const PROBE_TIMEOUT_MS = 500;
const SENTINEL_STYLES: Style[] = ['cyan', 'magenta', 'yellow'];

export interface Deployment {
  master: Instance;
  replicas: Instance[];
  sentinels: Instance[];
  labels: SentinelLabel[];
}

/** Milliseconds left until `deadline`, at least 1 (waitFor wants a positive timeout). */
export function left(deadline: number): number {
  return Math.max(deadline - Date.now(), 1);
}

export async function deploy(): Promise<Deployment> {
  // Synced first, so the sentinels' first INFO of each replica already says the link is up.
  const { master, replicas } = await startMasterAndReplicas({ replicas: 2, syncTimeoutMs: 15000 });
  const conf = monitorConf(NAME, master.port, QUORUM, {
    downAfterMs: DOWN_AFTER_MS,
    failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
  });
  const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel({ conf })));
  const labels = await Promise.all(
    sentinels.map(async (s, i) => ({
      name: `S${i + 1}`,
      port: s.port,
      id: text(await command(s.port, ['SENTINEL', 'MYID'])),
      style: SENTINEL_STYLES[i] ?? 'bold',
    })),
  );
  return { master, replicas, sentinels, labels };
}

/** Resolves once every sentinel knows the master, both replicas linked, and its two peers. */
export async function discovered(d: Deployment): Promise<void> {
  let problem: string | undefined = 'not checked yet';
  const expected = { replicas: d.replicas.length, peers: d.sentinels.length - 1 };
  await waitFor(
    async () => {
      for (const [i, s] of d.sentinels.entries()) {
        problem = await discoveryProblem(s.port, NAME, expected);
        if (problem !== undefined) {
          problem = `${d.labels[i]?.name ?? '?'}: ${problem}`;
          return false;
        }
      }
      return true;
    },
    { timeoutMs: DISCOVERY_TIMEOUT_MS, intervalMs: 200, what: 'the sentinels to discover each other' },
  ).catch((e: unknown) => {
    throw new Error(`${errorText(e)}; last seen: ${problem}`);
  });
}

export interface Write {
  at: number;
  port: number;
}

/** Asks every sentinel where the master is and SETs there, until a new address takes a write. */
export function firstWrite(d: Deployment, deadline: number): Promise<Write> {
  return waitFor(
    async () => {
      const seen = await Promise.allSettled(
        d.sentinels.map((s) => masterPortOf(s.port, NAME, PROBE_TIMEOUT_MS)),
      );
      const ports = new Set(
        seen.flatMap((r) => (r.status === 'fulfilled' && r.value !== undefined ? [r.value] : [])),
      );
      ports.delete(d.master.port);
      for (const port of ports) {
        const reply = await command(port, ['SET', 'demo:first-write', String(Date.now())], {
          timeoutMs: PROBE_TIMEOUT_MS,
        }).catch(() => undefined);
        if (reply?.type === 'simple' && reply.value === 'OK') return { at: Date.now(), port };
      }
      return undefined;
    },
    {
      timeoutMs: left(deadline),
      intervalMs: 50,
      what: 'a write accepted at the address the sentinels give',
    },
  );
}

/** Waits until all sentinels name the same new master, it is one, and the other replica follows it. */
export function settled(d: Deployment, deadline: number): Promise<number> {
  let problem = 'not checked yet';
  return waitFor(
    async () => {
      const ports = await Promise.all(d.sentinels.map((s) => masterPortOf(s.port, NAME, PROBE_TIMEOUT_MS)));
      const first = ports[0];
      if (first === d.master.port || ports.some((p) => p !== first)) {
        problem = `the sentinels name ${ports.join(', ')}`;
        return undefined;
      }
      const roles = await Promise.all(
        d.replicas.map((r) => replication(r.port, { timeoutMs: PROBE_TIMEOUT_MS })),
      );
      for (const [i, info] of roles.entries()) {
        const port = d.replicas[i]?.port;
        const ok =
          port === first
            ? info.role === 'master'
            : info.role === 'slave' && info.master_port === String(first) && info.master_link_status === 'up';
        if (!ok) {
          problem = `redis ${port} is ${info.role} of ${info.master_port ?? '-'} (link ${info.master_link_status ?? '-'})`;
          return undefined;
        }
      }
      return Date.now();
    },
    {
      timeoutMs: left(deadline),
      intervalMs: 100,
      what: 'all sentinels to agree on the new master, and the other replica to follow it',
    },
  ).catch((e: unknown) => {
    throw new Error(`${errorText(e)}; last seen: ${problem}`);
  });
}
