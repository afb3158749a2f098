/**
 * Fast demotion of a returning old master, and its safety. A sentinel demotes a stray master
 * at once only when hellos from a majority of the sentinels confirmed its view within the
 * last hello period; a stale sentinel that missed a failover must never demote the new master.
 */
import { SimWorld, sentinelConfig } from '../helpers/sim';

const REDIS_PORTS = [6380, 6381, 6382];
const SENTINEL_PORTS = [26379, 26380, 26381];
const SEED_COUNT = Number(process.env.DEMOTION_SEEDS ?? 1000);

function deployment(seed: number) {
  const world = new SimWorld(seed);
  world.maxDelay = 1 + Math.floor(world.random() * 10);
  world.addRedis(6380);
  world.addRedis(6381, 6380);
  world.addRedis(6382, 6380);
  const sentinels = SENTINEL_PORTS.map((p) =>
    world.addSentinel(p, sentinelConfig(6380, { quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 5000 })),
  );
  world.until(
    () => sentinels.every((s) => s.master().sentinels.size === 2 && s.master().replicas.size === 2),
    20000,
    'sentinels and replicas discovered',
  );
  return { world, sentinels };
}

describe('a returning old master', () => {
  it('is demoted within 2 s of its restart when the view is confirmed', () => {
    const { world, sentinels } = deployment(7);
    world.killRedis(6380);
    world.until(() => sentinels.every((s) => s.master().addr.port !== 6380), 30000, 'failover');
    world.advance(3000);
    const restartedAt = world.t;
    world.restartRedis(6380);
    world.until(() => world.redis.get(6380)!.role === 'slave', 20000, 'old master demoted');
    expect(world.t - restartedAt).toBeLessThanOrEqual(2000);
    expect(sentinels.some((s) => s.has('+convert-to-slave', 'slave 127.0.0.1:6380'))).toBe(true);
  });
});

describe(`a stale sentinel that missed a failover (${SEED_COUNT} seeds)`, () => {
  function runSeed(seed: number): string[] {
    const { world, sentinels } = deployment(seed);
    const random = world.random;
    const stale = sentinels[2]!;
    for (const p of [...SENTINEL_PORTS.slice(0, 2), ...REDIS_PORTS]) world.partition(stale.port, p);
    world.killRedis(6380);
    const others = sentinels.slice(0, 2);
    world.until(() => others.every((s) => s.master().addr.port !== 6380), 30000, 'failover by the majority');
    const promoted = others[0]!.master().addr.port;
    // The old master comes back as a master and the stale sentinel rejoins, in either order.
    const restartFirst = random() < 0.5;
    if (restartFirst) world.restartRedis(6380);
    world.advance(Math.floor(random() * 3000));
    world.healAll();
    world.advance(Math.floor(random() * 3000));
    if (!restartFirst) world.restartRedis(6380);
    // Longer than redis-sentinel's 8 s stray-master rule: a wrong demotion would have happened.
    world.advance(15000);
    const problems: string[] = [];
    if (stale.has('+convert-to-slave', `slave 127.0.0.1:${promoted} `))
      problems.push(`the stale sentinel demoted the new master ${promoted}`);
    const masters = REDIS_PORTS.filter((p) => world.redis.get(p)!.role === 'master');
    if (masters.length !== 1 || masters[0] !== promoted)
      problems.push(`masters after healing: ${masters.join(',')}`);
    if (stale.master().addr.port !== promoted)
      problems.push(`stale sentinel still names ${stale.master().addr.port}`);
    return problems.map((p) => `seed ${seed}: ${p}`);
  }

  it('never demotes the new master, and one master remains', () => {
    const seeds = Array.from({ length: SEED_COUNT }, (_, i) => i + 1);
    const problems = seeds.flatMap(runSeed);
    console.log(`demotion simulation: ${seeds.length} seeds run`);
    expect(problems.slice(0, 5)).toEqual([]);
  });
});
