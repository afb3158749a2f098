/**
 * Seeded chaos over the real core: sentinels and Redis nodes crash, restart, stop, get
 * partitioned and see their clocks jump, then the network heals. Safety is checked all
 * along, liveness after healing. A failing seed names itself: replay it with
 * `SIM_SEEDS=<seed> npx jest tests/sim`.
 */
import { type SimSentinel, SimWorld, sentinelConfig } from '../helpers/sim';

/**
 * The seeds to run: SIM_SEEDS (a comma-separated list) or the first SIM_SEED_COUNT (default
 * 1000). A value that does not name at least one whole seed is a problem the test reports
 * rather than a silent run of nothing.
 */
function seedsFromEnv(env: NodeJS.ProcessEnv): { seeds: number[]; problem?: string } {
  if (env.SIM_SEEDS !== undefined) {
    const parts = env.SIM_SEEDS.split(',').map((p) => p.trim());
    const bad = parts.filter((p) => !/^[0-9]+$/.test(p));
    if (bad.length > 0)
      return { seeds: [], problem: `SIM_SEEDS=${JSON.stringify(env.SIM_SEEDS)} is not a list of seeds` };
    return { seeds: parts.map(Number) };
  }
  const count = env.SIM_SEED_COUNT ?? '1000';
  if (!/^[0-9]+$/.test(count) || Number(count) < 1)
    return { seeds: [], problem: `SIM_SEED_COUNT=${JSON.stringify(count)} is not a positive count` };
  return { seeds: Array.from({ length: Number(count) }, (_, i) => i + 1) };
}

const { seeds: SEEDS, problem: SEED_PROBLEM } = seedsFromEnv(process.env);
/** Seeds that ran to the end of their checks. */
let seedsRun = 0;
/** Leaders elected over all seeds: elections the epoch rules had a chance to refuse. */
let elections = 0;

const REDIS_PORTS = [6380, 6381, 6382];
const SENTINEL_PORTS = [26379, 26380, 26381];
const CHAOS_MS = 40_000;
const CONVERGE_MS = 180_000;

interface Verdict {
  seed: number;
  violations: string[];
}

function pick<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)] as T;
}

