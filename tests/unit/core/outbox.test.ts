/** What one drain carries: every flush request of it merged into one write, before anything else. */
import { defaultSentinelConfig, newMasterConfig } from '../../../src/config/types';
import { Sentinel } from '../../../src/core/sentinel';

function core(): Sentinel {
  const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40) };
  config.masters.push(newMasterConfig('mymaster', '127.0.0.1', 6380, 2));
  return new Sentinel(config, { now: () => 1_000_000, random: () => 0.5 }, { serverPort: 26379 });
}

describe('the outbox', () => {
  it('merges the flushes of a new epoch and a vote into one write, ahead of the events', () => {
    const s = core();
    s.drain();
    const answer = s.isMasterDownByAddr('127.0.0.1', 6380, 7n, 'b'.repeat(40));
    expect(answer).toEqual({ down: false, leader: 'b'.repeat(40), leaderEpoch: 7n });
    const actions = s.drain();
    expect(actions.map((a) => (a.kind === 'event' ? a.event.type : a.kind))).toEqual([
      'flush-config',
      '+new-epoch',
      '+vote-for-leader',
    ]);
    expect(s.drain()).toEqual([]);
  });

  it('writes once for several SENTINEL SET options, and not at all for a refused first one', () => {
    const s = core();
    s.drain();
    const refused = s.setMasterOptions('nope', []);
    expect(refused.ok).toBe(false);
    expect(s.drain()).toEqual([]);
    const kinds = () => s.drain().map((a) => a.kind);
    expect(s.monitor('other', '127.0.0.1', 6390, 1)).toEqual({ ok: true, value: undefined });
    expect(kinds()).toEqual(['flush-config', 'event']);
    s.reset(() => true);
    expect(kinds().filter((k) => k === 'flush-config')).toEqual([]);
  });

  it('keeps a snapshot that reflects every change of the drain', () => {
    const s = core();
    s.isMasterDownByAddr('127.0.0.1', 6380, 9n, 'c'.repeat(40));
    expect(s.drain()[0]).toEqual({ kind: 'flush-config' });
    const snap = s.snapshot();
    expect(snap.currentEpoch).toBe(9n);
    expect(snap.masters[0]?.leaderEpoch).toBe(9n);
  });
});
