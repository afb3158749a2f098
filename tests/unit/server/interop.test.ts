/**
 * Sends the same bytes to a real redis-sentinel 7.0 and to our server and compares the replies
 * byte for byte (after masking values that legitimately differ, such as client ids).
 */
import fc from 'fast-check';
import { reply } from '../../../src/protocol/reply';
import {
  encodeCommand,
  type Instance,
  REDIS,
  RespClient,
  startSentinel,
  teardownAfterAll,
} from '../../helpers/devkit';
import { startServer, type Started } from './helpers';

teardownAfterAll();

interface Pair {
  real: Instance;
  ours: Started;
}

async function startPair(extraConfig: string, ours: Parameters<typeof startServer>[0]): Promise<Pair> {
  const real = await startSentinel({ conf: extraConfig, bin: REDIS.bin });
  try {
    // Our fake sentinel core mirrors the empty real one: no masters, null for unknown names.
    const started = await startServer(ours, {
      masters: [],
      sentinelReply: (args) =>
        args[0]?.toLowerCase() === 'get-master-addr-by-name'
          ? reply.nullArray
          : reply.error('ERR No such master with that name'),
    });
    return { real, ours: started };
  } catch (e) {
    await real.kill9();
    throw e;
  }
}

async function stopPair(p: Pair | undefined): Promise<void> {
  if (p === undefined) return;
  await p.ours.server.close();
  await p.real.kill9();
}

/** Runs `input` on a fresh connection, collects `n` replies and whether the server then closed. */
async function run(port: number, input: string | Buffer, n: number, expectClose: boolean): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    c.write(input);
    const out = await c.take(n);
    if (expectClose) await c.waitClosed();
    return mask(out);
  } finally {
    c.close();
  }
}

/** Client ids and ports differ between the two servers by nature. */
function mask(s: string): string {
  return s.replace(/\$2\r\nid\r\n:\d+\r\n/g, '$2\r\nid\r\n:<id>\r\n');
}

async function compare(p: Pair, input: string | Buffer, n = 1, expectClose = false): Promise<void> {
  const [real, ours] = await Promise.all([
    run(p.real.port, input, n, expectClose),
    run(p.ours.port, input, n, expectClose),
  ]);
  expect(ours).toBe(real);
}

