import { type SimSentinel, SimWorld, sentinelConfig } from '../../helpers/sim';

/** Master 6380, replicas 6381/6382, three sentinels with quorum 2 that find each other by hellos. */
function threeSentinels(seed: number) {
  const world = new SimWorld(seed);
  world.addRedis(6380);
  world.addRedis(6381, 6380);
  world.addRedis(6382, 6380);
  const sentinels = [26379, 26380, 26381].map((p) =>
    world.addSentinel(p, sentinelConfig(6380, { quorum: 2 })),
  );
  world.until(
    () => sentinels.every((s) => s.core.view.masters.get('mymaster')!.sentinels.size === 2),
    10000,
    'peers discovered through hellos',
  );
  return { world, sentinels };
}

describe('three sentinels, quorum 2', () => {
  it('discover each other and record the peers in their config', () => {
    const { sentinels } = threeSentinels(11);
    for (const s of sentinels) {
      expect(s.has('+sentinel')).toBe(true);
      expect(s.persisted.masters[0]!.knownSentinels).toHaveLength(2);
    }
  });

  it('elect one leader, fail over once, and agree on the new master and epoch', () => {
    const { world, sentinels } = threeSentinels(12);
    world.killRedis(6380);
    world.until(
      () => sentinels.every((s) => s.core.view.masters.get('mymaster')!.addr.port !== 6380),
      60000,
      'every sentinel switched',
    );
    const leaders = sentinels.filter((s) => s.has('+elected-leader'));
    expect(leaders).toHaveLength(1);
    const observers = sentinels.filter((s) => !s.has('+elected-leader'));
    for (const o of observers) expect(o.has('+config-update-from')).toBe(true);
    const ports = new Set(sentinels.map((s) => s.core.view.masters.get('mymaster')!.addr.port));
    expect(ports.size).toBe(1);
    const masters = [...world.redis.values()].filter((r) => r.alive && r.role === 'master');
    expect(masters.map((r) => r.port)).toEqual([...ports]);
    const epochs = new Set(sentinels.map((s) => s.core.view.masters.get('mymaster')!.configEpoch));
    expect(epochs.size).toBe(1);
  });

  it.each(Array.from({ length: 20 }, (_, i) => 100 + i))(
    'do not fail the new master over again after switching to it (seed %i)',
    (seed) => {
      const { world, sentinels } = threeSentinels(seed);
      world.killRedis(6380);
      world.until(
        () => sentinels.every((s) => s.core.view.masters.get('mymaster')!.addr.port !== 6380),
        60000,
        'every sentinel switched',
      );
      const newPort = sentinels[0]!.core.view.masters.get('mymaster')!.addr.port;
      world.advance(10000);
      for (const s of sentinels) {
        expect(s.has('+odown', `master mymaster 127.0.0.1 ${newPort}`)).toBe(false);
        expect(s.core.view.masters.get('mymaster')!.addr.port).toBe(newPort);
      }
      expect(sentinels.filter((s) => s.has('+elected-leader'))).toHaveLength(1);
    },
  );

  it('a sentinel that still sees the old master leaves the replica being promoted alone', () => {
    // Two sentinels lose the master and fail it over; the third still reaches it and voted in
    // that election. The promoted replica then answers as a master while, to the third, the old
    // one looks sane and every hello (all sent before the election) names it. Converting the
    // replica back would undo the failover (Redis's own suite met this in 12-master-reboot).
    const { world, sentinels } = threeSentinels(21);
    const [a, b, c] = sentinels as [SimSentinel, SimSentinel, SimSentinel];
    world.partition(a.port, 6380);
    world.partition(b.port, 6380);
    const promotedReplica = () => [6381, 6382].find((p) => world.redis.get(p)!.role === 'master');
    world.until(() => promotedReplica() !== undefined, 30000, 'a replica promoted');
    const promoted = promotedReplica()!;
    const leader = sentinels.find((s) => s.has('+failover-state-wait-promotion'))!;
    expect(leader).not.toBe(c);
    expect(c.has('+vote-for-leader')).toBe(true);
    // The leader goes quiet right after its SLAVEOF NO ONE took effect: the third sentinel learns
    // nothing of the new configuration, and its next INFO of the replica finds a master.
    for (const port of [6381, 6382, c.port]) world.partition(leader.port, port);
    world.advance(8000);
    expect(c.has('+convert-to-slave', `127.0.0.1:${promoted}`)).toBe(false);
    expect(world.redis.get(promoted)!.role).toBe('master');
  });

  it('a sentinel gives up its failover when the master answers again before it is elected', () => {
    const { world, sentinels } = threeSentinels(22);
    for (const s of sentinels) world.partition(s.port, 6380);
    // One millisecond at a time: the vote requests must still be on their way.
    for (let ms = 0; !sentinels.some((s) => s.has('+try-failover')); ms++) {
      if (ms > 30000) throw new Error('simulated 30000 ms passed without a failover start');
      world.advance(1);
    }
    const starter = sentinels.find((s) => s.has('+try-failover'))!;
    // Its vote requests are lost, and the master comes back; then the peers are back too,
    // and would vote for it if it still asked.
    for (const s of sentinels) if (s !== starter) world.partition(starter.port, s.port);
    for (const s of sentinels) world.partition(s.port, 6380, false);
    world.until(() => starter.has('-sdown', 'master mymaster'), 10000, 'the master answers again');
    world.healAll();
    world.advance(5000);
    expect(world.redis.get(6380)!.role).toBe('master');
    expect([6381, 6382].map((p) => world.redis.get(p)!.role)).toEqual(['slave', 'slave']);
    expect(starter.has('+elected-leader')).toBe(false);
    expect(starter.has('-failover-abort-master-back')).toBe(true);
  });

  it('survive the leader dying right after its election: the others finish in a higher epoch', () => {
    const { world, sentinels } = threeSentinels(13);
    world.killRedis(6380);
    world.until(() => sentinels.some((s) => s.has('+elected-leader')), 30000, 'first leader');
    const leader = sentinels.find((s) => s.has('+elected-leader'))!;
    const deadEpoch = leader.events.find((e) => e.type === '+elected-leader')!.failoverEpoch;
    expect(deadEpoch).toBeGreaterThanOrEqual(1n);
    world.killSentinel(leader);
    const rest = sentinels.filter((s) => s !== leader);
    world.until(
      () => rest.every((s) => s.core.view.masters.get('mymaster')!.addr.port !== 6380),
      2 * 2 * 10000 + 30000,
      'survivors switched',
    );
    const epochs = rest.map((s) => s.core.view.masters.get('mymaster')!.configEpoch);
    expect(epochs[0]).toBe(epochs[1]);
    // The survivors' master comes from a failover of their own, in an epoch above the dead
    // leader's: exactly one of them was elected in that epoch, and none in a later one.
    const finalEpoch = epochs[0]!;
    expect(finalEpoch).toBeGreaterThan(deadEpoch);
    const elected = rest.flatMap((s) =>
      s.events
        .filter((e) => e.type === '+elected-leader')
        .map((e) => ({ port: s.port, epoch: e.failoverEpoch })),
    );
    expect(elected.filter((e) => e.epoch === finalEpoch)).toHaveLength(1);
    expect(elected.filter((e) => e.epoch > finalEpoch)).toEqual([]);
  });

  it('never votes twice in one epoch, even after a restart from its config', () => {
    const { world, sentinels } = threeSentinels(14);
    const [voter] = sentinels;
    const master = () => voter!.core.view.masters.get('mymaster')!;
    const first = voter!.core.isMasterDownByAddr('127.0.0.1', 6380, 5n, 'a'.repeat(40));
    world.run(voter!);
    expect(first).toEqual({ down: false, leader: 'a'.repeat(40), leaderEpoch: 5n });
    expect(voter!.persisted.masters[0]!.leaderEpoch).toBe(5n);
    voter!.restart();
    const second = voter!.core.isMasterDownByAddr('127.0.0.1', 6380, 5n, 'b'.repeat(40));
    expect(second.leader).not.toBe('b'.repeat(40));
    expect(master().leaderEpoch).toBe(5n);
    expect(voter!.core.view.currentEpoch).toBe(5n);
  });
});
