/**
 * A failover wave: every master of a deployment dies at once. Each master name must still get
 * at most one leader per epoch, every name must be switched on every sentinel, and the whole
 * wave must not take much longer than one failover does.
 */
import { defaultSentinelConfig, newMasterConfig } from '../../src/config/types';
import type { SentinelConfig } from '../../src/config/types';
import type { MasterView } from '../../src/core/view';
import { type SimSentinel, SimWorld } from '../helpers/sim';

const MASTERS = 30;
const SENTINEL_PORTS = [26379, 26380, 26381];
const TIMING = { downAfterMs: 1000, failoverTimeoutMs: 10000 };
const SEEDS = Number(process.env.WAVE_SEEDS ?? 10);

function masterPort(i: number): number {
  return 7000 + 2 * i;
}

function waveConfig(): SentinelConfig {
  const masters = Array.from({ length: MASTERS }, (_, i) => {
    const m = newMasterConfig(`m${i}`, '127.0.0.1', masterPort(i), 2);
    m.downAfterMs = TIMING.downAfterMs;
    m.failoverTimeoutMs = TIMING.failoverTimeoutMs;
    return m;
  });
  return { ...defaultSentinelConfig(), masters };
}

function mastersOf(s: SimSentinel): MasterView[] {
  return [...s.core.view.masters.values()];
}

interface WaveResult {
  /** ms from the kill until the name was switched on every sentinel, by master name. */
  switchedAfter: Map<string, number>;
  violations: string[];
}

function runWave(seed: number): WaveResult {
  const world = new SimWorld(seed);
  world.maxDelay = 1 + Math.floor(world.random() * 5);
  for (let i = 0; i < MASTERS; i++) {
    world.addRedis(masterPort(i));
    world.addRedis(masterPort(i) + 1, masterPort(i));
  }
  const sentinels = SENTINEL_PORTS.map((p) => world.addSentinel(p, waveConfig()));
  world.until(
    () => sentinels.every((s) => mastersOf(s).every((m) => m.sentinels.size === 2 && m.replicas.size === 1)),
    30000,
    'every replica and peer discovered',
  );
  world.advance(2000 + Math.floor(world.random() * 1000));

  const violations: string[] = [];
  /** "name epoch" -> the leader elected for it. */
  const leaders = new Map<string, string>();
  const seenEvents = sentinels.map((s) => s.events.length);
  const checkLeaders = () => {
    sentinels.forEach((s, i) => {
      for (const e of s.events.slice(seenEvents[i])) {
        if (e.type !== '+elected-leader') continue;
        const name = e.payload.split(' ')[1] ?? '';
        const epoch = s.core.view.masters.get(name)?.failoverEpoch;
        const key = `${name} ${epoch}`;
        const earlier = leaders.get(key);
        if (earlier !== undefined && earlier !== e.myid)
          violations.push(`seed ${seed}: two leaders for ${key}: ${earlier} and ${e.myid}`);
        leaders.set(key, e.myid);
      }
      seenEvents[i] = s.events.length;
    });
  };

  const killedAt = world.t;
  for (let i = 0; i < MASTERS; i++) world.killRedis(masterPort(i));
  const switchedAfter = new Map<string, number>();
  world.until(
    () => {
      checkLeaders();
      for (let i = 0; i < MASTERS; i++) {
        const name = `m${i}`;
        if (switchedAfter.has(name)) continue;
        const ports = sentinels.map((s) => s.core.view.masters.get(name)?.addr.port);
        if (ports.every((p) => p === masterPort(i) + 1)) switchedAfter.set(name, world.t - killedAt);
      }
      return switchedAfter.size === MASTERS;
    },
    120000,
    `all ${MASTERS} names switched (seed ${seed})`,
  );
  return { switchedAfter, violations };
}

describe(`a wave of ${MASTERS} masters failing at once (${SEEDS} seeds)`, () => {
  it('elects one leader per name and epoch and switches every name within one failover time', () => {
    const allSwitched: number[] = [];
    const violations: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runWave(seed);
      violations.push(...r.violations);
      allSwitched.push(Math.max(...r.switchedAfter.values()));
    }
    allSwitched.sort((a, b) => a - b);
    console.log(`wave simulation: all ${MASTERS} names switched after ${allSwitched.join(', ')} ms`);
    expect(violations.slice(0, 5)).toEqual([]);
    // One failover here takes down-after (1 s) plus an ask period or two: a wave may take no
    // more than that, whatever the number of masters.
    expect(allSwitched[allSwitched.length - 1]).toBeLessThan(4000);
  });
});
