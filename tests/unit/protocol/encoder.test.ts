import { encodeReply, formatDouble, preEncoded, ReplyWriter } from '../../../src/protocol/encoder';
import { reply, type Reply } from '../../../src/protocol/reply';

const enc = (r: Reply, proto: 2 | 3): string => encodeReply(r, proto).toString('latin1');

describe('encodeReply', () => {
  const cases: [string, Reply, string, string][] = [
    ['simple', reply.ok, '+OK\r\n', '+OK\r\n'],
    ['error', reply.error('ERR bad'), '-ERR bad\r\n', '-ERR bad\r\n'],
    ['int', reply.int(-42), ':-42\r\n', ':-42\r\n'],
    ['bigint', reply.int(18446744073709551615n), ':18446744073709551615\r\n', ':18446744073709551615\r\n'],
    ['bulk', reply.bulk('héllo'), '$6\r\nh\xc3\xa9llo\r\n', '$6\r\nh\xc3\xa9llo\r\n'],
    [
      'binary bulk',
      reply.bulk(Buffer.from([0, 13, 10, 255])),
      '$4\r\n\x00\r\n\xff\r\n',
      '$4\r\n\x00\r\n\xff\r\n',
    ],
    ['empty bulk', reply.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
    ['null', reply.null, '$-1\r\n', '_\r\n'],
    ['null array', reply.nullArray, '*-1\r\n', '_\r\n'],
    [
      'array',
      reply.array([reply.int(1), reply.bulk('a')]),
      '*2\r\n:1\r\n$1\r\na\r\n',
      '*2\r\n:1\r\n$1\r\na\r\n',
    ],
    ['empty array', reply.array([]), '*0\r\n', '*0\r\n'],
    [
      'map',
      reply.bulkMap([
        ['ip', '127.0.0.1'],
        ['port', '6379'],
      ]),
      '*4\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n$4\r\n6379\r\n',
      '%2\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nport\r\n$4\r\n6379\r\n',
    ],
    ['set', { t: 'set', v: [reply.simple('fast')] }, '*1\r\n+fast\r\n', '~1\r\n+fast\r\n'],
    [
      'push',
      reply.push([reply.bulk('message'), reply.bulk('c'), reply.bulk('m')]),
      '*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n',
      '>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n',
    ],
    ['double', { t: 'double', v: 1.5 }, '$3\r\n1.5\r\n', ',1.5\r\n'],
    ['infinite double', { t: 'double', v: -Infinity }, '$4\r\n-inf\r\n', ',-inf\r\n'],
    ['true', { t: 'bool', v: true }, ':1\r\n', '#t\r\n'],
    ['false', { t: 'bool', v: false }, ':0\r\n', '#f\r\n'],
    ['verbatim', reply.verbatim('a:1\r\n'), '$5\r\na:1\r\n\r\n', '=9\r\ntxt:a:1\r\n\r\n'],
    [
      'nested',
      reply.array([reply.map([[reply.bulk('k'), reply.array([reply.null])]])]),
      '*1\r\n*2\r\n$1\r\nk\r\n*1\r\n$-1\r\n',
      '*1\r\n%1\r\n$1\r\nk\r\n*1\r\n_\r\n',
    ],
  ];

  it.each(cases)('%s', (_name, r, resp2, resp3) => {
    expect(enc(r, 2)).toBe(resp2);
    expect(enc(r, 3)).toBe(resp3);
  });

  it('turns CR and LF in status and error lines into spaces', () => {
    expect(enc(reply.error("ERR unknown command 'a\r\nb'"), 2)).toBe("-ERR unknown command 'a  b'\r\n");
    expect(enc(reply.simple('x\ny'), 3)).toBe('+x y\r\n');
  });
});

describe('formatDouble', () => {
  it.each([
    [0.1, '0.10000000000000001'],
    [1 / 3, '0.33333333333333331'],
    [3, '3'],
    [1e21, '1e+21'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [0.0001, '0.0001'],
    [0.00001234, '1.234e-05'],
    [-2.5e-10, '-2.5000000000000002e-10'],
    [Number.NaN, 'nan'],
    [Infinity, 'inf'],
  ])('prints %p as %%.17g would (%s)', (v, text) => {
    expect(formatDouble(v)).toBe(text);
  });
});

describe('ReplyWriter', () => {
  it('accumulates replies as text, counts UTF-8 bytes, and turns binary output into one Buffer', () => {
    const w = new ReplyWriter();
    expect(w.write(reply.simple('PONG'), 2)).toBe(7);
    expect(w.write(reply.bulk('é'), 2)).toBe(8);
    expect(w.bytes).toBe(15);
    const text = w.take();
    expect(text).toBe('+PONG\r\n$2\r\né\r\n');
    expect(w.bytes).toBe(0);
    w.write(reply.array([reply.bulk(Buffer.from([0xff, 0x00])), reply.bulk('ü')]), 2);
    const bytes = w.bytes;
    const mixed = w.take();
    expect(Buffer.isBuffer(mixed)).toBe(true);
    expect(mixed).toEqual(Buffer.from('*2\r\n$2\r\n\xff\x00\r\n$2\r\n\xc3\xbc\r\n', 'latin1'));
    expect(bytes).toBe((mixed as Buffer).length);
    expect(w.take()).toBe('');
  });

  it('counts exactly the bytes encodeReply produces', () => {
    const samples: Reply[] = [
      reply.error('ERR line\r\nbreak ✓'),
      reply.verbatim('naïve'),
      reply.map([[reply.bulk('k'), { t: 'double', v: 1.5 }]]),
      reply.bulk(Buffer.from('raw')),
      reply.int(-7n),
    ];
    for (const r of samples) {
      for (const proto of [2, 3] as const) {
        const w = new ReplyWriter();
        expect(w.write(r, proto)).toBe(encodeReply(r, proto).length);
      }
    }
  });
});

describe('preEncoded', () => {
  it('writes what the reply encodes to in both protocols, counting its bytes', () => {
    const addr = reply.array([reply.bulk('hôte.example'), reply.bulk('6379')]);
    for (const r of [reply.simple('PONG'), addr]) {
      const once = preEncoded(r);
      for (const proto of [2, 3] as const) {
        const w = new ReplyWriter();
        expect(w.write(once, proto)).toBe(encodeReply(r, proto).length);
        expect(Buffer.from(w.take() as string, 'utf8')).toEqual(encodeReply(r, proto));
      }
    }
  });

  it('refuses replies whose RESP2 and RESP3 forms differ, and errors', () => {
    expect(() => preEncoded(reply.null)).toThrow(/differs between RESP2 and RESP3/);
    expect(() => preEncoded(reply.bulkMap([['k', 'v']]))).toThrow(/differs/);
    expect(() => preEncoded(reply.error('ERR no'))).toThrow(/error reply/);
  });
});
