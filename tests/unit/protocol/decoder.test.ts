import fc from 'fast-check';
import { encodeCommand } from '../../../devkit';
import { PROTO_INLINE_MAX_SIZE, RequestDecoder, type DecodeResult } from '../../../src/protocol/decoder';
import type { ErrorCode } from '../../../src/errors';
import { splitArgs, string2ll as parseStrictInt } from '../../../src/util/redis-parsing';

/** Feeds `input` in the given pieces and drains the decoder after each piece. */
function decodeAll(pieces: readonly Buffer[], authRequired = false): DecodeResult[] {
  const d = new RequestDecoder({ authRequired: () => authRequired });
  const out: DecodeResult[] = [];
  for (const p of pieces) {
    d.push(p);
    for (let r = d.next(); r !== null; r = d.next()) out.push(r);
  }
  return out;
}

function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    pieces.push(buf.subarray(prev, p));
    prev = p;
  }
  pieces.push(buf.subarray(prev));
  return pieces;
}

const commands = (r: readonly DecodeResult[]): string[][] =>
  r.map((x) =>
    x.kind === 'command' ? x.args.map((a) => a.toString('latin1')) : [`ERROR ${x.error.message}`],
  );

/** A framing error as the decoder reports it: a registry code and Redis's text. */
const protoError = (what: string): DecodeResult => ({
  kind: 'error',
  error: {
    code: expect.stringMatching(/^SNT_ERR_PROTO_/) as ErrorCode,
    message: `ERR Protocol error: ${what}`,
  },
});

