import { globMatch, globMatchSteps } from '../../../src/util/glob';

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

  it('answers a pathological pattern in linear steps (CVE-2022-36021 shape)', () => {
    // A matcher that backtracks into every `*` takes exponential steps here; ours takes one
    // step per character of the text (plus the stars it skips).
    const pattern = '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b';
    const text = 'a'.repeat(5000);
    const { matched, steps } = globMatchSteps(pattern, text);
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual(pattern.length + text.length);
  });

  it('stays within |pattern| x |text| steps on its worst case', () => {
    // Stars followed by a long literal that almost matches everywhere: every start position
    // after the last star is tried, each for up to the literal's length.
    const pattern = `*a*a*${'a'.repeat(7)}b`;
    const text = 'a'.repeat(5000);
    const { matched, steps } = globMatchSteps(pattern, text);
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual(pattern.length * text.length);
  });
});
