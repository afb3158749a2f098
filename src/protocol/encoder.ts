/**
 * Reply encoder for RESP2 and RESP3. RESP2 clients get the same downgrades Redis applies:
 * maps become flat arrays, sets and pushes plain arrays, doubles bulk strings, booleans 1/0,
 * verbatim strings bulk strings, and the two nulls keep their RESP2 forms.
 */
import type { Reply } from './reply';

export type RespVersion = 2 | 3;

export function encodeReply(r: Reply, proto: RespVersion): Buffer {
  const w = new ReplyWriter();
  w.write(r, proto);
  const out = w.take();
  return typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
}

/**
 * `r` encoded once, for answers that recur on the hot path (PING's PONG, an address that
 * stays put): writing it is one string append. Only for replies whose RESP2 and RESP3 forms agree,
 * and not for errors, which the server counts as it sends them.
 */
export function preEncoded(r: Reply): Reply {
  if (r.t === 'error') throw new Error(`an error reply is not pre-encoded: ${r.v}`);
  const text = encodeReply(r, 2).toString('utf8');
  if (encodeReply(r, 3).toString('utf8') !== text)
    throw new Error(`reply differs between RESP2 and RESP3: ${text}`);
  return { t: 'encoded', text, bytes: Buffer.byteLength(text, 'utf8') };
}

/**
 * Accumulates encoded replies until taken, counting their bytes as they come (output buffer
 * limits need the pending size after each reply). Text stays a string until something binary
 * arrives, so all-text output reaches the socket without an intermediate Buffer.
 */
export class ReplyWriter {
  private parts: Buffer[] = [];
  private text = '';
  /** Bytes written since the last take(). */
  private pendingBytes = 0;

  get bytes(): number {
    return this.pendingBytes;
  }

  /** Appends one reply; returns its size in bytes. */
  write(r: Reply, proto: RespVersion): number {
    const before = this.pendingBytes;
    write(this, r, proto);
    return this.pendingBytes - before;
  }

  /** What was written since the last take: a string while it is all text, else a Buffer. */
  take(): string | Buffer {
    const parts = this.parts;
    const text = this.text;
    this.text = '';
    this.pendingBytes = 0;
    if (parts.length === 0) return text;
    this.parts = [];
    if (text.length > 0) parts.push(Buffer.from(text, 'utf8'));
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Text known to be ASCII (headers, numbers). */
  ascii(s: string): void {
    this.text += s;
    this.pendingBytes += s.length;
  }

  /** Text whose UTF-8 size is known. */
  encoded(s: string, bytes: number): void {
    this.text += s;
    this.pendingBytes += bytes;
  }

  /** Any text, which goes out as UTF-8. */
  utf8(s: string): void {
    this.text += s;
    this.pendingBytes += Buffer.byteLength(s, 'utf8');
  }

  bytesOf(b: Buffer): void {
    if (this.text.length > 0) {
      this.parts.push(Buffer.from(this.text, 'utf8'));
      this.text = '';
    }
    this.parts.push(b);
    this.pendingBytes += b.length;
  }
}

/** Redis turns CR and LF inside status and error lines into spaces so the framing survives. */
function oneLine(s: string): string {
  return s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, ' ') : s;
}

function writeBulk(w: ReplyWriter, v: string | Buffer): void {
  if (typeof v === 'string') {
    const n = Buffer.byteLength(v, 'utf8');
    w.ascii(`$${n}\r\n`);
    if (n === v.length) w.ascii(v);
    else w.utf8(v);
    w.ascii('\r\n');
  } else {
    w.ascii(`$${v.length}\r\n`);
    w.bytesOf(v);
    w.ascii('\r\n');
  }
}

function write(w: ReplyWriter, r: Reply, proto: RespVersion): void {
  switch (r.t) {
    case 'simple':
      w.utf8(`+${oneLine(r.v)}\r\n`);
      return;
    case 'error':
      w.utf8(`-${oneLine(r.v)}\r\n`);
      return;
    case 'int':
      w.ascii(`:${r.v.toString()}\r\n`);
      return;
    case 'bulk':
      writeBulk(w, r.v);
      return;
    case 'null':
      w.ascii(proto === 3 ? '_\r\n' : '$-1\r\n');
      return;
    case 'nullarray':
      w.ascii(proto === 3 ? '_\r\n' : '*-1\r\n');
      return;
    case 'array':
      writeAggregate(w, '*', r.v, proto);
      return;
    case 'set':
      writeAggregate(w, proto === 3 ? '~' : '*', r.v, proto);
      return;
    case 'push':
      writeAggregate(w, proto === 3 ? '>' : '*', r.v, proto);
      return;
    case 'map':
      w.ascii(proto === 3 ? `%${r.v.length}\r\n` : `*${r.v.length * 2}\r\n`);
      for (const [k, v] of r.v) {
        write(w, k, proto);
        write(w, v, proto);
      }
      return;
    case 'double': {
      const text = formatDouble(r.v);
      if (proto === 3) w.ascii(`,${text}\r\n`);
      else writeBulk(w, text);
      return;
    }
    case 'bool':
      w.ascii(proto === 3 ? (r.v ? '#t\r\n' : '#f\r\n') : r.v ? ':1\r\n' : ':0\r\n');
      return;
    case 'encoded':
      w.encoded(r.text, r.bytes);
      return;
    case 'verbatim':
      if (proto === 3) {
        const body = `${r.format}:${r.v}`;
        w.ascii(`=${Buffer.byteLength(body, 'utf8')}\r\n`);
        w.utf8(`${body}\r\n`);
      } else {
        writeBulk(w, r.v);
      }
      return;
  }
}

function writeAggregate(w: ReplyWriter, prefix: string, items: readonly Reply[], proto: RespVersion): void {
  w.ascii(`${prefix}${items.length}\r\n`);
  for (const item of items) write(w, item, proto);
}

/** C's `%.17g`, as Redis prints doubles; infinities as `inf`/`-inf`. */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d > 0 ? 'inf' : '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mantissa, expText] = d.toExponential(16).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 17) {
    const m = stripZeros(mantissa);
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${m}e${sign}${abs < 10 ? '0' : ''}${abs}`;
  }
  return stripZeros(d.toFixed(Math.max(0, 16 - exp)));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
