/**
 * Hostnames in the core: it never waits for DNS. A name it needs is asked for with a
 * `resolve` action; the answer comes back through `onResolved`.
 */
import { defaultSentinelConfig, newMasterConfig } from '../../../src/config/types';
import type { Action } from '../../../src/core/actions';
import { RESOLVE_REFRESH_MS } from '../../../src/core/instances';
import { Sentinel } from '../../../src/core/sentinel';

const RUNID = 'f'.repeat(40);

function sentinelWatching(host: string, knownHosts?: Map<string, string>, withPeer = false) {
  let clock = 1_000_000;
  const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40), resolveHostnames: true };
  const master = newMasterConfig('mymaster', host, 6380, 1);
  if (withPeer) master.knownSentinels.push({ host: '10.0.0.9', port: 26390, runid: RUNID });
  config.masters.push(master);
  const core = new Sentinel(
    config,
    { now: () => clock, random: () => 0.5 },
    { serverPort: 26379, knownHosts },
  );
  const actions: Action[] = [];
  const drain = () => {
    const out = core.drain();
    actions.push(...out);
    return out;
  };
  return {
    core,
    actions,
    drain,
    advance(ms: number) {
      clock += ms;
    },
  };
}

const lookups = (actions: readonly Action[]) =>
  actions.flatMap((a) => (a.kind === 'resolve' ? [a.host] : []));
const connects = (actions: readonly Action[]) =>
  actions.flatMap((a) => (a.kind === 'connect' ? [`${a.ip}:${a.port}`] : []));

describe('hostname resolution', () => {
  it('asks for an unknown name with an action and connects once the answer came', () => {
    const s = sentinelWatching('redis-a');
    expect(lookups(s.drain())).toEqual(['redis-a']);
    s.advance(100);
    s.core.tick();
    const first = s.drain();
    expect(connects(first)).toEqual([]);
    expect(first).toContainEqual({
      kind: 'event',
      event: expect.objectContaining({
        type: '-cmd-link-reconnection',
        payload: expect.stringContaining('#Failed to resolve hostname'),
      }),
    });
    s.core.onResolved('redis-a', '10.0.0.5');
    s.advance(1000);
    s.core.tick();
    expect(connects(s.drain())).toEqual(['10.0.0.5:6380', '10.0.0.5:6380']);
  });

  it('starts from the answers the edge already has, without asking again', () => {
    const s = sentinelWatching('redis-a', new Map([['redis-a', '10.0.0.5']]));
    s.core.tick();
    const out = s.drain();
    expect(lookups(out)).toEqual([]);
    expect(connects(out)).toEqual(['10.0.0.5:6380', '10.0.0.5:6380']);
  });

  it('asks again for a stale answer, one lookup at a time, and keeps the last address when it fails', () => {
    const s = sentinelWatching('redis-a', new Map([['redis-a', '10.0.0.5']]));
    s.core.tick();
    s.drain();
    s.advance(RESOLVE_REFRESH_MS);
    // A reply-less tick: the command link is up; drop it so the next tick reconnects and looks up.
    const cmd = s.actions.find((a) => a.kind === 'connect' && a.channel === 'cmd');
    if (cmd?.kind !== 'connect') throw new Error('no command connection');
    s.core.onConnectionClosed(cmd.conn, 'reset');
    s.core.tick();
    expect(lookups(s.drain())).toEqual(['redis-a']);
    s.advance(1000);
    s.core.tick();
    // Still in flight: no second lookup.
    expect(lookups(s.drain())).toEqual([]);
    s.core.onResolved('redis-a', null);
    expect(s.core.view.masters.get('mymaster')?.addr.ip).toBe('10.0.0.5');
  });

  it('holds a hello naming a name never looked up, and applies it when the answer comes', () => {
    const s = sentinelWatching('10.0.0.5', undefined, true);
    s.core.tick();
    s.drain();
    // From a peer we know, on our own port: the one source that may move a master.
    s.core.onHelloPublish(`10.0.0.9,26390,${RUNID},4,mymaster,redis-b,6390,3`);
    const asked = s.drain();
    expect(lookups(asked)).toEqual(['redis-b']);
    expect(s.core.view.masters.get('mymaster')?.configEpoch).toBe(0n);
    s.core.onResolved('redis-b', '10.0.0.7');
    const applied = s.drain();
    const types = applied.flatMap((a) => (a.kind === 'event' ? [a.event.type] : []));
    expect(types).toEqual(['+new-epoch', '+slave']);
    expect(applied[0]).toEqual({ kind: 'flush-config' });
    expect(applied.filter((a) => a.kind === 'flush-config')).toHaveLength(1);
    // The new address must answer as a master before anybody is told.
    expect(s.core.view.masters.get('mymaster')?.addr.host).toBe('10.0.0.5');
    // It is asked at once, not at the next tick.
    expect(connects(applied)).toContain('10.0.0.7:6390');
    const info = applied.find(
      (a) => a.kind === 'send' && a.command[0] === 'INFO' && sentTo(applied, a.conn) === '10.0.0.7:6390',
    );
    if (info?.kind !== 'send') throw new Error('no INFO sent to the new master');
    s.core.onReply(info.token, { ok: true, value: `run_id:${'b'.repeat(40)}\r\nrole:master\r\n` });
    const switched = s.drain().flatMap((a) => (a.kind === 'event' ? [a.event.type] : []));
    expect(switched).toEqual(expect.arrayContaining(['+config-update-from', '+switch-master']));
    const m = s.core.view.masters.get('mymaster');
    expect(m?.addr).toEqual({ host: 'redis-b', ip: '10.0.0.7', port: 6390 });
    expect(m?.configEpoch).toBe(3n);
  });
});

/** The address a connection was opened to. */
function sentTo(actions: readonly Action[], conn: number): string | undefined {
  const c = actions.find((a) => a.kind === 'connect' && a.conn === conn);
  return c?.kind === 'connect' ? `${c.ip}:${c.port}` : undefined;
}
