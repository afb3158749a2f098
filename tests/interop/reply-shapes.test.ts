/**
 * Debian's redis-sentinel and SENTINEL_BIN monitor the same master + replica; the same read
 * commands sent to both, in RESP2 and after HELLO 3, must come back with the same reply types,
 * the same field names in the same order, and the same error texts. Values that are times or ids
 * may differ. With SENTINEL_BIN=redis-sentinel this compares redis-sentinel with itself.
 */
import {
  command,
  entries,
  type Instance,
  items,
  REDIS,
  RespClient,
  type RespValue,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';

/**
 * How a reply is compared:
 * - exact: the whole parsed reply, types and values;
 * - map: one field map (RESP3 map, RESP2 flat array): names in order and the type of each value;
 * - mapList: an array of such maps;
 * - info: INFO text, keys line by line (values too for the deterministic master line).
 */
type Comparison = 'exact' | 'map' | 'mapList' | 'info';

const READS: [string[], Comparison][] = [
  [['SENTINEL', 'MASTERS'], 'mapList'],
  [['SENTINEL', 'MASTER', NAME], 'map'],
  [['SENTINEL', 'REPLICAS', NAME], 'mapList'],
  [['SENTINEL', 'SENTINELS', NAME], 'mapList'],
  [['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME], 'exact'],
  [['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nosuchmaster'], 'exact'],
  [['SENTINEL', 'CKQUORUM', NAME], 'exact'],
  [['INFO', 'sentinel'], 'info'],
  [['ROLE'], 'exact'],
  [['GET', 'foo'], 'exact'],
  [['SENTINEL', 'MASTER'], 'exact'],
];

function typeOf(v: RespValue): string {
  return v.type === 'error' ? `error: ${v.value}` : v.type;
}

function mapShape(v: RespValue): { type: string; fields: string[][] } {
  return { type: v.type, fields: entries(v).map(([k, val]) => [typeOf(k), text(k), typeOf(val)]) };
}

function shape(v: RespValue, how: Comparison): unknown {
  if (v.type === 'error') return typeOf(v);
  switch (how) {
    case 'exact':
      return v;
    case 'map':
      return mapShape(v);
    case 'mapList':
      return { type: v.type, items: items(v).map(mapShape) };
    case 'info':
      return {
        type: v.type,
        lines: text(v)
          .split('\r\n')
          .map((line) => (/^master\d+:/.test(line) || !line.includes(':') ? line : line.split(':')[0])),
      };
  }
}

/** INFO sentinel fields newer sentinels added (Redis 8.0, Valkey 9.0), which 7.0 lacks. */
const ADDED_INFO_FIELDS = ['sentinel_total_tilt'];

async function shapes(client: RespClient, added: readonly string[] = []): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [args, how] of READS) {
    const v = await client.call(args);
    const s = shape(v, how);
    out[args.join(' ')] =
      how === 'info' && v.type !== 'error'
        ? { ...(s as object), lines: (s as { lines: string[] }).lines.filter((l) => !added.includes(l)) }
        : s;
  }
  return out;
}

/** Valkey 8.0's names, each answered as the 7.0 name is (ours), compared with redis-sentinel's 7.0 name. */
const ALIASES: [string[], string[], Comparison][] = [
  [['SENTINEL', 'PRIMARIES'], ['SENTINEL', 'MASTERS'], 'mapList'],
  [['SENTINEL', 'PRIMARY', NAME], ['SENTINEL', 'MASTER', NAME], 'map'],
  [['SENTINEL', 'PRIMARY', 'nosuchmaster'], ['SENTINEL', 'MASTER', 'nosuchmaster'], 'exact'],
  [['SENTINEL', 'GET-PRIMARY-ADDR-BY-NAME', NAME], ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME], 'exact'],
  [['SENTINEL', 'GET-PRIMARY-ADDR-BY-NAME', 'x'], ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'x'], 'exact'],
  [['SENTINEL', 'PRIMARY'], ['SENTINEL', 'MASTER'], 'exact'],
];

async function discovered(sentinel: Instance): Promise<boolean> {
  const [replicas, peers] = await Promise.all(
    ['REPLICAS', 'SENTINELS'].map(async (sub) =>
      items(await command(sentinel.port, ['SENTINEL', sub, NAME])),
    ),
  );
  return replicas?.length === 1 && peers?.length === 1;
}

describe('reply shapes: SENTINEL_BIN against redis-sentinel', () => {
  let reference: RespClient;
  let ours: RespClient;

  beforeAll(async () => {
    const { master } = await startMasterAndReplicas({ replicas: 1 });
    const conf = [
      `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 2`,
      `sentinel down-after-milliseconds ${NAME} 5000`,
    ];
    const sentinels = await Promise.all([
      startSentinel({ conf: conf.join('\n'), bin: REDIS.bin }),
      startSentinel({ conf: conf.join('\n') }),
    ]);
    for (const sentinel of sentinels) {
      await waitFor(() => discovered(sentinel), {
        timeoutMs: 20000,
        what: `sentinel ${sentinel.port} to discover the replica and the other sentinel`,
      });
    }
    const [a, b] = sentinels;
    if (a === undefined || b === undefined) throw new Error('two sentinels expected');
    reference = await RespClient.connect(a.port);
    ours = await RespClient.connect(b.port);
  }, 40000);

  afterAll(() => {
    reference?.close();
    ours?.close();
  });

  test('RESP2 replies match', async () => {
    const expected = await shapes(reference);
    // Guard against comparing two equally wrong things: the reference really answered.
    expect(expected['SENTINEL MASTER mymaster']).toMatchObject({ type: 'array' });
    expect(expected['SENTINEL GET-MASTER-ADDR-BY-NAME nosuchmaster']).toEqual({ type: 'nullarray' });
    expect(await shapes(ours, ADDED_INFO_FIELDS)).toEqual(expected);
  });

  test('INFO sentinel adds sentinel_total_tilt after sentinel_tilt_since_seconds, as Redis 8 does', async () => {
    const lines = text(await ours.call(['INFO', 'sentinel'])).split('\r\n');
    const at = lines.findIndex((l) => l.startsWith('sentinel_tilt_since_seconds:'));
    expect(lines[at + 1]).toBe('sentinel_total_tilt:0');
  });

  test("Valkey's aliases answer as redis-sentinel answers the 7.0 names", async () => {
    for (const [alias, original, how] of ALIASES) {
      const expected = shape(await reference.call(original), how);
      const got = shape(await ours.call(alias), how);
      // The arity error names the subcommand as typed.
      const typed =
        typeof expected === 'string' ? expected.replace('sentinel|master', 'sentinel|primary') : expected;
      expect({ alias, got }).toEqual({ alias, got: typed });
    }
  });

  test('HELLO 3 answers the same map, and RESP3 replies match', async () => {
    const hellos = await Promise.all(
      [reference, ours].map(async (c) => mapShape(await c.call(['HELLO', '3']))),
    );
    expect(hellos[0]?.fields.map((f) => f[1])).toEqual([
      'server',
      'version',
      'proto',
      'id',
      'mode',
      'modules',
    ]);
    expect(hellos[1]).toEqual(hellos[0]);

    const expected = await shapes(reference);
    expect(expected['SENTINEL MASTER mymaster']).toMatchObject({ type: 'map' });
    expect(expected['SENTINEL GET-MASTER-ADDR-BY-NAME nosuchmaster']).toEqual({ type: 'null' });
    expect(await shapes(ours, ADDED_INFO_FIELDS)).toEqual(expected);
  });
});
