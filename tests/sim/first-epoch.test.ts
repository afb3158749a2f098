/**
 * Sentinels that see their master die at the same moment (its connections all close at once)
 * reach ODOWN within milliseconds of each other. Each must not start a failover and vote for
 * itself at that same moment: nobody would win the epoch, and the failover would wait for a
 * retry in the next one. The failover is won in the first epoch.
 */
import { defaultSentinelConfig, newMasterConfig } from '../../src/config/types';
import type { SentinelConfig } from '../../src/config/types';
import { SimWorld } from '../helpers/sim';

const MASTER_PORT = 7000;
const SENTINEL_PORTS = [26379, 26380, 26381];
const SEEDS = 30;

function config(): SentinelConfig {
  const m = newMasterConfig('mymaster', '127.0.0.1', MASTER_PORT, 2);
  m.downAfterMs = 1000;
  m.failoverTimeoutMs = 10000;
  return { ...defaultSentinelConfig(), masters: [m] };
}

/** The config epoch every sentinel ends on, and how long after the kill they all agreed. */
function failOnce(seed: number): { epoch: bigint; agreedAfter: number } {
  const world = new SimWorld(seed);
  world.maxDelay = 1 + Math.floor(world.random() * 3);
  world.addRedis(MASTER_PORT);
  world.addRedis(MASTER_PORT + 1, MASTER_PORT);
  const sentinels = SENTINEL_PORTS.map((p) => world.addSentinel(p, config()));
  const view = (i: number) => sentinels[i]?.core.view.masters.get('mymaster');
  world.until(
    () => sentinels.every((_, i) => view(i)?.sentinels.size === 2 && view(i)?.replicas.size === 1),
    30000,
    'every replica and peer discovered',
  );
  world.advance(2000 + Math.floor(world.random() * 1000));
  const killedAt = world.t;
  world.killRedis(MASTER_PORT);
  world.until(
    () => sentinels.every((_, i) => view(i)?.addr.port === MASTER_PORT + 1),
    60000,
    `every sentinel switched (seed ${seed})`,
  );
  const epochs = new Set(sentinels.map((_, i) => view(i)?.configEpoch));
  if (epochs.size !== 1) throw new Error(`seed ${seed}: config epochs ${[...epochs].join(', ')}`);
  return { epoch: [...epochs][0] ?? 0n, agreedAfter: world.t - killedAt };
}

describe(`one master killed under three sentinels (${SEEDS} seeds)`, () => {
  it('is failed over in the first epoch', () => {
    const results = Array.from({ length: SEEDS }, (_, i) => failOnce(i + 1));
    const later = results.flatMap((r, i) => (r.epoch === 1n ? [] : [`seed ${i + 1}: epoch ${r.epoch}`]));
    const times = results.map((r) => r.agreedAfter).sort((a, b) => a - b);
    console.log(`first-epoch simulation: all sentinels agreed after ${times.join(', ')} ms`);
    expect(later).toEqual([]);
  });
});