describe('multibulk requests', () => {
  it('decodes a pipeline the same however the bytes are split', () => {
    const arg = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
    const command = fc.array(arg, { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (cmds, cuts) => {
          const wire = Buffer.concat(cmds.map((c) => encodeCommand(c)));
          const expected = cmds.map((c) => c.map((a) => a.toString('latin1')));
          expect(commands(decodeAll([wire]))).toEqual(expected);
          expect(commands(decodeAll(splitAt(wire, cuts)))).toEqual(expected);
        },
      ),
    );
  });

  it('decodes byte by byte', () => {
    const wire = Buffer.from('*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\nva\r\nl\r\n');
    const pieces = [...wire].map((b) => Buffer.from([b]));
    expect(commands(decodeAll(pieces))).toEqual([['SET', '', 'va\r\nl']]);
  });

  it('treats *0 and negative counts as no command', () => {
    expect(commands(decodeAll([Buffer.from('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n')]))).toEqual([['PING']]);
  });

  it('does not check the two bytes after a payload, as Redis', () => {
    expect(commands(decodeAll([Buffer.from('*1\r\n$4\r\nPINGxx*1\r\n$4\r\nECHO\r\n')]))).toEqual([
      ['PING'],
      ['ECHO'],
    ]);
  });

  it.each([
    ['*abc\r\n', 'invalid multibulk length'],
    ['*\r\n', 'invalid multibulk length'],
    ['*01\r\n', 'invalid multibulk length'],
    ['*2147483648\r\n', 'invalid multibulk length'],
    ['*1\r\n+PING\r\n', "expected '$', got '+'"],
    ['*1\r\n$-1\r\n', 'invalid bulk length'],
    ['*1\r\n$x\r\n', 'invalid bulk length'],
    ['*1\r\n$536870913\r\n', 'invalid bulk length'],
  ])('rejects %j with %j', (input, what) => {
    expect(decodeAll([Buffer.from(input)])).toEqual([protoError(what)]);
  });

  it('reports malformed frames the same however they are split, then stays silent', () => {
    const bad = fc.constantFrom('*x\r\n', '*1\r\n:1\r\n', '*2\r\n$1\r\na\r\n$-2\r\n', '"abc\r\n', "'a'b\r\n");
    fc.assert(
      fc.property(bad, fc.array(fc.nat(), { maxLength: 8 }), (frame, cuts) => {
        const wire = Buffer.concat([
          Buffer.from('PING\r\n'),
          Buffer.from(frame),
          Buffer.from('*1\r\n$4\r\nPING\r\n'),
        ]);
        const whole = decodeAll([wire]);
        expect(decodeAll(splitAt(wire, cuts))).toEqual(whole);
        expect(whole).toHaveLength(2);
        expect(whole[1]?.kind).toBe('error');
      }),
    );
  });

  it('limits count lines to 64 KiB without a terminator', () => {
    const long = Buffer.from(`*${'1'.repeat(PROTO_INLINE_MAX_SIZE + 10)}`);
    expect(decodeAll([long])).toEqual([protoError('too big mbulk count string')]);
    const bulkCount = Buffer.from(`*1\r\n$${'1'.repeat(PROTO_INLINE_MAX_SIZE + 10)}`);
    expect(decodeAll([bulkCount])).toEqual([protoError('too big bulk count string')]);
    // Under the limit the decoder just waits for more.
    expect(decodeAll([Buffer.from('*1\r\n$10')])).toEqual([]);
  });

  it('applies the unauthenticated limits only while authentication is required', () => {
    const eleven = encodeCommand(Array.from({ length: 11 }, () => Buffer.from('x')));
    expect(decodeAll([eleven], true)).toEqual([protoError('unauthenticated multibulk length')]);
    expect(commands(decodeAll([eleven], false))).toHaveLength(1);
    const big = encodeCommand([Buffer.from('AUTH'), Buffer.alloc(16385, 0x61)]);
    expect(decodeAll([big], true)).toEqual([protoError('unauthenticated bulk length')]);
    expect(commands(decodeAll([encodeCommand([Buffer.alloc(16384, 0x61)])], true))[0]?.[0]).toHaveLength(
      16384,
    );
  });

  it('re-evaluates authentication for every command, as commands run in between', () => {
    let auth = true;
    const d = new RequestDecoder({ authRequired: () => auth });
    d.push(
      Buffer.concat([
        encodeCommand([Buffer.from('AUTH'), Buffer.from('pw')]),
        encodeCommand(Array.from({ length: 12 }, () => Buffer.from('a'))),
      ]),
    );
    expect(d.next()?.kind).toBe('command');
    auth = false;
    const second = d.next();
    expect(second?.kind === 'command' ? second.args.length : -1).toBe(12);
  });

  it('keeps a large payload intact when fed in small chunks', () => {
    const payload = Buffer.alloc(300000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const wire = encodeCommand([Buffer.from('X'), payload]);
    const pieces: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 1000) pieces.push(wire.subarray(i, i + 1000));
    const [r] = decodeAll(pieces);
    expect(r?.kind === 'command' && r.args[1]?.equals(payload)).toBe(true);
  });
});

describe('inline requests', () => {
  it('splits on blanks and ignores empty lines', () => {
    expect(commands(decodeAll([Buffer.from('\r\n\n  \r\nPING  a\tb\r\nINFO\n')]))).toEqual([
      ['PING', 'a', 'b'],
      ['INFO'],
    ]);
  });

  it('honours quotes and escapes as sdssplitargs', () => {
    const [r] = decodeAll([Buffer.from('SET "a b\\n\\x41\\"" \'it\\\'s\' "" x"y"\r\n')]);
    expect(r).toEqual({
      kind: 'command',
      args: [
        Buffer.from('SET'),
        Buffer.from('a b\nA"'),
        Buffer.from("it's"),
        Buffer.from(''),
        Buffer.from('xy'),
      ],
    });
  });

  it('gives the same commands however inline bytes are split', () => {
    const word = fc.stringMatching(/^[a-zA-Z0-9:_-]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (lines, cuts) => {
          const wire = Buffer.from(lines.map((l) => `${l.join(' ')}\r\n`).join(''));
          expect(commands(decodeAll(splitAt(wire, cuts)))).toEqual(lines);
        },
      ),
    );
  });

  it('rejects unbalanced quotes and a closing quote glued to text', () => {
    expect(decodeAll([Buffer.from('SET "abc\r\n')])).toEqual([protoError('unbalanced quotes in request')]);
    expect(splitArgs(Buffer.from('"a"b'))).toBeNull();
    expect(splitArgs(Buffer.from("'a'b"))).toBeNull();
  });

  it('rejects an inline line longer than 64 KiB, whether or not its end arrived', () => {
    const line = Buffer.from(`PING ${'a'.repeat(PROTO_INLINE_MAX_SIZE)}`);
    const expected = [protoError('too big inline request')];
    expect(decodeAll([line])).toEqual(expected);
    expect(decodeAll([Buffer.concat([line, Buffer.from('\r\n')])])).toEqual(expected);
    expect(commands(decodeAll([Buffer.from(`PING ${'a'.repeat(60000)}\r\n`)]))[0]?.[1]).toHaveLength(60000);
  });

  it('stops a line at a NUL byte, as the C string functions do', () => {
    expect(splitArgs(Buffer.from('PING a\0b c'))).toEqual([Buffer.from('PING'), Buffer.from('a')]);
  });
});

