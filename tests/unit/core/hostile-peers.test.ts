/**
 * Hostile peers and instances against the core, in the simulated world: claimed sentinels
 * count only once they answer SENTINEL MYID, only a verified peer on our own port moves an
 * epoch or a master, and broken replies decide nothing. Each refusal leaves a log line.
 */
import type { LinkReply } from '../../../src/core/actions';
import { MAX_EPOCH_JUMP } from '../../../src/core/epochs';
import { type SimSentinel, SimWorld, sentinelConfig } from '../../helpers/sim';

const INVENTED = 'e'.repeat(40);
const HELLO = '__sentinel__:hello';

/** Two ts-sentinel cores watching 6380 (replica 6381), which have verified each other. */
function pair(seed: number, quorum = 1): { world: SimWorld; a: SimSentinel; b: SimSentinel } {
  const world = new SimWorld(seed);
  world.addRedis(6380);
  world.addRedis(6381, 6380);
  const a = world.addSentinel(26379, sentinelConfig(6380, { quorum }));
  const b = world.addSentinel(26380, sentinelConfig(6380, { quorum }));
  world.until(
    () => a.master().sentinels.size === 1 && b.master().sentinels.size === 1,
    10_000,
    'the two sentinels verify each other',
  );
  return { world, a, b };
}

