/**
 * How often peers are asked whether a master is down: once an ask period, except that a peer
 * answering "not down" in the first ask period of our SDOWN is asked again once its answer is in,
 * 50 ms later or at once when a peer's question shows it reached SDOWN (sentinels that saw the
 * same connections break reach SDOWN milliseconds apart).
 */
import type { Action } from '../../../src/core/actions';
import { defaultSentinelConfig, newMasterConfig } from '../../../src/config/types';
import { startedCore } from '../../helpers/core';

const DOWN_AFTER_MS = 1000;
const ASK_PERIOD_MS = 1000;
const PEERS = ['b'.repeat(40), 'c'.repeat(40)];

/** A sentinel watching a master (quorum 2) with two known peers, the master just gone SDOWN. */
function sdownMaster() {
  const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40) };
  const master = newMasterConfig('mymaster', '127.0.0.1', 6380, 2);
  master.downAfterMs = DOWN_AFTER_MS;
  PEERS.forEach((runid, i) => master.knownSentinels.push({ host: '127.0.0.1', port: 26380 + i, runid }));
  config.masters.push(master);
  const { core, clock, drain, seen } = startedCore(config);
  // The master dies: its command connection breaks; ticks every 100 ms until SDOWN.
  const cmd = seen.find((a) => a.kind === 'connect' && a.port === 6380 && a.channel === 'cmd');
  if (cmd?.kind !== 'connect') throw new Error('no command connection to the master');
  core.onConnectionClosed(cmd.conn, 'reset');
  let asks: Extract<Action, { kind: 'send' }>[] = [];
  for (let i = 0; i < 20 && asks.length === 0; i++) {
    clock.now += 100;
    core.tick();
    asks = askIn(drain());
  }
  if (asks.length === 0) throw new Error('no IS-MASTER-DOWN-BY-ADDR after SDOWN');
  return { core, clock, drain, firstAsks: asks };
}

function askIn(actions: readonly Action[]): Extract<Action, { kind: 'send' }>[] {
  return actions.flatMap((a) =>
    a.kind === 'send' && a.command[1]?.toLowerCase() === 'is-master-down-by-addr' ? [a] : [],
  );
}

const events = (actions: readonly Action[]) =>
  actions.flatMap((a) => (a.kind === 'event' ? [a.event.type] : []));

describe('asking peers about a master in SDOWN', () => {
  it('asks a peer that was a few milliseconds behind again within the first ask period', () => {
    const s = sdownMaster();
    expect(s.firstAsks).toHaveLength(2);
    // Both peers have not reached SDOWN yet.
    for (const ask of s.firstAsks) s.core.onReply(ask.token, { ok: true, value: [0n, '*', 0n] });
    s.clock.now += 60;
    s.core.tick();
    const again = askIn(s.drain());
    expect(again).toHaveLength(2);
    const [first] = again;
    if (!first) throw new Error('no second ask');
    s.core.onReply(first.token, { ok: true, value: [1n, '*', 0n] });
    expect(events(s.drain())).toContain('+odown');
  });

  it('asks them again at once when a peer asks us, having reached SDOWN itself', () => {
    const s = sdownMaster();
    for (const ask of s.firstAsks) s.core.onReply(ask.token, { ok: true, value: [0n, '*', 0n] });
    s.clock.now += 2;
    const answer = s.core.isMasterDownByAddr('127.0.0.1', 6380, 0n, '*');
    expect(answer.down).toBe(true);
    expect(askIn(s.drain())).toHaveLength(2);
    // A second question before those answers came prompts nothing more.
    s.core.isMasterDownByAddr('127.0.0.1', 6380, 0n, '*');
    expect(askIn(s.drain())).toHaveLength(0);
  });

  it('does not ask again sooner while that answer is still awaited', () => {
    const s = sdownMaster();
    for (const ask of s.firstAsks) s.core.onReply(ask.token, { ok: true, value: [0n, '*', 0n] });
    s.clock.now += 60;
    s.core.tick();
    expect(askIn(s.drain())).toHaveLength(2);
    for (let i = 0; i < 5; i++) {
      s.clock.now += 60;
      s.core.tick();
      expect(askIn(s.drain())).toHaveLength(0);
    }
  });

  it('falls back to once an ask period after the first one', () => {
    const s = sdownMaster();
    const answer = (asks: Extract<Action, { kind: 'send' }>[]) => {
      for (const ask of asks) s.core.onReply(ask.token, { ok: true, value: [0n, '*', 0n] });
    };
    answer(s.firstAsks);
    // Peers that keep saying "not down" (they reach the master): asked every 50 ms at most,
    // and only within the first ask period of the SDOWN.
    const times: number[] = [];
    const start = s.clock.now;
    while (s.clock.now - start < 3 * ASK_PERIOD_MS) {
      s.clock.now += 50;
      s.core.tick();
      const asks = askIn(s.drain());
      if (asks.length > 0) times.push(s.clock.now - start);
      answer(asks);
    }
    const late = times.filter((t) => t > ASK_PERIOD_MS);
    expect(times.length - late.length).toBeGreaterThan(5);
    expect(late.length).toBeLessThanOrEqual(2);
  });
});
