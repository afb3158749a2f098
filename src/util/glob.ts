/**
 * Redis glob matching (stringmatchlen): `*`, `?`, `[...]` with `^` negation and ranges,
 * and `\` escapes. Used by PSUBSCRIBE, SENTINEL RESET and SENTINEL CONFIG GET.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  const p = nocase ? pattern.toLowerCase() : pattern;
  const s = nocase ? text.toLowerCase() : text;
  return matchFrom(p, 0, s, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) {
        if (matchFrom(p, pi + 1, s, k)) return true;
      }
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const end = classEnd(p, pi);
      if (!classMatches(p.slice(pi + 1, end), s[si] as string)) return false;
      pi = end + 1;
      si++;
      continue;
    }
    let literal = c;
    if (c === '\\' && pi + 1 < p.length) {
      pi++;
      literal = p[pi];
    }
    if (literal !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
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