describe('hostile hellos and peers', () => {
  it('counts a claimed sentinel only once it answers SENTINEL MYID with its run ID', () => {
    const { world, a, b } = pair(31);
    const bid = b.core.view.myid;
    const claims = [
      // Nobody listens there.
      `127.0.0.1,26390,${INVENTED},0,mymaster,127.0.0.1,6380,0`,
      // b's address, another run ID: b answers with its own.
      `127.0.0.1,26380,${INVENTED},0,mymaster,127.0.0.1,6380,0`,
      // A Redis, not a sentinel.
      `127.0.0.1,6381,${INVENTED},0,mymaster,127.0.0.1,6380,0`,
      // b's run ID moved to an address where nobody listens.
      `127.0.0.1,26391,${bid},0,mymaster,127.0.0.1,6380,0`,
      // Our own address with another run ID, and our own run ID from elsewhere.
      `127.0.0.1,26379,${INVENTED},0,mymaster,127.0.0.1,6380,0`,
      `127.0.0.1,26392,${a.core.view.myid},0,mymaster,127.0.0.1,6380,0`,
    ];
    for (const c of claims) a.core.onHelloPublish(c);
    world.publish(6380, HELLO, claims[0]!);
    world.advance(8000);
    expect([...a.master().sentinels.keys()]).toEqual([bid]);
    expect(a.master().sentinels.get(bid)?.addr.port).toBe(26380);
    expect(a.persisted.masters[0]!.knownSentinels.map((s) => s.runid)).toEqual([bid]);
    expect(a.has('+sentinel-invalid-addr')).toBe(false);
    expect(a.has('+sentinel-address-switch')).toBe(false);
    const refused = a.logs.filter((l) => l.startsWith('Refused'));
    expect(refused).toEqual(
      expect.arrayContaining([
        `Refused sentinel ${INVENTED} at 127.0.0.1:26390: no answer to SENTINEL MYID within 5000 ms`,
        `Refused sentinel ${INVENTED} at 127.0.0.1:26380: SENTINEL MYID answered "${bid}"`,
        `Refused sentinel ${INVENTED} at 127.0.0.1:6381: SENTINEL MYID answered "OK"`,
        `Refused a hello from a client of our port: another run ID (${INVENTED}) at our own address`,
        `Refused a hello from a client of our port: our own run ID from another address`,
      ]),
    );
  });

  it('keeps epoch and master against forged hellos on the data Redis, and still fails over', () => {
    const { world, a, b } = pair(32, 2);
    const bid = b.core.view.myid;
    // b's run ID and address, a newer epoch and 6381 as master: a claim anyone can publish.
    world.publish(6380, HELLO, `127.0.0.1,26380,${bid},9,mymaster,127.0.0.1,6381,9`);
    world.publish(6380, HELLO, `127.0.0.1,26380,${bid},${2n ** 63n - 1n},mymaster,127.0.0.1,6380,0`);
    world.advance(3000);
    for (const s of [a, b]) {
      expect(s.core.view.currentEpoch).toBe(0n);
      expect(s.master().addr.port).toBe(6380);
    }
    world.killRedis(6380);
    world.until(() => a.master().addr.port === 6381 && b.master().addr.port === 6381, 60_000, 'failover');
    expect(a.core.view.currentEpoch).toBeLessThan(5n);
  });

  it('applies a verified peer’s config update only once the new master answers as a master', () => {
    const { world, a, b } = pair(33);
    const bid = b.core.view.myid;
    world.killSentinel(b);
    a.core.onHelloPublish(`127.0.0.1,26380,${bid},4,mymaster,127.0.0.1,6381,4`);
    world.advance(3000);
    expect(a.core.view.currentEpoch).toBe(4n);
    expect(a.master().addr.port).toBe(6380);
    expect(a.logs).toContain(
      'Config epoch 4 of mymaster names 127.0.0.1:6381: waiting for it to answer as a master',
    );
    world.redis.get(6381)!.role = 'master';
    world.until(() => a.master().addr.port === 6381, 20_000, 'the switch once 6381 is a master');
    expect(a.has('+config-update-from', `sentinel ${bid}`)).toBe(true);
    expect(a.master().configEpoch).toBe(4n);
  });

  it('after the hold, applies a switch only while its sender still announces it', () => {
    const { world, a, b } = pair(34);
    const bid = b.core.view.myid;
    world.killSentinel(b);
    const update = `127.0.0.1,26380,${bid},4,mymaster,127.0.0.1,6381,4`;
    a.core.onHelloPublish(update);
    world.advance(61_000);
    // Announced once, never again: given up, the master stays.
    expect(a.master().addr.port).toBe(6380);
    expect(a.logs).toContain(
      `Refused epoch 4 from sentinel ${bid}: 127.0.0.1:6381 did not answer as a master within 60000 ms`,
    );
    // Announced on every hello period (6381 still a replica): applied when the hold ends.
    for (let t = 0; t <= 62_000; t += 2000) {
      a.core.onHelloPublish(`127.0.0.1,26380,${bid},5,mymaster,127.0.0.1,6381,5`);
      world.advance(2000);
    }
    expect(a.master().addr.port).toBe(6381);
    expect(a.master().configEpoch).toBe(5n);
    expect(a.logs).toContain(
      'Config epoch 5 of mymaster names 127.0.0.1:6381, which never answered as a master; applied, since its sender still announces it',
    );
  });

  it('while it holds a switch, does not turn the new master back into a replica of the old one', () => {
    const { world, a, b } = pair(36);
    const bid = b.core.view.myid;
    world.killSentinel(b);
    // b's failover, unseen by a: 6381 is promoted, and a sees it answer as a master.
    world.redis.get(6381)!.role = 'master';
    world.until(() => a.has('-role-change', '6381'), 15_000, 'a to see 6381 answer as a master');
    // b's hello comes late, when 6381 has answered as a master for longer than a waits before it
    // turns a stray master into a replica (4 x publish-period), but before a's next INFO.
    world.advance(9000);
    expect(a.has('+convert-to-slave')).toBe(false);
    a.core.onHelloPublish(`127.0.0.1,26380,${bid},4,mymaster,127.0.0.1,6381,4`);
    world.until(() => a.master().addr.port === 6381, 20_000, 'the switch to 6381');
    expect(a.has('+convert-to-slave')).toBe(false);
    expect(world.redis.get(6381)!.role).toBe('master');
  });

  it('refuses epoch jumps no history explains, from hellos and from vote requests', () => {
    const { world, a, b } = pair(34);
    const bid = b.core.view.myid;
    world.killSentinel(b);
    const far = MAX_EPOCH_JUMP + 1n;
    a.core.onHelloPublish(`127.0.0.1,26380,${bid},${far},mymaster,127.0.0.1,6380,0`);
    const answer = a.core.isMasterDownByAddr('127.0.0.1', 6380, far, INVENTED);
    world.run(a);
    expect(a.core.view.currentEpoch).toBe(0n);
    expect(answer).toEqual({ down: false, leader: '*', leaderEpoch: 0n });
    expect(a.logs.filter((l) => l.startsWith(`Refused epoch ${far}`))).toHaveLength(2);
    a.core.onHelloPublish(`127.0.0.1,26380,${bid},${MAX_EPOCH_JUMP},mymaster,127.0.0.1,6380,0`);
    world.run(a);
    expect(a.core.view.currentEpoch).toBe(MAX_EPOCH_JUMP);
  });
});

