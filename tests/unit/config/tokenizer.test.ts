import fc from 'fast-check';

import { configTextLines, quoteArg, reprArg, splitArgs } from '../../../src/config/tokenizer';

describe('splitArgs', () => {
  it.each([
    ['sentinel monitor m 127.0.0.1 6379 2', ['sentinel', 'monitor', 'm', '127.0.0.1', '6379', '2']],
    ['  port\t\t26379  ', ['port', '26379']],
    ['', []],
    ['   ', []],
    ['a""', ['a']],
    ['""', ['']],
    ['ab"cd"', ['abcd']],
    ['"a b" c', ['a b', 'c']],
    ['"a\\nb\\r\\t\\b\\a"', ['a\nb\r\t\b\x07']],
    ['"\\x41\\x42"', ['AB']],
    ['"\\xc3\\xa9t\\xc3\\xa9"', ['été']],
    ['"\\x4"', ['x4']],
    ['"\\q\\"\\\\"', ['q"\\']],
    ["'a\\'b'", ["a'b"]],
    ['\'a\\nb "c"\'', ['a\\nb "c"']],
    ['"a"\tb', ['a', 'b']],
    ['back\\slash', ['back\\slash']],
    ['pass wörd', ['pass', 'wörd']],
  ])('%j', (line, expected) => {
    expect(splitArgs(line)).toEqual(expected);
  });

  it.each(['"abc', '"a"b', "'a'b", "'abc", 'x "a\\"', 'a "b" "c'])(
    'rejects unbalanced quotes in %j',
    (line) => {
      expect(splitArgs(line)).toBeNull();
    },
  );
});

describe('configTextLines', () => {
  it('numbers lines from 1, trims them and skips blanks and comments', () => {
    const text = '# comment\n\n  port 1  \r\n\t# indented comment\nbind 127.0.0.1\n';
    expect(configTextLines(text)).toEqual([
      { lineNo: 3, text: 'port 1' },
      { lineNo: 5, text: 'bind 127.0.0.1' },
    ]);
  });
});

describe('reprArg / quoteArg', () => {
  it('writes what sdscatrepr writes', () => {
    expect(reprArg('/tmp/x')).toBe('"/tmp/x"');
    expect(reprArg('a "b"\\\n\r\t\x07\b')).toBe('"a \\"b\\"\\\\\\n\\r\\t\\a\\b"');
    expect(reprArg('é\x01\x7f')).toBe('"\\xc3\\xa9\\x01\\x7f"');
    expect(reprArg('')).toBe('""');
  });

  it('quotes only when the plain value would not read back', () => {
    expect(quoteArg('127.0.0.1')).toBe('127.0.0.1');
    expect(quoteArg('a\\b')).toBe('a\\b');
    expect(quoteArg('')).toBe('""');
    expect(quoteArg('a b')).toBe('"a b"');
    expect(quoteArg("it's")).toBe('"it\'s"');
    expect(quoteArg('say"x')).toBe('"say\\"x"');
    expect(quoteArg('é')).toBe('"\\xc3\\xa9"');
  });

  it('round-trips any string through quoteArg and reprArg', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(splitArgs(quoteArg(s))).toEqual([s]);
        expect(splitArgs(reprArg(s))).toEqual([s]);
      }),
    );
  });

  it('round-trips argument lists joined by spaces', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary-ascii' }), { minLength: 1 }), (args) => {
        expect(splitArgs(args.map(quoteArg).join(' '))).toEqual(args);
      }),
    );
  });
});