function runSeed(seed: number): Verdict {
  const violations: string[] = [];
  const world = new SimWorld(seed);
  world.maxDelay = 1 + Math.floor(world.random() * 20);
  world.addRedis(6380);
  world.addRedis(6381, 6380);
  world.addRedis(6382, 6380);
  const sentinels = SENTINEL_PORTS.map((p) =>
    world.addSentinel(p, sentinelConfig(6380, { quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 5000 })),
  );
  const random = world.random;
  const lastConfigEpoch = new Map<string, bigint>();
  const checkEpochs = () => {
    for (const s of sentinels) {
      if (!s.alive) continue;
      const e = s.master().configEpoch;
      const before = lastConfigEpoch.get(s.core.view.myid) ?? 0n;
      if (e < before) violations.push(`${s.port}: config epoch went back from ${before} to ${e}`);
      lastConfigEpoch.set(s.core.view.myid, e);
    }
  };

  world.advance(3000);
  const stopped = new Set<SimSentinel>();
  for (let t = 0; t < CHAOS_MS; ) {
    const step = 200 + Math.floor(random() * 2000);
    world.advance(step);
    t += step;
    checkEpochs();
    const dead = sentinels.filter((s) => !s.alive);
    switch (Math.floor(random() * 9)) {
      case 0: {
        const current = pick(
          random,
          sentinels.filter((s) => s.alive),
        ).master().addr.port;
        world.killRedis(current);
        break;
      }
      case 1:
        world.killRedis(pick(random, REDIS_PORTS));
        break;
      case 2:
        world.restartRedis(pick(random, REDIS_PORTS.filter((p) => !world.redis.get(p)!.alive).concat(6380)));
        break;
      case 3:
        world.partition(pick(random, SENTINEL_PORTS), pick(random, [...SENTINEL_PORTS, ...REDIS_PORTS]));
        break;
      case 4:
        world.healAll();
        break;
      case 5: {
        const s = pick(random, sentinels);
        if (s.alive && !s.stopped) {
          world.stopSentinel(s);
          stopped.add(s);
        } else if (s.stopped) {
          world.resumeSentinel(s);
          stopped.delete(s);
        }
        break;
      }
      case 6:
        // Crash one sentinel at a time, and bring it back from its config file.
        if (dead.length > 0) dead[0]!.restart();
        else world.killSentinel(pick(random, sentinels));
        break;
      case 7:
        pick(random, sentinels).skew += pick(random, [-1500, 2500, 5000]);
        break;
      case 8:
        world.resetRandomConnection();
        break;
    }
  }

  // Heal everything and wait for agreement.
  world.healAll();
  for (const s of stopped) world.resumeSentinel(s);
  for (const s of sentinels) if (!s.alive) s.restart();
  for (const p of REDIS_PORTS) if (!world.redis.get(p)!.alive) world.restartRedis(p);
  const converged = () => {
    const addrs = new Set(sentinels.map((s) => s.core.view.currentMasterAddress(s.master()).port));
    const masters = REDIS_PORTS.filter((p) => world.redis.get(p)!.role === 'master');
    return addrs.size === 1 && masters.length === 1 && addrs.has(masters[0]!);
  };
  const start = world.t;
  while (!converged() && world.t - start < CONVERGE_MS) {
    world.advance(500);
    checkEpochs();
  }
  if (!converged()) {
    const views = sentinels
      .map((s) => `${s.port}->${s.core.view.currentMasterAddress(s.master()).port}`)
      .join(' ');
    const roles = REDIS_PORTS.map((p) => `${p}:${world.redis.get(p)!.role}`).join(' ');
    violations.push(
      `no convergence ${CONVERGE_MS / 1000}s after healing: sentinels ${views}; redis ${roles}`,
    );
  }

  // One leader per epoch, one vote per sentinel per epoch.
  const leaders = new Map<bigint, Set<string>>();
  const votes = new Map<string, Map<string, string>>();
  for (const s of sentinels) {
    for (const e of s.events) {
      if (e.type === '+elected-leader') {
        const set = leaders.get(e.failoverEpoch) ?? new Set<string>();
        set.add(e.myid);
        leaders.set(e.failoverEpoch, set);
      }
      if (e.type === '+vote-for-leader') {
        const [runid = '', epoch = ''] = e.payload.split(' ');
        const mine = votes.get(e.myid) ?? new Map<string, string>();
        if (mine.has(epoch)) violations.push(`${e.myid} voted twice in epoch ${epoch}`);
        mine.set(epoch, runid);
        votes.set(e.myid, mine);
      }
    }
  }
  for (const [epoch, who] of leaders) {
    if (who.size > 1) violations.push(`epoch ${epoch} has ${who.size} leaders`);
  }
  // The epoch rules and input checks (src/core/epochs.ts, hello.ts, info.ts) never refuse
  // anything honest sentinels and Redis nodes say, whatever the faults.
  for (const s of sentinels) {
    for (const line of s.logs)
      if (/^Refused (epoch|a hello|the)/.test(line)) violations.push(`${s.port}: ${line}`);
    elections += s.events.filter((e) => e.type === '+elected-leader').length;
  }
  if (process.env.SIM_SEEDS) printTimeline(seed, sentinels);
  seedsRun++;
  return { seed, violations };
}

/** On replay, the story of each sentinel: what it ended believing and the events that led there. */
function printTimeline(seed: number, sentinels: SimSentinel[]): void {
  const lines = [`seed ${seed}`];
  for (const s of sentinels) {
    const m = s.master();
    lines.push(
      `sentinel ${s.port} ${s.core.view.myid.slice(0, 8)}: master ${m.addr.port} config-epoch ${m.configEpoch} ` +
        `current-epoch ${s.core.view.currentEpoch}`,
    );
    for (const e of s.events) {
      if (e.type.includes('role-change')) continue;
      lines.push(`  ${e.t - sentinels[0]!.world.t} ${e.type} ${e.payload}`);
    }
  }
  console.log(lines.join('\n'));
}

describe('seeded simulation of the core', () => {
  it(`keeps every safety invariant and converges over ${SEEDS.length} seeds`, () => {
    expect(SEED_PROBLEM).toBeUndefined();
    expect(SEEDS.length).toBeGreaterThan(0);
    const failures = SEEDS.map(runSeed).filter((v) => v.violations.length > 0);
    expect(seedsRun).toBe(SEEDS.length);
    console.log(
      `simulation: ${seedsRun} seeds run, 3 sentinels (quorum 2) and 3 Redis nodes each; invariants checked: ` +
        'one leader per epoch, one vote per sentinel per epoch (restarts included), config epochs never ' +
        `decrease, one master agreed by all sentinels after healing, ${elections} elections won and not one epoch, hello, INFO or reply refused`,
    );
    const report = failures
      .slice(0, 5)
      .map(
        (f) => `seed ${f.seed}: ${f.violations.join('; ')} (replay: SIM_SEEDS=${f.seed} npx jest tests/sim)`,
      );
    expect(report).toEqual([]);
  });
});
