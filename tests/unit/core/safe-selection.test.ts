/**
 * Replica choice beyond redis-sentinel's rules: never a replica that would become an empty
 * master (full sync or load under way, offset 0 beside a replica holding data), chosen on INFO
 * answered during this failover, and one log line per rejected replica when none qualifies.
 */
import { SimWorld, sentinelConfig } from '../../helpers/sim';

/** Master 6380 with replicas 6381 (preferred by priority) and 6382; one sentinel, quorum 1. */
function world(seed: number) {
  const w = new SimWorld(seed);
  w.addRedis(6380);
  const preferred = w.addRedis(6381, 6380);
  preferred.priority = 10;
  const other = w.addRedis(6382, 6380);
  const s = w.addSentinel(26379, sentinelConfig(6380));
  w.until(() => s.master().replicas.size === 2, 5000, 'replicas discovered');
  w.advance(1000);
  return { w, s, preferred, other };
}

describe('safe replica selection', () => {
  it.each([
    ['a full sync in progress', (r: { syncInProgress: boolean }) => (r.syncInProgress = true)],
    ['loading its dataset', (r: { loading: boolean }) => (r.loading = true)],
  ])('passes over the preferred replica while it is %s', (_what, spoil) => {
    const { w, s, preferred } = world(1);
    spoil(preferred as never);
    expect(s.core.failover('mymaster').ok).toBe(true);
    w.run(s);
    w.until(() => s.has('+switch-master'), 10000, 'switch');
    expect(s.master().addr.port).toBe(6382);
  });

  it('never promotes a replica with offset 0 while another holds data', () => {
    const { w, s, preferred } = world(2);
    // The preferred replica lost its data and is not linked yet: it reports offset 0.
    w.partition(6381, 6380);
    preferred.offset = 0n;
    preferred.masterPort = 9999;
    w.advance(1500);
    expect(s.core.failover('mymaster').ok).toBe(true);
    w.run(s);
    w.until(() => s.has('+switch-master'), 10000, 'switch');
    expect(s.master().addr.port).toBe(6382);
  });

  it('chooses on INFO answered during this failover, not on the cached one', () => {
    const { w, s } = world(3);
    // The preferred replica's cached INFO is a second old and fine, but it answers nothing now.
    w.partition(26379, 6381);
    expect(s.core.failover('mymaster').ok).toBe(true);
    w.run(s);
    w.until(() => s.has('+selected-slave'), 10000, 'selection');
    expect(s.events.find((e) => e.type === '+selected-slave')!.payload).toContain('127.0.0.1:6382');
  });

  it('says why each replica was rejected when none qualifies', () => {
    const { w, s, preferred, other } = world(4);
    preferred.loading = true;
    other.syncInProgress = true;
    expect(s.core.failover('mymaster').ok).toBe(true);
    w.run(s);
    w.until(() => s.has('-failover-abort-no-good-slave'), 10000, 'abort');
    const abortAt = s.logs.length;
    expect(s.logs.slice(abortAt - 2)).toEqual([
      "Replica 127.0.0.1:6381 of 'mymaster' not promotable: it is loading its dataset (loading:1)",
      "Replica 127.0.0.1:6382 of 'mymaster' not promotable: a full sync from the master is in progress (master_sync_in_progress:1)",
    ]);
    expect(s.master().addr.port).toBe(6380);
    expect(s.master().replicas.size).toBe(2);
  });
});
