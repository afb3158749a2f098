/**
 * Redis's `sdssplitargs`, shared by inline commands and config lines, and the C integer
 * parsers Redis applies to what it reads (atoi, strtoull, string2ll).
 */

const CR = 0x0d;
const LF = 0x0a;

/**
 * Redis `sdssplitargs`: split a line on blanks, honouring "double quotes" (with \n \r \t \b \a
 * \xHH and \<char> escapes) and 'single quotes' (only \' escaped). A closing quote must be
 * followed by a blank or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: Buffer): Buffer[] | null {
  // The C code walks a NUL-terminated string, so a NUL byte ends the line.
  const nul = line.indexOf(0);
  const s = nul === -1 ? line : line.subarray(0, nul);
  const out: Buffer[] = [];
  let i = 0;
  const n = s.length;
  const at = (k: number): number => (k < n ? (s[k] as number) : 0);
  for (;;) {
    while (i < n && isSpace(at(i))) i++;
    if (i >= n) return out;
    const cur: number[] = [];
    let inDouble = false;
    let inSingle = false;
    for (let done = false; !done; ) {
      const c = at(i);
      if (inDouble) {
        if (c === 0x5c && at(i + 1) === 0x78 && isHex(at(i + 2)) && isHex(at(i + 3))) {
          cur.push(hexVal(at(i + 2)) * 16 + hexVal(at(i + 3)));
          i += 3;
        } else if (c === 0x5c && i + 1 < n) {
          i++;
          cur.push(unescape(at(i)));
        } else if (c === 0x22) {
          if (i + 1 < n && !isSpace(at(i + 1))) return null;
          done = true;
        } else if (i >= n) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (inSingle) {
        if (c === 0x5c && at(i + 1) === 0x27) {
          i++;
          cur.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < n && !isSpace(at(i + 1))) return null;
          done = true;
        } else if (i >= n) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (i >= n || c === 0x20 || c === LF || c === CR || c === 0x09) {
        done = true;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else {
        cur.push(c);
      }
      if (i < n) i++;
    }
    out.push(Buffer.from(cur));
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexVal(c: number): number {
  if (c <= 0x39) return c - 0x30;
  return (c | 0x20) - 0x61 + 10;
}

function unescape(c: number): number {
  switch (c) {
    case 0x6e:
      return LF;
    case 0x72:
      return CR;
    case 0x74:
      return 0x09;
    case 0x62:
      return 0x08;
    case 0x61:
      return 0x07;
    default:
      return c;
  }
}

/** string2ll: strict decimal, no sign other than `-`, no leading zeros, 64-bit range. */
export function string2ll(text: string): bigint | null {
  if (text.length === 0 || text.length >= 21) return null;
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
  const v = BigInt(text);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

/** The leading `[+-]digits` after blanks, as strtol/strtoull see it. */
function leadingInteger(value: string): { negative: boolean; digits: string } {
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(value);
  return { negative: match?.[1] === '-', digits: match?.[2] ?? '' };
}

/** atoi(): garbage reads as 0, trailing junk is ignored, overflow truncates to 32 bits. */
export function atoi(value: string): number {
  const { negative, digits } = leadingInteger(value);
  if (digits === '') return 0;
  let v = BigInt(digits);
  if (negative) v = -v;
  if (v > 9223372036854775807n) v = 9223372036854775807n;
  if (v < -9223372036854775808n) v = -9223372036854775808n;
  return Number(BigInt.asIntN(32, v));
}

/** strtoull(s, NULL, 10): negatives wrap around, overflow saturates. */
export function strtoull(value: string): bigint {
  const { negative, digits } = leadingInteger(value);
  if (digits === '') return 0n;
  const v = BigInt(digits);
  if (v > 0xffffffffffffffffn) return 0xffffffffffffffffn;
  return negative ? BigInt.asUintN(64, -v) : v;
}
