/**
 * Redis glob matching (stringmatchlen): `*`, `?`, `[...]` with `^` negation and ranges,
 * and `\` escapes. Used by PSUBSCRIBE, SENTINEL RESET and SENTINEL CONFIG GET.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  return globMatchSteps(pattern, text, nocase).matched;
}

/**
 * globMatch, and how many steps of the matching loop it took: the cost bound a hostile
 * pattern runs into, counted rather than timed so a test can hold the matcher to it.
 */
export function globMatchSteps(
  pattern: string,
  text: string,
  nocase = false,
): { matched: boolean; steps: number } {
  const p = nocase ? pattern.toLowerCase() : pattern;
  const s = nocase ? text.toLowerCase() : text;
  // Greedy matching that only ever backtracks to the last `*`: linear in practice and
  // O(|p| x |s|) at worst, so a hostile PSUBSCRIBE pattern cannot stall the process.
  let pi = 0;
  let si = 0;
  let starPi = -1;
  let starSi = 0;
  let steps = 0;
  while (si < s.length) {
    steps++;
    if (p[pi] === '*') {
      while (p[pi] === '*') pi++;
      starPi = pi;
      starSi = si;
      continue;
    }
    const width = pi < p.length ? tokenMatch(p, pi, s[si] as string) : 0;
    if (width > 0) {
      pi += width;
      si++;
      continue;
    }
    if (starPi < 0) return { matched: false, steps };
    pi = starPi;
    si = ++starSi;
  }
  while (p[pi] === '*') pi++;
  return { matched: pi === p.length, steps };
}

/** Width of the pattern token at `pi` when it matches `ch`, 0 otherwise. */
function tokenMatch(p: string, pi: number, ch: string): number {
  const c = p[pi];
  if (c === '?') return 1;
  if (c === '[') {
    const end = classEnd(p, pi);
    return classMatches(p.slice(pi + 1, end), ch) ? end + 1 - pi : 0;
  }
  if (c === '\\' && pi + 1 < p.length) return p[pi + 1] === ch ? 2 : 0;
  return c === ch ? 1 : 0;
}

/** Index of the `]` closing the class opened at `open`, or the last index when unterminated (as Redis). */
function classEnd(p: string, open: number): number {
  let i = open + 1;
  if (p[i] === '^') i++;
  while (i < p.length && p[i] !== ']') {
    if (p[i] === '\\' && i + 1 < p.length) i++;
    i++;
  }
  return Math.min(i, p.length - 1);
}

function classMatches(body: string, ch: string): boolean {
  let i = 0;
  const negate = body[0] === '^';
  if (negate) i++;
  let match = false;
  while (i < body.length) {
    let lo = body[i] as string;
    if (lo === '\\' && i + 1 < body.length) {
      i++;
      lo = body[i] as string;
    }
    if (body[i + 1] === '-' && i + 2 < body.length) {
      let hi = body[i + 2] as string;
      let a = lo;
      if (a > hi) [a, hi] = [hi, a];
      if (ch >= a && ch <= hi) match = true;
      i += 3;
      continue;
    }
    if (lo === ch) match = true;
    i++;
  }
  return negate ? !match : match;
}