const cases: [string, string | Buffer, number][] = [
  ['PING', 'PING\r\n', 1],
  ['PING message', encodeCommand(['PING', 'hi there']), 1],
  ['PING arity', encodeCommand(['PING', 'a', 'b']), 1],
  ['ROLE', 'ROLE\r\n', 1],
  ['GET is unknown', 'GET foo\r\n', 1],
  ['QUIT is unknown', 'QUIT\r\n', 1],
  ['MULTI and CONFIG are unknown', 'MULTI\r\nCONFIG GET x\r\nRESET\r\nSELECT 0\r\n', 4],
  [
    'unknown command arguments are truncated',
    encodeCommand(['FOO', ...Array.from({ length: 20 }, (_, i) => `argument${i}`)]),
    1,
  ],
  ['a long unknown name and newlines in arguments', encodeCommand(['x'.repeat(200), 'a\r\nb', 'c\0d']), 1],
  ['COMMAND COUNT', 'COMMAND COUNT\r\n', 1],
  [
    'COMMAND INFO',
    encodeCommand(['COMMAND', 'INFO', 'ping', 'nosuch', 'role', 'auth', 'publish', 'CLIENT|KILL']),
    1,
  ],
  [
    'COMMAND GETKEYS',
    'COMMAND GETKEYS ping a\r\nCOMMAND GETKEYS get a\r\nCOMMAND GETKEYS ping\r\nCOMMAND GETKEYSANDFLAGS client kill a\r\n',
    4,
  ],
  [
    'COMMAND errors',
    'COMMAND FOO\r\nCOMMAND LIST FOO\r\nCOMMAND LIST FILTERBY ACLCAT nosuch\r\nCOMMAND LIST FILTERBY MODULE x\r\nCOMMAND COUNT x\r\n',
    5,
  ],
  ['COMMAND HELP', 'COMMAND HELP\r\n', 1],
  [
    'CLIENT names',
    'CLIENT SETNAME "a b"\r\nCLIENT GETNAME\r\nCLIENT SETNAME app-1\r\nCLIENT GETNAME\r\nCLIENT SETNAME ""\r\nCLIENT GETNAME\r\n',
    6,
  ],
  [
    'CLIENT errors',
    'CLIENT\r\nCLIENT FOO\r\nCLIENT LIST foo\r\nCLIENT LIST TYPE x\r\nCLIENT LIST ID x\r\nCLIENT REPLY maybe\r\nCLIENT NO-EVICT maybe\r\n',
    7,
  ],
  [
    'CLIENT KILL errors',
    'CLIENT KILL 1.2.3.4:5\r\nCLIENT KILL ID 0\r\nCLIENT KILL USER nobody\r\nCLIENT KILL TYPE x\r\nCLIENT KILL ADDR\r\nCLIENT KILL FOO bar\r\nCLIENT KILL SKIPME maybe\r\nCLIENT KILL ADDR 1.2.3.4:5 SKIPME yes\r\n',
    8,
  ],
  [
    'CLIENT UNBLOCK and PAUSE errors',
    'CLIENT UNBLOCK x\r\nCLIENT UNBLOCK 1 maybe\r\nCLIENT UNBLOCK 1 2 3\r\nCLIENT UNBLOCK 999\r\nCLIENT PAUSE x\r\nCLIENT PAUSE 1 read\r\n',
    6,
  ],
  [
    'CLIENT TRACKING',
    'CLIENT GETREDIR\r\nCLIENT TRACKINGINFO\r\nCLIENT CACHING yes\r\nCLIENT TRACKING on PREFIX a\r\nCLIENT TRACKING on BCAST PREFIX a PREFIX ab\r\nCLIENT TRACKING on OPTIN OPTOUT\r\nCLIENT TRACKING on REDIRECT 99999\r\nCLIENT TRACKING on OPTIN\r\nCLIENT CACHING no\r\nCLIENT CACHING yes\r\nCLIENT TRACKINGINFO\r\nCLIENT GETREDIR\r\nCLIENT TRACKING off\r\nCLIENT TRACKINGINFO\r\n',
    14,
  ],
  ['HELLO 3 field names', 'HELLO 3\r\n', 1],
  ['HELLO errors', 'HELLO 4\r\nHELLO x\r\nHELLO 3 FOO\r\nHELLO 2 AUTH a b\r\nHELLO 2 SETNAME "a b"\r\n', 5],
  ['AUTH with no password configured', 'AUTH x\r\nAUTH a b\r\nAUTH a b c\r\nAUTH default anything\r\n', 4],
  ['PUBLISH', 'PUBLISH x y\r\nPUBLISH __sentinel__:hello garbage\r\n', 2],
  [
    'SUBSCRIBE then RESP2 pub/sub context',
    'SUBSCRIBE a\r\nPING\r\nPING x\r\nROLE\r\nPSUBSCRIBE p*\r\nPUNSUBSCRIBE p*\r\nUNSUBSCRIBE a\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\n',
    9,
  ],
  ['RESP3 pushes', 'HELLO 3\r\nSUBSCRIBE a\r\nROLE\r\nUNSUBSCRIBE\r\n', 4],
  [
    'ACL basics',
    'ACL WHOAMI\r\nACL USERS\r\nACL LIST\r\nACL CAT\r\nACL GETUSER default\r\nACL GETUSER nobody\r\n',
    6,
  ],
  [
    'ACL errors',
    'ACL CAT nosuch\r\nACL DELUSER default\r\nACL GENPASS 0\r\nACL GENPASS x\r\nACL LOG x\r\nACL DRYRUN nobody ping\r\nACL DRYRUN default get\r\nACL DRYRUN default ping a b\r\nACL DRYRUN default ping\r\nACL LOAD\r\nACL SAVE\r\nACL FOO\r\nACL CAT a b\r\nACL SETUSER "a b"\r\n',
    14,
  ],
  [
    'ACL SETUSER errors',
    'ACL SETUSER u xyz\r\nACL SETUSER u +nosuch\r\nACL SETUSER u +client|nosuch\r\nACL SETUSER u +client|kill|x\r\nACL SETUSER u #abc\r\nACL SETUSER u <nopw\r\nACL SETUSER u ~* ~a\r\nACL SETUSER u &* &a\r\nACL SETUSER u +ping| \r\nACL SETUSER u %X~a\r\n',
    10,
  ],
  [
    'ACL SETUSER and description',
    'ACL SETUSER u on >pw +@all -@admin +acl|list\r\nACL GETUSER u\r\nACL SETUSER v reset\r\nACL GETUSER v\r\nACL SETUSER w on nopass %R~a* ~b &c* +ping\r\nACL GETUSER w\r\nACL DRYRUN w info server\r\nACL DRYRUN w info cpu\r\nACL DRYRUN w publish c1 x\r\nACL DRYRUN w publish d x\r\nACL USERS\r\n',
    11,
  ],
  ['ACL HELP', 'ACL HELP\r\n', 1],
  [
    'SHUTDOWN errors',
    'SHUTDOWN ABORT\r\nSHUTDOWN LATER\r\nSHUTDOWN SAVE NOSAVE\r\nSHUTDOWN ABORT NOW\r\n',
    4,
  ],
  ['empty requests are ignored', '\r\n*0\r\n*-1\r\n \r\nPING\r\n', 1],
  [
    'SENTINEL arity checked before the family runs',
    'SENTINEL\r\nSENTINEL GET-MASTER-ADDR-BY-NAME\r\nSENTINEL FOO\r\nSENTINEL GET-MASTER-ADDR-BY-NAME nosuch\r\n',
    4,
  ],
];

