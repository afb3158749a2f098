import fc from 'fast-check';
import { formatHello, parseHello } from '../../../src/core/hello';
import { SimWorld, sentinelConfig } from '../../helpers/sim';

const RUNID = 'f'.repeat(40);

describe('hello messages', () => {
  it('round-trip through format and parse', () => {
    const h = {
      sentinelIp: '127.0.0.1',
      sentinelPort: 26380,
      runid: RUNID,
      currentEpoch: 7n,
      masterName: 'mymaster',
      masterHost: '127.0.0.1',
      masterPort: 6380,
      masterConfigEpoch: 3n,
    };
    expect(formatHello(h)).toBe(`127.0.0.1,26380,${RUNID},7,mymaster,127.0.0.1,6380,3`);
    expect(parseHello(formatHello(h))).toEqual(h);
  });

  it('drops payloads whose epochs are not plain 64-bit decimals (redis-sentinel would wrap -1)', () => {
    expect(parseHello(`127.0.0.1,26380,${RUNID},-1,mymaster,127.0.0.1,6380,0`)).toBeNull();
    expect(parseHello(`127.0.0.1,26380,${RUNID},1,mymaster,127.0.0.1,6380,18446744073709551616`)).toBeNull();
    expect(parseHello(`127.0.0.1,26380,${RUNID},5x,mymaster,127.0.0.1,6380,0`)).toBeNull();
  });

  it('drops payloads that do not have exactly eight fields', () => {
    expect(parseHello('a,b,c')).toBeNull();
    expect(parseHello(`127.0.0.1,26380,${RUNID},7,mymaster,127.0.0.1,6380,3,extra`)).toBeNull();
  });

  it('learns a peer, a newer epoch and a newer master from hellos', () => {
    const world = new SimWorld(21);
    world.addRedis(6380);
    world.addRedis(6381, 6380);
    const s = world.addSentinel(26379, sentinelConfig(6380));
    world.advance(500);
    s.core.onHelloPublish(`127.0.0.1,26390,${RUNID},4,mymaster,127.0.0.1,6380,0`);
    world.run(s);
    expect(s.has('+sentinel', `sentinel ${RUNID} 127.0.0.1 26390`)).toBe(true);
    expect(s.has('+new-epoch', '4')).toBe(true);
    expect(s.persisted.currentEpoch).toBe(4n);
    s.core.onHelloPublish(`127.0.0.1,26390,${RUNID},4,mymaster,127.0.0.1,6381,4`);
    world.run(s);
    expect(s.has('+config-update-from', `sentinel ${RUNID}`)).toBe(true);
    expect(s.has('+switch-master', 'mymaster 127.0.0.1 6380 127.0.0.1 6381')).toBe(true);
    expect(s.persisted.masters[0]).toMatchObject({ port: 6381, configEpoch: 4n });
  });

  it('survives any payload without throwing or inventing masters', () => {
    const world = new SimWorld(22);
    world.addRedis(6380);
    const s = world.addSentinel(26379, sentinelConfig(6380));
    const field = fc.oneof(
      fc.string(),
      fc.constantFrom('mymaster', '127.0.0.1', 'localhost', '-1', '0', '18446744073709551616', '', RUNID),
      fc.integer().map(String),
    );
    const payload = fc.oneof(
      fc.string(),
      fc.array(field, { minLength: 8, maxLength: 8 }).map((f) => f.join(',')),
      // Well-formed epochs about mymaster, anything elsewhere: the ones that move currentEpoch.
      fc
        .tuple(field, field, field, fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), field, field)
        .map(([ip, port, runid, epoch, host, mport]) =>
          [ip, port, runid, epoch, 'mymaster', host, mport, epoch].join(','),
        ),
    );
    // The epoch a well-formed hello about mymaster carries, by the protocol's rules and not by
    // parseHello: eight fields, both epochs plain decimals within 64 bits.
    const epochOf = (p: string): bigint | null => {
      const f = p.split(',');
      const decimal = (x: string | undefined) =>
        x !== undefined && /^[0-9]{1,20}$/.test(x) && BigInt(x) <= 0xffffffffffffffffn;
      if (f.length !== 8 || f[4] !== 'mymaster' || !decimal(f[3]) || !decimal(f[7])) return null;
      return BigInt(f[3]!);
    };
    // No time passes, so nothing but hellos moves the epoch: it is the largest one seen so far.
    let expected = s.core.view.currentEpoch;
    expect(expected).toBe(0n);
    let raised = 0;
    fc.assert(
      fc.property(payload, (p) => {
        s.core.onHelloPublish(p);
        world.run(s);
        const e = epochOf(p);
        if (e !== null && e > expected) {
          expected = e;
          raised++;
        }
        expect([...s.core.view.masters.keys()]).toEqual(['mymaster']);
        expect(s.core.view.currentEpoch).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    // The runs really exercised the rule: some hellos raised the epoch.
    expect(raised).toBeGreaterThan(0);
  });
});
