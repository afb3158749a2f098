import { FailoverState } from '../../../src/core/model';
import { SimWorld, sentinelConfig } from '../../helpers/sim';

/** Master 6380 with replicas 6381 and 6382, one sentinel watching with quorum 1. */
function lonelySentinel(seed = 1, opts: Parameters<typeof sentinelConfig>[1] = {}) {
  const world = new SimWorld(seed);
  world.addRedis(6380);
  world.addRedis(6381, 6380);
  world.addRedis(6382, 6380);
  const s = world.addSentinel(26379, sentinelConfig(6380, opts));
  world.until(
    () => (s.core.view.masters.get('mymaster')?.replicas.size ?? 0) === 2,
    5000,
    'replicas discovered',
  );
  return { world, s, master: () => s.core.view.masters.get('mymaster')! };
}

describe('SDOWN timing', () => {
  it('flags a dead master only after down-after-milliseconds of silence', () => {
    const { world, s } = lonelySentinel(1, { downAfterMs: 3000 });
    world.advance(2000);
    const killedAt = world.t;
    world.killRedis(6380);
    world.until(() => s.has('+sdown', 'master mymaster'), 10000, '+sdown');
    const at = s.events.find((e) => e.type === '+sdown')!.t;
    expect(at - killedAt).toBeGreaterThan(3000);
    // PING every second plus one tick of slack at most.
    expect(at - killedAt).toBeLessThanOrEqual(3000 + 1000 + 100);
  });

  it('clears SDOWN when the master answers again', () => {
    const { world, s } = lonelySentinel(2, { downAfterMs: 1000, quorum: 2 });
    world.killRedis(6380);
    world.until(() => s.has('+sdown', 'master'), 5000, '+sdown');
    world.restartRedis(6380);
    world.until(() => s.has('-sdown', 'master'), 5000, '-sdown');
    expect(s.has('+odown')).toBe(false);
  });

  it('flags a replica down as well, with the replica prefix', () => {
    const { world, s } = lonelySentinel(3);
    world.killRedis(6382);
    world.until(() => s.has('+sdown', 'slave 127.0.0.1:6382'), 5000, 'replica +sdown');
    expect(s.events.find((e) => e.type === '+sdown')!.payload).toBe(
      'slave 127.0.0.1:6382 127.0.0.1 6382 @ mymaster 127.0.0.1 6380',
    );
  });
});