const protocolErrors: [string, string][] = [
  ['invalid multibulk length', '*abc\r\nPING\r\n'],
  ['negative bulk length', '*1\r\n$-1\r\n'],
  ['missing $', '*1\r\n:5\r\n'],
  ['unbalanced quotes', 'PING "abc\r\n'],
  ['quote glued to text', "PING 'a'b\r\n"],
  ['too big inline request', `PING ${'x'.repeat(70000)}`],
  ['too big bulk count', `*1\r\n$${'1'.repeat(70000)}`],
  ['bulk over proto-max-bulk-len', '*1\r\n$536870913\r\n'],
];

describe('byte-for-byte against redis-sentinel 7.0 (no password)', () => {
  let pair: Pair | undefined;
  beforeAll(async () => {
    pair = await startPair('', {});
  });
  afterAll(() => stopPair(pair));

  it.each(cases)('%s', async (_name, input, n) => {
    await compare(pair as Pair, input, n);
  });

  it.each(protocolErrors)('protocol error: %s, then close', async (_name, input) => {
    await compare(pair as Pair, input, 1, true);
  });

  it('splits inline arguments like sdssplitargs', async () => {
    const p = pair as Pair;
    const piece = fc.constantFrom(
      'a',
      'B',
      ' ',
      '\t',
      '"',
      "'",
      '\\',
      'x',
      'n',
      '4',
      'f',
      '\\x41',
      '\\"',
      "\\'",
      '""',
      "''",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 12 }), async (pieces) => {
        await compare(p, `XX ${pieces.join('')}\r\n`, 1);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('has the same INFO sections and field names', async () => {
    const p = pair as Pair;
    // The Sentinel section body comes from the daemon core, not from the server.
    const names = (s: string): string[] =>
      s
        .slice(0, s.indexOf('# Sentinel'))
        .split('\r\n')
        .filter((l) => l.startsWith('#') || l.includes(':'))
        .map((l) => l.split(':')[0] as string);
    const [real, ours] = await Promise.all([
      run(p.real.port, 'INFO\r\n', 1, false),
      run(p.ours.port, 'INFO\r\n', 1, false),
    ]);
    expect(names(ours)).toEqual(names(real));
  });

  it('derives the same ACL rules from the permission bits (order aside)', async () => {
    const p = pair as Pair;
    const input =
      'ACL SETUSER z on nopass +@all -sentinel +sentinel|myid -@admin +client -client|kill +ping|x\r\nACL SETUSER y on nopass -@all +info|server +info|CPU +ping\r\nACL DRYRUN y info cpu\r\nACL DRYRUN y info memory\r\nACL LIST\r\n';
    const tokens = (s: string): string[] => s.split(/\s+/).sort();
    const [real, ours] = await Promise.all([
      run(p.real.port, input, 5, false),
      run(p.ours.port, input, 5, false),
    ]);
    expect(tokens(ours)).toEqual(tokens(real));
  });

  it('describes every leaf command the same in COMMAND INFO', async () => {
    const p = pair as Pair;
    // Containers list their subcommands in hash order, so only leaves are compared byte for byte.
    const list = await run(p.real.port, 'COMMAND LIST\r\n', 1, false);
    const containers = ['client', 'acl', 'command', 'sentinel'];
    const leaves = list.split('\r\n').filter((l) => /^[a-z]/.test(l) && !containers.includes(l));
    expect(leaves).toHaveLength(68);
    await compare(
      p,
      Buffer.concat(leaves.map((name) => encodeCommand(['COMMAND', 'INFO', name]))),
      leaves.length,
    );
  });

  it('has the same CLIENT LIST fields', async () => {
    const p = pair as Pair;
    const keys = (s: string): string[] =>
      (s.split('\r\n')[1] ?? '').split(' ').map((f) => f.split('=')[0] as string);
    const [real, ours] = await Promise.all([
      run(p.real.port, 'CLIENT LIST\r\n', 1, false),
      run(p.ours.port, 'CLIENT LIST\r\n', 1, false),
    ]);
    // Redis 7.2's CLIENT SETINFO fields come last, as 7.2 prints them.
    expect(keys(ours)).toEqual([...keys(real), 'lib-name', 'lib-ver']);
  });

  it("has the same CLIENT HELP, plus Redis 7.2's SETINFO lines", async () => {
    const p = pair as Pair;
    const [real, ours] = await Promise.all([
      run(p.real.port, 'CLIENT HELP\r\n', 1, false),
      run(p.ours.port, 'CLIENT HELP\r\n', 1, false),
    ]);
    const setname = '+    Assign the name <name> to the current connection.\r\n';
    const setinfo = [
      '+SETINFO <option> <value>',
      '+    Set client meta attr. Options are:',
      '+    * LIB-NAME: the client lib name.',
      '+    * LIB-VER: the client lib version.',
    ].map((l) => `${l}\r\n`);
    const count = Number(/^\*(\d+)\r\n/.exec(real)?.[1]);
    const expected = real
      .replace(/^\*\d+/, `*${count + setinfo.length}`)
      .replace(setname, setname + setinfo.join(''));
    expect(real).toContain(setname);
    expect(ours).toBe(expected);
  });

  it('lists the same command names', async () => {
    const p = pair as Pair;
    const names = (s: string): string[] =>
      s
        .split('\r\n')
        .filter((l) => /^[a-z]/.test(l))
        .sort();
    const [real, ours] = await Promise.all([
      run(
        p.real.port,
        'COMMAND LIST\r\nCOMMAND LIST FILTERBY ACLCAT admin\r\nCOMMAND LIST FILTERBY PATTERN C*\r\n',
        3,
        false,
      ),
      run(
        p.ours.port,
        'COMMAND LIST\r\nCOMMAND LIST FILTERBY ACLCAT admin\r\nCOMMAND LIST FILTERBY PATTERN C*\r\n',
        3,
        false,
      ),
    ]);
    expect(names(ours)).toEqual(names(real));
  });
});

describe('byte-for-byte against redis-sentinel 7.0 (requirepass)', () => {
  let pair: Pair | undefined;
  beforeAll(async () => {
    pair = await startPair('requirepass secret\n', { requirepass: 'secret' });
  });
  afterAll(() => stopPair(pair));

  it.each([
    [
      'unknown before NOAUTH',
      'GET x\r\nPING\r\nSENTINEL MASTERS\r\nSENTINEL FOO\r\nCLIENT\r\nHELLO 3\r\nACL WHOAMI\r\n',
      7,
    ],
    [
      'AUTH forms',
      'AUTH wrong\r\nAUTH default wrong\r\nAUTH secret\r\nPING\r\nAUTH default secret\r\nACL WHOAMI\r\n',
      6,
    ],
    [
      'HELLO with AUTH',
      'HELLO 3 AUTH default wrong\r\nHELLO 3 AUTH default secret SETNAME x\r\nCLIENT GETNAME\r\n',
      3,
    ],
    ['ACL LIST shows the hash', 'AUTH secret\r\nACL LIST\r\n', 2],
  ] as [string, string, number][])('%s', async (_name, input, n) => {
    await compare(pair as Pair, input, n);
  });

  it.each([
    ['unauthenticated multibulk length', '*11\r\n'],
    ['unauthenticated bulk length', '*2\r\n$4\r\nAUTH\r\n$16385\r\n'],
  ])('protocol error: %s', async (_name, input) => {
    await compare(pair as Pair, input, 1, true);
  });

  it('lifts the limits once authenticated', async () => {
    await compare(
      pair as Pair,
      Buffer.concat([encodeCommand(['AUTH', 'secret']), encodeCommand(['PING', 'x'.repeat(20000)])]),
      2,
    );
  });
});

describe('byte-for-byte against redis-sentinel 7.0 (ACL users)', () => {
  let pair: Pair | undefined;
  const user = ['app', 'on', '>pw', '+sentinel|get-master-addr-by-name', '+subscribe', '&+switch-master'];
  beforeAll(async () => {
    pair = await startPair(`user ${user.join(' ')}\n`, { users: [user] });
  });
  afterAll(() => stopPair(pair));

  it('enforces the user rules with the same errors', async () => {
    await compare(
      pair as Pair,
      'AUTH app wrong\r\nAUTH app pw\r\nSENTINEL GET-MASTER-ADDR-BY-NAME m\r\nSENTINEL MASTERS\r\nPING\r\nSUBSCRIBE +sdown\r\nPSUBSCRIBE +switch-*\r\nHELLO 3\r\nSUBSCRIBE +switch-master\r\n',
      9,
    );
  });

  it('describes the user the same way', async () => {
    const p = pair as Pair;
    const tokens = (s: string): string[] => s.split(/\s+/).sort();
    const [real, ours] = await Promise.all([
      run(p.real.port, 'ACL LIST\r\n', 1, false),
      run(p.ours.port, 'ACL LIST\r\n', 1, false),
    ]);
    expect(tokens(ours)).toEqual(tokens(real));
  });
});
