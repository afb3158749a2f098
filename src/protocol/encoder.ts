/**
 * Reply encoder for RESP2 and RESP3. RESP2 clients get the same downgrades Redis applies:
 * maps become flat arrays, sets and pushes plain arrays, doubles bulk strings, booleans 1/0,
 * verbatim strings bulk strings, and the two nulls keep their RESP2 forms.
 */
import type { Reply } from './reply';

export type RespVersion = 2 | 3;

export function encodeReply(r: Reply, proto: RespVersion): Buffer {
  const w = new Writer();
  write(w, r, proto);
  return w.finish();
}

/** Collects text and binary parts, converting text once per run of adjacent strings. */
class Writer {
  private parts: Buffer[] = [];
  private text = '';

  str(s: string): void {
    this.text += s;
  }

  bytes(b: Buffer): void {
    if (this.text.length > 0) {
      this.parts.push(Buffer.from(this.text, 'utf8'));
      this.text = '';
    }
    this.parts.push(b);
  }

  finish(): Buffer {
    if (this.parts.length === 0) return Buffer.from(this.text, 'utf8');
    if (this.text.length > 0) this.parts.push(Buffer.from(this.text, 'utf8'));
    return Buffer.concat(this.parts);
  }
}

/** Redis turns CR and LF inside status and error lines into spaces so the framing survives. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

function writeBulk(w: Writer, v: string | Buffer): void {
  if (typeof v === 'string') {
    w.str(`$${Buffer.byteLength(v, 'utf8')}\r\n${v}\r\n`);
  } else {
    w.str(`$${v.length}\r\n`);
    w.bytes(v);
    w.str('\r\n');
  }
}

function write(w: Writer, r: Reply, proto: RespVersion): void {
  switch (r.t) {
    case 'simple':
      w.str(`+${oneLine(r.v)}\r\n`);
      return;
    case 'error':
      w.str(`-${oneLine(r.v)}\r\n`);
      return;
    case 'int':
      w.str(`:${r.v.toString()}\r\n`);
      return;
    case 'bulk':
      writeBulk(w, r.v);
      return;
    case 'null':
      w.str(proto === 3 ? '_\r\n' : '$-1\r\n');
      return;
    case 'nullarray':
      w.str(proto === 3 ? '_\r\n' : '*-1\r\n');
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
      w.str(proto === 3 ? `%${r.v.length}\r\n` : `*${r.v.length * 2}\r\n`);
      for (const [k, v] of r.v) {
        write(w, k, proto);
        write(w, v, proto);
      }
      return;
    case 'double': {
      const text = formatDouble(r.v);
      if (proto === 3) w.str(`,${text}\r\n`);
      else writeBulk(w, text);
      return;
    }
    case 'bool':
      w.str(proto === 3 ? (r.v ? '#t\r\n' : '#f\r\n') : r.v ? ':1\r\n' : ':0\r\n');
      return;
    case 'verbatim':
      if (proto === 3) {
        const body = `${r.format}:${r.v}`;
        w.str(`=${Buffer.byteLength(body, 'utf8')}\r\n${body}\r\n`);
      } else {
        writeBulk(w, r.v);
      }
      return;
  }
}

function writeAggregate(w: Writer, prefix: string, items: readonly Reply[], proto: RespVersion): void {
  w.str(`${prefix}${items.length}\r\n`);
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
