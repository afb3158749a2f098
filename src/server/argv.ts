/** Command arguments as Redis's C code reads and prints them. */
import { string2ll } from '../util/redis-parsing';

/** C's `%.Ns`: at most `max` bytes, and nothing after a NUL. */
export function truncateBytes(s: string | Buffer, max: number): string {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const nul = b.indexOf(0);
  const end = Math.min(nul === -1 ? b.length : nul, max);
  return b.toString('utf8', 0, end);
}

/** An argument as `%s` prints it: up to its first NUL. */
export function cstr(b: Buffer | undefined): string {
  return truncateBytes(b ?? Buffer.alloc(0), Number.MAX_SAFE_INTEGER);
}

/** toupper() in the C locale: only a-z change. */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** argv[0] the way Redis prints it in help texts and errors: upper-cased byte-wise. */
export function commandWord(argv: readonly Buffer[]): string {
  return asciiUpper(cstr(argv[0]));
}

/** An integer argument as getLongLongFromObject reads it (strict string2ll), or null. */
export function parseIntArg(arg: Buffer | undefined): bigint | null {
  return arg === undefined ? null : string2ll(arg.toString('latin1'));
}
