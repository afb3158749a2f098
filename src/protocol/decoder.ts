/**
 * Incremental decoder for client requests: RESP multibulk (`*N\r\n$len\r\n...`) and inline
 * commands, with the limits and error texts of Redis 7.0 (networking.c). Pull-based on purpose:
 * the server asks for the next command only after running the previous one, because the
 * "unauthenticated" limits depend on whether an earlier AUTH in the same pipeline succeeded.
 */

/** Longest inline line or `*`/`$` count line Redis buffers before giving up (PROTO_INLINE_MAX_SIZE). */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Default `proto-max-bulk-len`. */
export const PROTO_MAX_BULK_LEN = 512 * 1024 * 1024;
/** Limits applied while the connection still needs to authenticate. */
export const UNAUTH_MAX_MULTIBULK_LEN = 10;
export const UNAUTH_MAX_BULK_LEN = 16384;

import { codedError, type CodedError, type ErrorCode } from '../errors';
import { splitArgs, string2ll } from '../util/redis-parsing';

const INT_MAX = 2147483647;
const CR = 0x0d;
const LF = 0x0a;

export type DecodeResult =
  | { readonly kind: 'command'; readonly args: Buffer[] }
  /** A malformed frame: the reply to send before the connection closes. */
  | { readonly kind: 'error'; readonly error: CodedError };

export interface DecoderOptions {
  /** Asked each time a multibulk or bulk length is read. */
  authRequired?: () => boolean;
}

export class RequestDecoder {
  /**
   * Unconsumed input is buf[start, end). While nothing is pending, buf is the pushed chunk itself
   * (borrowed: parsed in place, arguments are views of it); a leftover partial frame moves to
   * `owned`, which grows by doubling and is compacted lazily.
   */
  private buf: Buffer = EMPTY;
  private owned: Buffer = EMPTY;
  private borrowed = false;
  private start = 0;
  private end = 0;
  /** Where the search for the current line's terminator resumes, so split lines are scanned once. */
  private scanned = 0;
  private reqType: 'none' | 'inline' | 'multibulk' = 'none';
  private multibulkLen = 0;
  private bulkLen = -1;
  private args: Buffer[] = [];
  private failed = false;
  private readonly authRequired: () => boolean;

  constructor(options: DecoderOptions = {}) {
    this.authRequired = options.authRequired ?? (() => false);
  }

  /** Bytes received and not yet consumed by a complete command (CLIENT LIST `qbuf`). */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** Allocated but unused input space (CLIENT LIST `qbuf-free`). */
  get freeBytes(): number {
    return this.borrowed ? 0 : this.buf.length - this.end;
  }

