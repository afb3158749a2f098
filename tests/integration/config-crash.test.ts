/**
 * Crash safety of the config file: a child process runs the real flush path (dist's flushConfig
 * on the loaded config) in a tight loop of config changes of the kinds SENTINEL MONITOR/REMOVE,
 * SENTINEL SET, SENTINEL CONFIG SET and epoch updates make, acknowledging each change once its
 * flush returned, and is killed with SIGKILL at a random moment. After each kill the file must
 * load with the real loader, keep `myid`, and hold every acknowledged change. One child per
 * iteration would be the daemon's start-up cost times 500; this child starts in tens of ms, and
 * four lanes run side by side.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { loadConfig } from '../../src/config/loader';
import type { LoadedConfig } from '../../src/config/types';
import { registry, REPO_ROOT, teardownAfterAll } from '../helpers/devkit';

teardownAfterAll();

const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? 500);
const LANES = 4;
const MYID = 'c0ffee'.padEnd(40, '0');

/**
 * The state after change `step`, fully determined by it: a master added and the previous one
 * removed (MONITOR/REMOVE), down-after-milliseconds of the fixed master (SET), announce-port
 * (CONFIG SET), current-epoch (an epoch update). The child applies it, the test checks it.
 */
const CHILD = `
const fs = require('fs');
const { loadConfig } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/config/loader.js'))});
const { flushConfig } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/config/flush.js'))});
const { newMasterConfig } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/config/types.js'))});
const file = process.argv[2];
// Started ahead of its turn: modules loaded, it waits for the word to read the file.
process.stdin.once('data', () => {
const config = loadConfig(file, []);
const sentinel = config.sentinel;
for (let step = Number(sentinel.currentEpoch) + 1; ; step++) {
  sentinel.masters = sentinel.masters.filter((m) => m.name !== 'm' + (step - 1));
  sentinel.masters.push(newMasterConfig('m' + step, '127.0.0.1', 10000 + (step % 50000), 2));
  sentinel.masters.find((m) => m.name === 'fixed').downAfterMs = 1000 + step;
  sentinel.announcePort = 1 + (step % 60000);
  sentinel.currentEpoch = BigInt(step);
  flushConfig(file, config.server, sentinel);
  fs.writeSync(1, step + '\\n');
}
});
`;

function checkState(config: LoadedConfig, step: number): void {
  const s = config.sentinel;
  expect(s.myid).toBe(MYID);
  expect(s.currentEpoch).toBe(BigInt(step));
  expect(s.announcePort).toBe(step === 0 ? 0 : 1 + (step % 60000));
  const names = s.masters.map((m) => m.name).sort();
  expect(names).toEqual(step === 0 ? ['fixed'] : ['fixed', `m${step}`].sort());
  expect(s.masters.find((m) => m.name === 'fixed')?.downAfterMs).toBe(step === 0 ? 30000 : 1000 + step);
  if (step > 0) expect(s.masters.find((m) => m.name === `m${step}`)?.port).toBe(10000 + (step % 50000));
}

/** A child with its modules loaded, waiting on stdin; spawned while the previous one runs. */
function spawnChild(script: string, file: string): ChildProcessByStdio<Writable, Readable, null> {
  const child = spawn(process.execPath, [script, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  registry.track(child);
  return child;
}

/** Lets `child` run, kills it at a random moment, returns the last step it acknowledged. */
async function runAndKill(
  child: ChildProcessByStdio<Writable, Readable, null>,
  random: () => number,
): Promise<number> {
  let acked = -1;
  let pending = '';
  // Killed after the first or second acknowledged change plus 0-12 ms (about one flush with its
  // two fsyncs), so the kill lands anywhere in the write, fsync, rename sequence.
  const killAfter = Math.floor(random() * 2);
  const delay = Math.floor(random() * 13);
  let seen = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) acked = Number(line);
    seen += lines.length;
    if (seen >= killAfter + 1 && child.exitCode === null) setTimeout(() => child.kill('SIGKILL'), delay);
  });
  child.stdin.on('error', () => undefined);
  child.stdin.write('go\n');
  await exited;
  return acked;
}

/** A seeded generator (mulberry32), so a failure can be replayed from the printed seed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it(`keeps every acknowledged change through ${ITERATIONS} kill -9 during flushes`, async () => {
  const dir = registry.makeTempDir('config-crash');
  const script = path.join(dir, 'flush-loop.js');
  fs.writeFileSync(script, CHILD);
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100000);
  const random = seeded(seed);
  const started = Date.now();
  let inFlightLanded = 0;

  const lane = async (n: number): Promise<void> => {
    const file = path.join(dir, `lane${n}.conf`);
    fs.writeFileSync(
      file,
      `port 26379\nsentinel myid ${MYID}\nsentinel monitor fixed 127.0.0.1 6379 2\nsentinel current-epoch 0\n`,
    );
    let lastAcked = 0;
    let next = spawnChild(script, file);
    for (let i = 0; i < ITERATIONS / LANES; i++) {
      const current = next;
      next = spawnChild(script, file);
      const acked = await runAndKill(current, random);
      const config = loadConfig(file, []);
      const step = Number(config.sentinel.currentEpoch);
      const expectedFloor = Math.max(lastAcked, acked);
      // The change in flight when the kill came may or may not have landed, nothing else.
      expect([expectedFloor, expectedFloor + 1]).toContain(step);
      if (step === expectedFloor + 1) inFlightLanded++;
      checkState(config, step);
      lastAcked = step;
    }
    next.kill('SIGKILL');
  };
  await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `config crash: ${ITERATIONS} kill -9 iterations in ${seconds.toFixed(1)} s (seed ${seed}), ` +
      `${inFlightLanded} with the in-flight change landed\n`,
  );
}, 600_000);
