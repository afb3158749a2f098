import fc from 'fast-check';
import { EPOCH_MAX, MAX_EPOCH_JUMP } from '../../../src/core/epochs';
import { checkHello, formatHello, parseHello } from '../../../src/core/hello';
import { SimWorld, sentinelConfig } from '../../helpers/sim';

const RUNID = 'f'.repeat(40);
const hello = (
  fields: Partial<Record<'ip' | 'port' | 'runid' | 'epoch' | 'mhost' | 'mport' | 'mepoch', string>>,
) =>
  [
    fields.ip ?? '127.0.0.1',
    fields.port ?? '26380',
    fields.runid ?? RUNID,
    fields.epoch ?? '7',
    'mymaster',
    fields.mhost ?? '127.0.0.1',
    fields.mport ?? '6380',
    fields.mepoch ?? '3',
  ].join(',');

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

  it('refuses epochs a redis-sentinel peer could not parse (above 2^63-1; -1 would wrap to 2^64-1)', () => {
    expect(checkHello(hello({ epoch: '-1' }))).toMatch(/current epoch '-1'/);
    expect(checkHello(hello({ epoch: '18446744073709551615' }))).toMatch(/not a decimal up to 2\^63-1/);
    expect(checkHello(hello({ epoch: String(EPOCH_MAX + 1n) }))).toMatch(/not a decimal up to 2\^63-1/);
    expect(checkHello(hello({ mepoch: '18446744073709551616' }))).toMatch(/config epoch/);
    expect(checkHello(hello({ epoch: '5x' }))).toMatch(/current epoch '5x'/);
    expect(parseHello(hello({ epoch: String(EPOCH_MAX), mepoch: '0' }))?.currentEpoch).toBe(EPOCH_MAX);
  });

  it('refuses wrong field counts, unusable addresses and ports, bad run IDs, config epochs ahead', () => {
    expect(checkHello('a,b,c')).toBe('3 fields instead of 8');
    expect(checkHello(hello({}) + ',extra')).toBe('9 fields instead of 8');
    for (const ip of ['', '0.0.0.0', '::', ' 127.0.0.1'])
      expect(checkHello(hello({ ip }))).toMatch(/sentinel address/);
    for (const port of ['0', '65536', 'abc', '-1', ''])
      expect(checkHello(hello({ port }))).toMatch(/sentinel address/);
    for (const mport of ['0', '99999', 'x']) expect(checkHello(hello({ mport }))).toMatch(/master address/);
    expect(checkHello(hello({ mhost: '0.0.0.0' }))).toMatch(/master address/);
    expect(checkHello(hello({ runid: 'abc' }))).toMatch(/run ID 'abc'/);
    expect(checkHello(hello({ epoch: '2', mepoch: '3' }))).toBe('config epoch 3 above current epoch 2');
    expect(typeof checkHello(hello({}))).toBe('object');
  });

  it('takes epochs only from a verified peer on our port, by the epoch rule, whatever the payload', () => {
    const world = new SimWorld(22);
    world.addRedis(6380);
    const a = world.addSentinel(26379, sentinelConfig(6380));
    const b = world.addSentinel(26380, sentinelConfig(6380));
    world.until(() => a.master().sentinels.size === 1, 10_000, 'a verifies b');
    const bid = b.core.view.myid;
    world.killSentinel(b);
    const field = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'mymaster',
        '127.0.0.1',
        '26380',
        'localhost',
        '-1',
        '0',
        '18446744073709551616',
        '',
        bid,
      ),
      fc.integer().map(String),
    );
    const epoch = fc.oneof(
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
      fc.bigInt({ min: 0n, max: 3n * MAX_EPOCH_JUMP }),
    );
    const payload = fc.oneof(
      fc.string(),
      fc.array(field, { minLength: 8, maxLength: 8 }).map((f) => f.join(',')),
      // b's own hellos (on our port, so the only ones that may move the epoch), and forgeries.
      fc
        .tuple(fc.constantFrom(bid, RUNID), epoch, fc.constantFrom('26380', '26390'))
        .map(([runid, e, port]) => `127.0.0.1,${port},${runid},${e},mymaster,127.0.0.1,6380,0`),
    );
    // The rule, restated: b's hello raises the epoch when within 2^63-1 and at most
    // MAX_EPOCH_JUMP ahead; nothing else does. Nothing else moves it: the master stays up.
    let expected = a.core.view.currentEpoch;
    let raised = 0;
    let refused = 0;
    fc.assert(
      fc.property(payload, fc.boolean(), (p, onDataRedis) => {
        if (onDataRedis) world.publish(6380, '__sentinel__:hello', p);
        else a.core.onHelloPublish(p);
        world.advance(30);
        world.run(a);
        const m = /^127\.0\.0\.1,26380,([0-9a-f]{40}),([0-9]+),mymaster,127\.0\.0\.1,6380,0$/.exec(p);
        if (!onDataRedis && m?.[1] === bid && BigInt(m[2]!) > expected) {
          const e = BigInt(m[2]!);
          if (e <= EPOCH_MAX && e - expected <= MAX_EPOCH_JUMP) {
            expected = e;
            raised++;
          } else refused++;
        }
        expect([...a.core.view.masters.keys()]).toEqual(['mymaster']);
        expect(a.core.view.currentEpoch).toBe(expected);
        expect([...a.master().sentinels.keys()]).toEqual([bid]);
      }),
      { numRuns: 2000 },
    );
    // The runs really exercised the rule both ways.
    expect(raised).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(a.logs.some((l) => l.startsWith('Refused epoch'))).toBe(true);
    expect(a.logs.some((l) => l.startsWith('Refused a hello'))).toBe(true);
  });
});
