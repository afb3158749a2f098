/**
 * Minority fencing in the simulated world: three sentinels with --fence-minority, quorum 2.
 * A master cut off with one sentinel gets its writes paused within about down-after and for as
 * long as the cut lasts; a master that the majority still sees is never paused; after healing
 * there is one master and no pause is left behind.
 */
import { type SimSentinel, SimWorld, sentinelConfig } from '../helpers/sim';

const DOWN_AFTER_MS = 2000;
const REDIS_PORTS = [6380, 6381, 6382];
const SENTINEL_PORTS = [26379, 26380, 26381];

function deployment(seed: number, fenceMinority = true): { world: SimWorld; sentinels: SimSentinel[] } {
  const world = new SimWorld(seed);
  world.addRedis(6380);
  world.addRedis(6381, 6380);
  world.addRedis(6382, 6380);
  const config = sentinelConfig(6380, { quorum: 2, downAfterMs: DOWN_AFTER_MS, failoverTimeoutMs: 5000 });
  const sentinels = SENTINEL_PORTS.map((p) => world.addSentinel(p, config, { fenceMinority }));
  world.until(
    () => sentinels.every((s) => s.master().sentinels.size === 2 && s.master().replicas.size === 2),
    20000,
    'sentinels and replicas discovered',
  );
  world.advance(3000);
  return { world, sentinels };
}

function cutOff(world: SimWorld, group: readonly number[]): void {
  for (const a of group)
    for (const b of [...REDIS_PORTS, ...SENTINEL_PORTS]) if (!group.includes(b)) world.partition(a, b);
}

function paused(world: SimWorld, port: number): boolean {
  return world.redis.get(port)!.writesPausedUntil > world.t;
}

describe('minority fencing', () => {
  it.each([11, 21, 31, 41, 51, 61, 71, 81])(
    'pauses a master cut off with a minority for the whole cut, and leaves one master (seed %i)',
    (seed) => {
      const { world, sentinels } = deployment(seed);
      const cutAt = world.t;
      cutOff(world, [6380, 26379]);
      world.until(() => paused(world, 6380), 10000, 'the cut-off master paused');
      const fencedAfter = world.t - cutAt;
      expect(fencedAfter).toBeLessThanOrEqual(DOWN_AFTER_MS * 1.5 + 200);
      expect(sentinels[0]!.has('+fence-minority', 'master mymaster 127.0.0.1 6380')).toBe(true);
      // Renewed for as long as the cut lasts.
      for (let i = 0; i < 20; i++) {
        world.advance(500);
        expect(paused(world, 6380)).toBe(true);
      }
      const majority = sentinels.slice(1);
      expect(majority.every((s) => s.master().addr.port !== 6380)).toBe(true);
      // The majority never paused anything.
      expect(majority.some((s) => s.has('+fence-minority'))).toBe(false);
      world.healAll();
      world.until(() => world.redis.get(6380)!.role === 'slave', 15000, 'the old master demoted');
      world.advance(3000);
      const masters = REDIS_PORTS.filter((p) => world.redis.get(p)!.role === 'master');
      expect(masters).toHaveLength(1);
      expect(REDIS_PORTS.some((p) => paused(world, p))).toBe(false);
      expect(sentinels[0]!.has('-fence-minority')).toBe(true);
    },
  );

  it('never pauses a master that the majority sees, with one sentinel cut off', () => {
    for (const lone of SENTINEL_PORTS) {
      const { world, sentinels } = deployment(12);
      cutOff(world, [lone]);
      world.advance(15000);
      world.healAll();
      world.advance(5000);
      expect(REDIS_PORTS.filter((p) => world.redis.get(p)!.writesPausedUntil > 0)).toEqual([]);
      expect(sentinels.some((s) => s.has('+fence-minority'))).toBe(false);
      expect(sentinels.every((s) => s.master().addr.port === 6380)).toBe(true);
    }
  });

  it('never pauses when only the links between sentinels break (hellos through the master go on)', () => {
    const { world, sentinels } = deployment(13);
    for (const a of SENTINEL_PORTS) for (const b of SENTINEL_PORTS) if (a < b) world.partition(a, b);
    world.advance(15000);
    expect(world.redis.get(6380)!.writesPausedUntil).toBe(0);
    expect(sentinels.some((s) => s.has('+fence-minority'))).toBe(false);
  });

  it('is off unless asked for', () => {
    const { world, sentinels } = deployment(11, false);
    cutOff(world, [6380, 26379]);
    world.advance(15000);
    expect(world.redis.get(6380)!.writesPausedUntil).toBe(0);
    expect(sentinels[0]!.has('+fence-minority')).toBe(false);
  });
});
