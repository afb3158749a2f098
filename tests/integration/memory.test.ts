/**
 * Memory of the running daemon, read as VmRSS from /proc/<pid>/status: idle with one real
 * master, then with 200 more master names on the same redis-server, then after SENTINEL
 * REMOVE of those 200. Bounds are relative to a bare `node` on the same machine (its RSS is
 * mostly the node binary) and hold with margin what the daemon does now; before the heap
 * policy of src/runtime/heap.ts the 200 names cost 35 MB and none of it came back within 20 s.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import {
  command,
  type Instance,
  items,
  OURS,
  record,
  RespClient,
  sleep,
  startRedis,
  startSentinel,
  teardownAfterAll,
  waitFor,
} from '../helpers/devkit';

teardownAfterAll();

const EXTRA_NAMES = 200;
/** Measured 17-18 MB above a bare node (57 MB against 39 MB). */
const IDLE_ABOVE_BARE_NODE_MIB = 22;
/** Measured 16.5-18 MB for 200 names (redis-sentinel 7.0: 7 MB). */
const GROWTH_BOUND_MIB = 24;
/** Measured: two thirds of the growth back about 1 s after the last REMOVE. */
const RETURNED_SHARE = 0.5;
/** Long enough for start-up garbage to be collected and V8's memory reducer to have run. */
const SETTLE_MS = 15000;
/** How much longer the idle level may take to come down to its bound on a busy machine. */
const LATE_SETTLE_MS = 20000;

function vmRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) / 1024;
}

/**
 * The level RSS settles at: the lowest of samples over the last 5 s of `settleMs`. One sample
 * can land on a young-generation peak that the next scavenge gives back. While that level is
 * still above `bound`, sampling goes on for up to LATE_SETTLE_MS more: two full runs of the
 * suite read the idle level at 61.4 and 63.0 MiB at 15 s (a CI run and a fresh clone; 56.6-57.0
 * in every other run measured, alone or in the suite), and in the second the level after the
 * later REMOVEs came out lower (62.5), so there the excess was not memory kept. Whatever stays
 * above `bound` after that fails the test.
 */
async function settledRssMiB(
  pid: number,
  settleMs: number,
  bound = Infinity,
): Promise<{ mib: number; lateMs: number }> {
  const windowMs = 5000;
  await sleep(settleMs - windowMs);
  let lowest = vmRssMiB(pid);
  for (let t = 0; t < windowMs; t += 250) {
    await sleep(250);
    lowest = Math.min(lowest, vmRssMiB(pid));
  }
  let lateMs = 0;
  while (lowest > bound && lateMs < LATE_SETTLE_MS) {
    await sleep(250);
    lateMs += 250;
    lowest = Math.min(lowest, vmRssMiB(pid));
  }
  return { mib: lowest, lateMs };
}

/** RSS of a node doing nothing, after it has settled. */
async function bareNodeRssMiB(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await sleep(2000);
    return vmRssMiB(child.pid ?? -1);
  } finally {
    child.kill('SIGKILL');
  }
}

async function allMastersUp(sentinel: Instance, count: number): Promise<boolean> {
  const masters = items(await command(sentinel.port, ['SENTINEL', 'MASTERS'])).map(record);
  return masters.length === count && masters.every((m) => m.flags === 'master');
}

/** Sends every command on one connection and checks each reply is +OK. */
async function runAll(port: number, commands: readonly (readonly string[])[]): Promise<void> {
  const client = await RespClient.connect(port, 5000);
  try {
    for (const args of commands) {
      const reply = await client.call(args, 5000);
      if (reply.type !== 'simple' || reply.value !== 'OK') {
        throw new Error(`${args.join(' ')}: ${JSON.stringify(reply)}`);
      }
    }
  } finally {
    client.close();
  }
}

test(`RSS idle with one master, with ${EXTRA_NAMES} more names, and after removing them`, async () => {
  const bare = await bareNodeRssMiB();
  const redis = await startRedis();
  const sentinel = await startSentinel({
    conf: `sentinel monitor m0 127.0.0.1 ${redis.port} 1`,
    bin: OURS.bin,
  });
  await waitFor(() => allMastersUp(sentinel, 1), { timeoutMs: 10000, what: 'm0 to be up' });
  const idleBound = bare + IDLE_ABOVE_BARE_NODE_MIB;
  const { mib: idle, lateMs } = await settledRssMiB(sentinel.pid, SETTLE_MS, idleBound);

  const names = Array.from({ length: EXTRA_NAMES }, (_, i) => `n${i}`);
  await runAll(
    sentinel.port,
    names.map((n) => ['SENTINEL', 'MONITOR', n, '127.0.0.1', String(redis.port), '1']),
  );
  await waitFor(() => allMastersUp(sentinel, EXTRA_NAMES + 1), {
    timeoutMs: 30000,
    what: `all ${EXTRA_NAMES + 1} names to be up`,
  });
  const { mib: loaded } = await settledRssMiB(sentinel.pid, SETTLE_MS);

  await runAll(
    sentinel.port,
    names.map((n) => ['SENTINEL', 'REMOVE', n]),
  );
  const growth = loaded - idle;
  const returnedBy = idle + growth * (1 - RETURNED_SHARE);
  let removed = vmRssMiB(sentinel.pid);
  const removedAt = Date.now();
  try {
    removed = await waitFor(
      () => {
        const rss = vmRssMiB(sentinel.pid);
        return rss <= returnedBy ? rss : undefined;
      },
      { timeoutMs: 20000, what: `RSS to fall to ${returnedBy.toFixed(1)} MiB` },
    );
  } catch {
    removed = vmRssMiB(sentinel.pid);
  }
  const returnedAfterMs = Date.now() - removedAt;

  process.stdout.write(
    `RSS MiB: bare node ${bare.toFixed(1)}; ts-sentinel idle with one master ${idle.toFixed(1)}` +
      `${lateMs > 0 ? ` (${lateMs} ms past the settle time)` : ''}, ` +
      `with ${EXTRA_NAMES} more names ${loaded.toFixed(1)} (+${growth.toFixed(1)}), ` +
      `after removing them ${removed.toFixed(1)} (${returnedAfterMs} ms after the last REMOVE)\n`,
  );
  expect(sentinel.alive).toBe(true);
  expect(idle).toBeLessThanOrEqual(idleBound);
  expect(growth).toBeLessThanOrEqual(GROWTH_BOUND_MIB);
  expect(removed).toBeLessThanOrEqual(returnedBy);
}, 180000);
