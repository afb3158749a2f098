import { globMatch } from '../../../src/util/glob';

describe('Redis glob matching', () => {
  it.each([
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['+switch-*', '+switch-master', true],
    ['my\\*', 'my*', true],
    ['my\\*', 'myx', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['', '', true],
    ['abc', 'ab', false],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it('matches case-insensitively on request', () => {
    expect(globMatch('ANNOUNCE-*', 'announce-ip', true)).toBe(true);
    expect(globMatch('ANNOUNCE-*', 'announce-ip')).toBe(false);
  });

  it('answers a pathological pattern quickly (CVE-2022-36021 shape)', () => {
    const started = process.hrtime.bigint();
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });
});
