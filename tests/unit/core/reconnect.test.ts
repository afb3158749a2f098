/**
 * Dropped connections: down-after counts from the drop; each connection of a link is reopened
 * on its own schedule, and the links to a held switch's address at once (the promotion's CLIENT
 * KILL has just dropped them, and the switch waits for that address to answer INFO as a master).
 */
import type { Action } from '../../../src/core/actions';
import { defaultSentinelConfig, newMasterConfig } from '../../../src/config/types';
import { startedCore } from '../../helpers/core';

const PEER = 'b'.repeat(40);
const MASTER_PORT = 6380;
const REPLICA_PORT = 6381;
const DOWN_AFTER_MS = 1000;

function watching() {
  const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40) };
  const master = newMasterConfig('mymaster', '127.0.0.1', MASTER_PORT, 2);
  master.downAfterMs = DOWN_AFTER_MS;
  master.knownReplicas.push({ host: '127.0.0.1', port: REPLICA_PORT });
  master.knownSentinels.push({ host: '127.0.0.1', port: 26380, runid: PEER });
  config.masters.push(master);
  const s = startedCore(config);
  /** The open connection of a channel to a port, as last opened. */
  const connOf = (port: number, channel: 'cmd' | 'pubsub') => {
    const opened = s.seen.filter((a) => a.kind === 'connect' && a.port === port && a.channel === channel);
    const last = opened[opened.length - 1];
    if (last?.kind !== 'connect') throw new Error(`no ${channel} connection to ${port}`);
    return last.conn;
  };
  return { ...s, connOf };
}

const opened = (actions: readonly Action[], port: number) =>
  actions.flatMap((a) => (a.kind === 'connect' && a.port === port ? [a.channel] : []));

function infoSentTo(actions: readonly Action[], conns: Set<number>): boolean {
  return actions.some((a) => a.kind === 'send' && a.command[0] === 'INFO' && conns.has(a.conn));
}

const newConns = (actions: readonly Action[], port: number) =>
  new Set(actions.flatMap((a) => (a.kind === 'connect' && a.port === port ? [a.conn] : [])));

/** The leader's hello for epoch 1, naming the replica as the master. */
const promotionHello = `127.0.0.1,26380,${PEER},1,mymaster,127.0.0.1,${REPLICA_PORT},1`;

const sdowns = (actions: readonly Action[]) =>
  actions.filter((a) => a.kind === 'event' && a.event.type === '+sdown').length;

describe('reopening dropped connections', () => {
  it('counts down-after from the moment the command connection broke', () => {
    const s = watching();
    s.clock.now += 1500;
    // The master answered until now; then it dies and its connections close.
    s.core.onConnectionClosed(s.connOf(MASTER_PORT, 'cmd'), 'reset');
    s.core.onConnectionClosed(s.connOf(MASTER_PORT, 'pubsub'), 'reset');
    const brokeAt = s.clock.now;
    let sdownAt = 0;
    // Ticks every 90 ms; the first one's reconnection attempt is refused (redis-sentinel
    // counts from that attempt).
    for (let tick = 1; sdownAt === 0 && tick < 100; tick++) {
      s.clock.now = brokeAt + tick * 90;
      s.core.tick();
      if (tick === 1) s.core.onConnectionClosed(s.connOf(MASTER_PORT, 'cmd'), 'refused');
      if (sdowns(s.drain()) > 0) sdownAt = s.clock.now;
    }
    expect(sdownAt - brokeAt).toBeGreaterThan(DOWN_AFTER_MS);
    expect(sdownAt - brokeAt).toBeLessThanOrEqual(DOWN_AFTER_MS + 90);
  });

  it('reopens a pub/sub connection dropped just after its command connection was reopened', () => {
    const s = watching();
    s.clock.now += 1500;
    s.core.onConnectionClosed(s.connOf(MASTER_PORT, 'cmd'), 'reset');
    s.core.tick();
    expect(opened(s.drain(), MASTER_PORT)).toEqual(['cmd']);
    s.clock.now += 5;
    s.core.onConnectionClosed(s.connOf(MASTER_PORT, 'pubsub'), 'reset');
    s.clock.now += 100;
    s.core.tick();
    // Counted together, it would wait for the rest of the ping period, and no PING would go out.
    expect(opened(s.drain(), MASTER_PORT)).toEqual(['pubsub']);
    expect(s.core.view.masters.get('mymaster')?.link.disconnected).toBe(false);
  });

  it('reopens the links to a held switch address at once and asks it for INFO', () => {
    const s = watching();
    s.clock.now += 1500;
    s.core.onConnectionClosed(s.connOf(REPLICA_PORT, 'cmd'), 'killed');
    s.core.onConnectionClosed(s.connOf(REPLICA_PORT, 'pubsub'), 'killed');
    s.drain();
    s.core.onHelloPublish(promotionHello);
    const now = s.drain();
    expect(opened(now, REPLICA_PORT).sort()).toEqual(['cmd', 'pubsub']);
    expect(infoSentTo(now, newConns(now, REPLICA_PORT))).toBe(true);
  });

  it('reopens them at once when they close after the hello came', () => {
    const s = watching();
    s.clock.now += 1500;
    s.core.onHelloPublish(promotionHello);
    const cmd = s.connOf(REPLICA_PORT, 'cmd');
    expect(infoSentTo(s.drain(), new Set([cmd]))).toBe(true);
    s.core.onConnectionClosed(cmd, 'killed');
    const now = s.drain();
    expect(opened(now, REPLICA_PORT)).toEqual(['cmd']);
    expect(infoSentTo(now, newConns(now, REPLICA_PORT))).toBe(true);
    // The pub/sub connection's close is reopened too, without a second INFO.
    s.core.onConnectionClosed(s.connOf(REPLICA_PORT, 'pubsub'), 'killed');
    const after = s.drain();
    expect(opened(after, REPLICA_PORT)).toEqual(['pubsub']);
    expect(after.some((a) => a.kind === 'send' && a.command[0] === 'INFO')).toBe(false);
  });

  it('leaves other closed links to the next tick', () => {
    const s = watching();
    s.clock.now += 1500;
    s.core.onConnectionClosed(s.connOf(REPLICA_PORT, 'cmd'), 'reset');
    expect(opened(s.drain(), REPLICA_PORT)).toEqual([]);
    s.core.tick();
    expect(opened(s.drain(), REPLICA_PORT)).toEqual(['cmd']);
  });
});
