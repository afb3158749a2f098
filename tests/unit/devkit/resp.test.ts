/** The wire format as the devkit reads and writes it. */
import fc from 'fast-check';
import { encodeCommand, parseReply } from '../../../devkit';

describe('parseReply', () => {
  test.each([
    ['+OK\r\n', { type: 'simple', value: 'OK' }],
    ['-ERR no\r\n', { type: 'error', value: 'ERR no' }],
    [':-42\r\n', { type: 'integer', value: -42n }],
    ['$3\r\na\r\n\r\n', { type: 'bulk', value: 'a\r\n' }],
    ['$-1\r\n', { type: 'nullbulk' }],
    ['*-1\r\n', { type: 'nullarray' }],
    ['_\r\n', { type: 'null' }],
    [',-inf\r\n', { type: 'double', value: -Infinity }],
    ['#f\r\n', { type: 'boolean', value: false }],
    ['(18446744073709551615\r\n', { type: 'bignum', value: 18446744073709551615n }],
    ['=7\r\ntxt:a:b\r\n', { type: 'verbatim', format: 'txt', value: 'a:b' }],
    ['!3\r\nERR\r\n', { type: 'error', value: 'ERR' }],
    [
      '%1\r\n+k\r\n:1\r\n',
      {
        type: 'map',
        entries: [
          [
            { type: 'simple', value: 'k' },
            { type: 'integer', value: 1n },
          ],
        ],
      },
    ],
    [
      '>2\r\n+a\r\n~0\r\n',
      {
        type: 'push',
        items: [
          { type: 'simple', value: 'a' },
          { type: 'set', items: [] },
        ],
      },
    ],
  ])('%j', (wire, expected) => {
    const buf = Buffer.from(wire);
    expect(parseReply(buf)).toEqual({ value: expected, end: buf.length });
  });

  test('any strict prefix of a reply is incomplete, never an error', () => {
    const wire = Buffer.from('*3\r\n$7\r\nmessage\r\n%1\r\n$1\r\nk\r\n*1\r\n:7\r\n$0\r\n\r\n');
    const whole = parseReply(wire);
    expect(whole?.end).toBe(wire.length);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: wire.length - 1 }), (cut) => {
        expect(parseReply(wire.subarray(0, cut))).toBeUndefined();
      }),
    );
  });

  test('an unknown type byte is a protocol error', () => {
    expect(() => parseReply(Buffer.from('?x\r\n'))).toThrow(/unsupported RESP type/);
  });
});

test('encodeCommand writes a multibulk with byte lengths', () => {
  expect(encodeCommand(['SET', 'k', 'é']).toString()).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
});