describe('parseStrictInt', () => {
  it('accepts what string2ll accepts', () => {
    expect(parseStrictInt('0')).toBe(0n);
    expect(parseStrictInt('-12')).toBe(-12n);
    expect(parseStrictInt('9223372036854775807')).toBe(9223372036854775807n);
    for (const bad of ['', '-', '+1', '01', '-0', ' 1', '1 ', '9223372036854775808', '1e3']) {
      expect(parseStrictInt(bad)).toBeNull();
    }
  });
});

describe('length lines', () => {
  it('reads a $ length exactly as string2ll does, for digits, signs and junk alike', () => {
    const lengthText = fc.oneof(
      fc.nat(3000).map(String),
      fc.stringMatching(/^[-+0-9]{0,22}$/),
      fc.constantFrom('0', '00', '-0', '-1', '536870912', '536870913', '9223372036854775807'),
    );
    fc.assert(
      fc.property(lengthText, (len) => {
        const ll = parseStrictInt(len);
        const valid = ll !== null && ll >= 0n && ll <= 512n * 1024n * 1024n;
        const n = valid ? Number(ll) : 0;
        const body = valid && n <= 3000 ? `${'x'.repeat(n)}\r\n` : '';
        const got = decodeAll([Buffer.from(`*1\r\n$${len}\r\n${body}`, 'latin1')]);
        if (!valid) expect(got).toEqual([protoError('invalid bulk length')]);
        else if (n <= 3000) expect(commands(got)).toEqual([['x'.repeat(n)]]);
        else expect(got).toEqual([]);
      }),
    );
  });
});

describe('buffers', () => {
  it('never writes into pushed chunks, and arguments survive later pushes', () => {
    const arg = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.array(fc.array(arg, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (cmds, cuts) => {
          const wire = Buffer.concat(cmds.map((c) => encodeCommand(c)));
          const pieces = splitAt(Buffer.from(wire), cuts);
          const copies = pieces.map((p) => Buffer.from(p));
          // Decoded as they come; compared only after every push, compaction and growth.
          const got = decodeAll(pieces);
          expect(pieces).toEqual(copies);
          expect(commands(got)).toEqual(cmds.map((c) => c.map((a) => a.toString('latin1'))));
        },
      ),
    );
  });

  it('counts the unparsed rest of a partial frame as buffered input (CLIENT LIST qbuf)', () => {
    const d = new RequestDecoder();
    d.push(Buffer.from('*2\r\n$4\r\nPING\r\n$3\r\nab'));
    expect(d.next()).toBeNull();
    // Parsed header lines are consumed, as Redis trims them from its query buffer.
    expect(d.bufferedBytes).toBe(2);
    d.push(Buffer.from('c\r\n*1\r\n$4\r\nPI'));
    expect(commands([d.next() as DecodeResult])).toEqual([['PING', 'abc']]);
    expect(d.next()).toBeNull();
    expect(d.bufferedBytes).toBe(2);
    d.push(Buffer.from('NG\r\n'));
    expect(commands([d.next() as DecodeResult])).toEqual([['PING']]);
    expect(d.next()).toBeNull();
    expect(d.bufferedBytes).toBe(0);
  });
});
