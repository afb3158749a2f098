/**
 * New credentials (SENTINEL SET auth-pass / auth-user, SENTINEL CONFIG SET sentinel-pass) are
 * tried at the next tick, not a ping period after the last connection attempt.
 */
import type { Action } from '../../../src/core/actions';
import { defaultSentinelConfig, newMasterConfig } from '../../../src/config/types';
import { masterOptionByDirective } from '../../../src/config/master-options';
import { Sentinel } from '../../../src/core/sentinel';

const PING_PERIOD_MS = 1000;

function core(clock: { now: number }): Sentinel {
  const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40) };
  config.masters.push(newMasterConfig('mymaster', '127.0.0.1', 6380, 2));
  return new Sentinel(config, { now: () => clock.now, random: () => 0.5 }, { serverPort: 26379 });
}

function connects(actions: readonly Action[]): number[] {
  return actions.flatMap((a) => (a.kind === 'connect' ? [a.port] : []));
}

function sent(actions: readonly Action[]): string[] {
  return actions.flatMap((a) => (a.kind === 'send' ? [a.command.join(' ')] : []));
}

describe('reconnection after a credentials change', () => {
  it('reconnects the master with the new password at the next tick', () => {
    const clock = { now: 1_000_000 };
    const s = core(clock);
    s.start();
    s.tick();
    expect(connects(s.drain())).toEqual([6380, 6380]);

    clock.now += 200;
    const option = masterOptionByDirective('auth-pass');
    if (!option) throw new Error('no auth-pass option');
    const set = s.setMasterOptions('mymaster', [
      { option, typed: 'auth-pass', values: ['secret'], executable: false },
    ]);
    expect(set.ok).toBe(true);
    expect(s.drain().filter((a) => a.kind === 'close')).toHaveLength(2);

    // Well inside the ping period that started with the first attempt.
    clock.now += 100;
    expect(clock.now - 1_000_000).toBeLessThan(PING_PERIOD_MS);
    s.tick();
    const actions = s.drain();
    expect(connects(actions)).toEqual([6380, 6380]);
    expect(sent(actions)).toContain('AUTH secret');
  });

  it('asks peers again at the next tick after SENTINEL CONFIG SET sentinel-pass', () => {
    const clock = { now: 1_000_000 };
    const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40) };
    const master = newMasterConfig('mymaster', '127.0.0.1', 6380, 2);
    master.knownSentinels.push({ host: '127.0.0.1', port: 26380, runid: 'b'.repeat(40) });
    config.masters.push(master);
    const s = new Sentinel(config, { now: () => clock.now, random: () => 0.5 }, { serverPort: 26379 });
    s.start();
    s.tick();
    expect(connects(s.drain())).toContain(26380);

    clock.now += 200;
    s.configSet({ key: 'sentinel-pass', value: 'peerpass' });
    s.drain();
    clock.now += 100;
    s.tick();
    const actions = s.drain();
    expect(connects(actions)).toContain(26380);
    expect(sent(actions)).toContain('AUTH peerpass');
  });
});