describe('hostile replies', () => {
  /** One ts-sentinel (quorum 2) and an in-process fake peer whose IS-MASTER-DOWN answer we choose. */
  function withFakePeer(seed: number, isMasterDown: () => LinkReply) {
    const world = new SimWorld(seed);
    world.addRedis(6380);
    world.addRedis(6381, 6380);
    world.fakePeers.set(26390, (command) => {
      const [name = '', sub = ''] = command.map((c) => c.toUpperCase());
      if (name === 'SENTINEL' && sub === 'MYID') return { ok: true, value: INVENTED };
      if (name === 'SENTINEL') return isMasterDown();
      return { ok: true, value: name === 'PING' ? 'PONG' : 'OK' };
    });
    const a = world.addSentinel(26379, sentinelConfig(6380, { quorum: 2 }));
    world.advance(500);
    world.publish(6380, HELLO, `127.0.0.1,26390,${INVENTED},0,mymaster,127.0.0.1,6380,0`);
    world.until(() => a.master().sentinels.size === 1, 5000, 'the fake peer verified');
    world.killRedis(6380);
    world.advance(4000);
    return { world, a };
  }

  it('ignores IS-MASTER-DOWN-BY-ADDR answers of the wrong shape or with far-future votes', () => {
    const cases: [LinkReply, string][] = [
      [{ ok: true, value: 'OK' }, 'Refused the IS-MASTER-DOWN-BY-ADDR reply of sentinel'],
      [{ ok: true, value: [1, '*'] }, 'Refused the IS-MASTER-DOWN-BY-ADDR reply of sentinel'],
      [{ ok: true, value: ['1', '*', 0] }, 'Refused the IS-MASTER-DOWN-BY-ADDR reply of sentinel'],
      [
        { ok: true, value: [1, INVENTED, Number(MAX_EPOCH_JUMP) * 4] },
        `Refused epoch ${MAX_EPOCH_JUMP * 4n}`,
      ],
    ];
    for (const [i, [reply, line]] of cases.entries()) {
      const { a } = withFakePeer(40 + i, () => reply);
      expect(a.has('+sdown', 'master mymaster')).toBe(true);
      expect(a.has('+odown')).toBe(false);
      expect(a.logs.some((l) => l.startsWith(line))).toBe(true);
    }
    const { a } = withFakePeer(49, () => ({ ok: true, value: [1, '*', 0] }));
    expect(a.has('+odown')).toBe(true);
  });

  it('refuses INFO that is absurd, and PING or INFO replies of the wrong type', () => {
    const world = new SimWorld(50);
    const m = world.addRedis(6380);
    world.addRedis(6381, 6380);
    const a = world.addSentinel(26379, sentinelConfig(6380));
    world.advance(2000);
    expect(a.master().replicas.size).toBe(1);
    const honest = m.info.bind(m);
    const variants = [
      (w: SimWorld) => honest(w).replace('role:master', 'role:master\r\nrole:slave'),
      (w: SimWorld) => honest(w).replace('role:master\r\n', ''),
      (w: SimWorld) =>
        honest(w) +
        'slave1:ip=0.0.0.0,port=6390,state=online,offset=0,lag=0\r\nslave2:ip=10.1.1.1,port=0,state=online\r\n',
      (w: SimWorld) => honest(w) + 'slave3:ip=redis-x.example,port=6391,state=online,offset=0,lag=0\r\n',
    ];
    for (const v of variants) {
      m.info = v;
      world.advance(11_000);
    }
    expect(a.master().replicas.size).toBe(1);
    expect(a.logs).toEqual(
      expect.arrayContaining([
        'Refused the INFO of master mymaster: role appears twice',
        'Refused the INFO of master mymaster: no role field',
        'Refused the INFO of master mymaster: slave1:ip=0.0.0.0,port=6390,state=online,offset=0,lag=0: address cannot be used',
        'Refused the INFO of master mymaster: slave3:ip=redis-x.example,port=6391,state=online,offset=0,lag=0: a hostname while resolve-hostnames is off',
      ]),
    );
    const r = world.redis.get(6381)!;
    const replicaInfo = r.info.bind(r);
    r.info = (w) => replicaInfo(w).replace('master_port:6380', 'master_port:0');
    world.advance(11_000);
    expect(a.logs).toContain('Refused the INFO of slave 127.0.0.1:6381: master_port:0 is not valid');
    m.info = honest;
    m.override = ([name]) =>
      name === 'PING'
        ? { ok: true, value: 1 }
        : name === 'INFO'
          ? { ok: true, value: ['role:master'] }
          : undefined;
    world.advance(12_000);
    expect(a.logs).toEqual(
      expect.arrayContaining([
        'Refused the PING reply of master mymaster: an integer instead of a status',
        'Refused the INFO reply of master mymaster: an array instead of a bulk string',
      ]),
    );
    expect(a.has('+sdown', 'master mymaster')).toBe(true);
  });
});