  /**
   * Adds received bytes. The decoder may keep `chunk` and hand out views of it as arguments, so
   * the caller must not modify it afterwards (socket 'data' chunks are never reused).
   */
  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    const pending = this.end - this.start;
    if (pending === 0) {
      this.buf = chunk;
      this.borrowed = true;
      this.scanned = 0;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    if (this.borrowed || this.end + chunk.length > this.buf.length) {
      let target = this.owned;
      const compact = this.borrowed || this.start >= target.length / 2;
      if (pending + chunk.length > target.length || !compact) {
        target = Buffer.allocUnsafe(Math.max(pending + chunk.length, target.length * 2, 1024));
      }
      // copy() handles the overlap when compacting within `owned`.
      this.buf.copy(target, 0, this.start, this.end);
      this.owned = target;
      this.buf = target;
      this.borrowed = false;
      this.scanned -= this.start;
      this.start = 0;
      this.end = pending;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /** The next complete command, a protocol error (after which the decoder stays silent), or null. */
  next(): DecodeResult | null {
    while (!this.failed && this.start < this.end) {
      if (this.reqType === 'none') {
        this.reqType = this.buf[this.start] === 0x2a ? 'multibulk' : 'inline';
        this.scanned = this.start;
      }
      const step = this.reqType === 'inline' ? this.inline() : this.multibulk();
      if (step === null) return null;
      if (step.kind === 'error') {
        this.failed = true;
        this.release();
        return step;
      }
      this.reqType = 'none';
      // `*0`, `*-1` and blank inline lines are valid and mean "no command".
      if (step.args.length > 0) return step;
    }
    if (this.start === this.end) this.release();
    return null;
  }

  private release(): void {
    this.start = 0;
    this.end = 0;
    this.scanned = 0;
    this.buf = this.owned.length > 64 * 1024 ? EMPTY : this.owned;
    this.owned = this.buf;
    this.borrowed = false;
  }

  /**
   * Finds `byte` at or after the current scan point. Redis checks the size limit whenever the
   * terminator is still missing; comparing the terminator's offset with the limit gives the same
   * verdict however the input was split. Redis searches with strchr(), which stops at a NUL: a
   * line holding one never ends, and the scan stays parked on the NUL.
   */
  private findTerminator(byte: number): number | 'too-big' | null {
    const buf = this.buf;
    const end = this.end;
    let i = this.scanned;
    while (i < end) {
      const c = buf[i];
      if (c === byte) {
        return i - this.start > PROTO_INLINE_MAX_SIZE ? 'too-big' : i;
      }
      if (c === 0) break;
      i++;
    }
    if (end - this.start > PROTO_INLINE_MAX_SIZE) return 'too-big';
    this.scanned = i;
    return null;
  }

  /** An argument: a view of a borrowed chunk, a copy of our own reused buffer. */
  private arg(from: number, to: number): Buffer {
    if (this.borrowed) return this.buf.subarray(from, to);
    const copy = Buffer.allocUnsafe(to - from);
    this.buf.copy(copy, 0, from, to);
    return copy;
  }

  private inline(): DecodeResult | null {
    const nl = this.findTerminator(LF);
    if (nl === 'too-big') return protocolError('SNT_ERR_PROTO_INLINE_TOO_BIG');
    if (nl === null) return null;
    let lineEnd = nl;
    if (lineEnd > this.start && this.buf[lineEnd - 1] === CR) lineEnd--;
    const args = splitArgs(this.buf.subarray(this.start, lineEnd));
    if (args === null) return protocolError('SNT_ERR_PROTO_UNBALANCED_QUOTES');
    this.start = nl + 1;
    this.scanned = this.start;
    return { kind: 'command', args };
  }

  private multibulk(): DecodeResult | null {
    if (this.multibulkLen === 0) {
      const cr = this.findTerminator(CR);
      if (cr === 'too-big') return protocolError('SNT_ERR_PROTO_MBULK_COUNT_TOO_BIG');
      // Redis only needs one more byte after `\r` and skips it without looking at it.
      if (cr === null || cr + 1 >= this.end) return null;
      const ll = this.lengthField(cr);
      if (ll === null || ll > INT_MAX) return protocolError('SNT_ERR_PROTO_INVALID_MBULK_LEN');
      if (ll > UNAUTH_MAX_MULTIBULK_LEN && this.authRequired()) {
        return protocolError('SNT_ERR_PROTO_UNAUTH_MBULK_LEN');
      }
      this.start = cr + 2;
      this.scanned = this.start;
      if (ll <= 0) return { kind: 'command', args: [] };
      this.multibulkLen = ll;
      this.args = [];
    }
    while (this.multibulkLen > 0) {
      if (this.bulkLen === -1) {
        const cr = this.findTerminator(CR);
        if (cr === 'too-big') return protocolError('SNT_ERR_PROTO_BULK_COUNT_TOO_BIG');
        if (cr === null || cr + 1 >= this.end) return null;
        const first = this.buf[this.start] as number;
        if (first !== 0x24) {
          return {
            kind: 'error',
            error: codedError('SNT_ERR_PROTO_EXPECTED_DOLLAR', String.fromCharCode(first)),
          };
        }
        const ll = this.lengthField(cr);
        if (ll === null || ll < 0 || ll > PROTO_MAX_BULK_LEN) {
          return protocolError('SNT_ERR_PROTO_INVALID_BULK_LEN');
        }
        if (ll > UNAUTH_MAX_BULK_LEN && this.authRequired()) {
          return protocolError('SNT_ERR_PROTO_UNAUTH_BULK_LEN');
        }
        this.start = cr + 2;
        this.bulkLen = ll;
      }
      // Like Redis, the two bytes after the payload are skipped, not checked.
      if (this.end - this.start < this.bulkLen + 2) return null;
      this.args.push(this.arg(this.start, this.start + this.bulkLen));
      this.start += this.bulkLen + 2;
      this.scanned = this.start;
      this.bulkLen = -1;
      this.multibulkLen--;
    }
    const args = this.args;
    this.args = [];
    return { kind: 'command', args };
  }

  /**
   * The integer after the `*` or `$` at `start`, up to `cr`, as string2ll reads it, or null.
   * Plain digits are read in place; anything else (signs, 64-bit values, junk) goes through
   * string2ll. Values past 2^53 lose precision, which no caller's limit can notice.
   */
  private lengthField(cr: number): number | null {
    const buf = this.buf;
    const from = this.start + 1;
    const digits = cr - from;
    if (digits > 0 && digits <= 15 && (buf[from] !== 0x30 || digits === 1)) {
      let v = 0;
      let i = from;
      for (; i < cr; i++) {
        const d = (buf[i] as number) - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === cr) return v;
    }
    const ll = string2ll(buf.toString('latin1', from, cr));
    return ll === null ? null : Number(ll);
  }
}

const EMPTY = Buffer.alloc(0);

type ProtocolErrorCode = Extract<ErrorCode, `SNT_ERR_PROTO_${string}`>;

/** The framing errors that take no argument. */
function protocolError(code: Exclude<ProtocolErrorCode, 'SNT_ERR_PROTO_EXPECTED_DOLLAR'>): DecodeResult {
  return { kind: 'error', error: codedError(code) };
}