describe('failover by a lone sentinel', () => {
  it('promotes a replica, moves the other and switches the master, in redis-sentinel order', () => {
    const { world, s } = lonelySentinel(4);
    world.advance(1000);
    world.killRedis(6380);
    world.until(() => s.has('+switch-master'), 30000, '+switch-master');
    const types = s.eventTypes().filter((t) => t !== '+role-change' && t !== '-role-change');
    const order = [
      '+sdown',
      '+odown',
      '+new-epoch',
      '+try-failover',
      '+vote-for-leader',
      '+elected-leader',
      '+failover-state-select-slave',
      '+selected-slave',
      '+failover-state-send-slaveof-noone',
      '+failover-state-wait-promotion',
      '+promoted-slave',
      '+failover-state-reconf-slaves',
      '+slave-reconf-sent',
      '+slave-reconf-inprog',
      '+slave-reconf-done',
      '+failover-end',
      '+switch-master',
    ];
    const positions = order.map((t) => types.indexOf(t));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const promoted = [...world.redis.values()].find((r) => r.alive && r.role === 'master')!;
    const other = promoted.port === 6381 ? 6382 : 6381;
    expect(world.redis.get(other)!.masterPort).toBe(promoted.port);
    expect(s.events.find((e) => e.type === '+switch-master')!.payload).toBe(
      `mymaster 127.0.0.1 6380 127.0.0.1 ${promoted.port}`,
    );
    // The transaction is exactly redis-sentinel's, SLAVEOF included.
    const sent = world.redis.get(promoted.port)!.commands.map((c) => c.join(' '));
    const multi = sent.indexOf('MULTI');
    expect(sent.slice(multi, multi + 6)).toEqual([
      'MULTI',
      'SLAVEOF NO ONE',
      'CONFIG REWRITE',
      'CLIENT KILL TYPE normal',
      'CLIENT KILL TYPE pubsub',
      'EXEC',
    ]);
    const cfg = s.persisted.masters[0]!;
    expect(cfg.port).toBe(promoted.port);
    expect(cfg.configEpoch).toBe(1n);
    expect(cfg.knownReplicas.map((r) => r.port).sort()).toEqual([6380, other].sort());
    expect(s.persisted.currentEpoch).toBe(1n);
  });

  it('refreshes stale replica INFO for the choice and promotes within a tick or two of the election', () => {
    const { world, s } = lonelySentinel(41);
    // Replica INFO is now 7 s old: too old to choose from once the master is down (5 s).
    world.advance(7000);
    world.killRedis(6380);
    world.until(() => s.has('+switch-master'), 30000, '+switch-master');
    expect(s.has('-failover-abort-no-good-slave')).toBe(false);
    const at = (type: string) => s.events.find((e) => e.type === type)!.t;
    // One tick at most is spent waiting for the INFO replies asked for at +try-failover.
    expect(at('+failover-state-wait-promotion') - at('+elected-leader')).toBeLessThan(150);
    expect(at('+switch-master') - at('+sdown')).toBeLessThan(500);
  });

  it('turns the old master into a replica when it comes back', () => {
    const { world, s } = lonelySentinel(5);
    world.killRedis(6380);
    world.until(() => s.has('+switch-master'), 30000, '+switch-master');
    const newMaster = s.core.view.masters.get('mymaster')!.addr.port;
    world.restartRedis(6380);
    world.until(() => s.has('+convert-to-slave', '127.0.0.1:6380'), 30000, '+convert-to-slave');
    world.advance(2000);
    expect(world.redis.get(6380)!.role).toBe('slave');
    expect(world.redis.get(6380)!.masterPort).toBe(newMaster);
  });

  it('applies rename-command to every word of the transaction', () => {
    const world = new SimWorld(6);
    world.addRedis(6380);
    world.addRedis(6381, 6380);
    const cfg = sentinelConfig(6380);
    cfg.masters[0]!.renameCommands = [
      ['slaveof', 'xslaveof'],
      ['config', 'xconfig'],
    ];
    const s = world.addSentinel(26379, cfg);
    world.until(() => s.core.view.masters.get('mymaster')!.replicas.size === 1, 5000, 'replica');
    world.killRedis(6380);
    const sent = () => world.redis.get(6381)!.commands.map((c) => c.join(' '));
    world.until(() => sent().includes('EXEC'), 30000, 'the transaction reaches the replica');
    expect(sent()).toContain('xslaveof NO ONE');
    expect(sent()).toContain('xconfig REWRITE');
    expect(sent()).not.toContain('SLAVEOF NO ONE');
  });

  it('aborts with -failover-abort-no-good-slave when every replica has priority 0', () => {
    const { world, s, master } = lonelySentinel(7);
    for (const p of [6381, 6382]) world.redis.get(p)!.priority = 0;
    world.advance(11000); // next INFO carries the new priority
    world.killRedis(6380);
    world.until(() => s.has('-failover-abort-no-good-slave'), 30000, 'abort');
    expect(master().failoverInProgress).toBe(false);
    expect(master().failoverState).toBe(FailoverState.None);
    expect(s.has('+switch-master')).toBe(false);
    // Next attempt only after 2 x failover-timeout.
    const abortAt = s.events.find((e) => e.type === '-failover-abort-no-good-slave')!.t;
    world.until(
      () => s.events.filter((e) => e.type === '+try-failover').length === 2,
      40000,
      'second attempt',
    );
    const second = s.events.filter((e) => e.type === '+try-failover')[1]!.t;
    expect(second - abortAt).toBeGreaterThanOrEqual(20000 - 1000);
  });

  it('aborts with -failover-abort-slave-timeout when the replica never becomes master', () => {
    const { world, s, master } = lonelySentinel(8, { failoverTimeoutMs: 5000 });
    for (const p of [6381, 6382]) world.redis.get(p)!.ignoreSlaveof = true;
    world.killRedis(6380);
    world.until(() => s.has('+failover-state-wait-promotion'), 30000, 'wait promotion');
    const waitAt = world.t;
    world.until(() => s.has('-failover-abort-slave-timeout'), 30000, 'slave timeout abort');
    expect(world.t - waitAt).toBeGreaterThan(5000 - 200);
    expect(master().promotedReplica).toBeNull();
    expect([...master().replicas.values()].some((r) => r.promoted)).toBe(false);
  });

  it('SENTINEL FAILOVER forces a failover of a healthy master', () => {
    const { world, s, master } = lonelySentinel(9);
    world.advance(1000);
    expect(s.core.failover('mymaster')).toEqual({ ok: true, value: undefined });
    expect(s.core.failover('mymaster')).toEqual({
      ok: false,
      error: { code: 'SNT_ERR_FAILOVER_IN_PROGRESS', message: 'INPROG Failover already in progress' },
    });
    world.run(s);
    world.until(() => s.has('+switch-master'), 30000, 'forced switch');
    expect(master().addr.port).not.toBe(6380);
    // The old master is still up: the leader demotes it with the promotion, before the switch,
    // rather than 8 s later by the stray-master rule.
    const types = s.eventTypes();
    expect(types.indexOf('+demote-old-master')).toBeGreaterThan(types.indexOf('+promoted-slave'));
    expect(types.indexOf('+demote-old-master')).toBeLessThan(types.indexOf('+switch-master'));
    expect(world.redis.get(6380)!.role).toBe('slave');
    expect(world.redis.get(6380)!.masterPort).toBe(master().addr.port);
    expect(s.has('+convert-to-slave')).toBe(false);
  });
});

describe('TILT', () => {
  it('enters on a clock jump, freezes judgement and leaves after tilt-period', () => {
    const { world, s } = lonelySentinel(10);
    s.skew += 5000; // the clock jumps five seconds ahead
    world.advance(200);
    expect(s.has('+tilt', '#tilt mode entered')).toBe(true);
    expect(s.core.view.tilt).toBe(true);
    world.killRedis(6380);
    world.advance(20000);
    expect(s.has('+sdown', 'master')).toBe(false);
    world.until(() => s.has('-tilt'), 15000, '-tilt');
    world.until(() => s.has('+sdown', 'master'), 5000, '+sdown after tilt');
  });
});
