/**
 * RESP on the client side, as the tools see it: commands encoded to exact bytes, replies parsed
 * with every RESP2 and RESP3 type kept apart (a test must see `$-1` and `_` as different), and
 * readers that turn replies into text, lists and records.
 */

/** A reply exactly as typed on the wire; RESP2 and RESP3 nulls are kept apart. */
export type RespValue =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: string }
  | { type: 'verbatim'; format: string; value: string }
  | { type: 'double'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'bignum'; value: bigint }
  /** `$-1` */
  | { type: 'nullbulk' }
  /** `*-1` */
  | { type: 'nullarray' }
  /** RESP3 `_` */
  | { type: 'null' }
  | { type: 'array' | 'set' | 'push'; items: RespValue[] }
  | { type: 'map'; entries: [RespValue, RespValue][] };

export class RespProtocolError extends Error {}

/** An argument of a command; numbers are sent as their decimal text. */
export type CommandArg = string | number | Buffer;

/** A command as a RESP multibulk, lengths in bytes. */
export function encodeCommand(args: readonly CommandArg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Parses one reply starting at `start`. Returns undefined when `buf` does not hold all of it yet.
 * Bulk payloads are decoded as UTF-8; a RespClient's RawReply keeps the bytes.
 */
export function parseReply(buf: Buffer, start = 0): { value: RespValue; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const prefix = String.fromCharCode(buf[start] ?? 0);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (prefix) {
    case '+':
      return { value: { type: 'simple', value: line }, end: next };
    case '-':
      return { value: { type: 'error', value: line }, end: next };
    case ':':
      return { value: { type: 'integer', value: BigInt(line) }, end: next };
    case '(':
      return { value: { type: 'bignum', value: BigInt(line) }, end: next };
    case ',':
      return { value: { type: 'double', value: parseDouble(line) }, end: next };
    case '#':
      return { value: { type: 'boolean', value: line === 't' }, end: next };
    case '_':
      return { value: { type: 'null' }, end: next };
    case '$':
    case '!':
    case '=':
      return parseBlob(buf, prefix, line, next);
    case '*':
    case '~':
    case '>':
    case '%':
      return parseAggregate(buf, prefix, line, next);
    default:
      throw new RespProtocolError(`unsupported RESP type byte ${JSON.stringify(prefix)}`);
  }
}

/** A bulk string, a blob error or a verbatim string whose header line was `line`. */
function parseBlob(
  buf: Buffer,
  prefix: string,
  line: string,
  next: number,
): { value: RespValue; end: number } | undefined {
  const len = Number(line);
  if (len === -1 && prefix === '$') return { value: { type: 'nullbulk' }, end: next };
  if (!Number.isInteger(len) || len < 0) throw new RespProtocolError(`bad length ${line}`);
  if (buf.length < next + len + 2) return undefined;
  const body = buf.toString('utf8', next, next + len);
  const end = next + len + 2;
  if (prefix === '!') return { value: { type: 'error', value: body }, end };
  if (prefix === '=')
    return { value: { type: 'verbatim', format: body.slice(0, 3), value: body.slice(4) }, end };
  return { value: { type: 'bulk', value: body }, end };
}

/** An array, set, push or map whose header line was `line`. */
function parseAggregate(
  buf: Buffer,
  prefix: string,
  line: string,
  next: number,
): { value: RespValue; end: number } | undefined {
  const count = Number(line);
  if (count === -1 && prefix === '*') return { value: { type: 'nullarray' }, end: next };
  if (!Number.isInteger(count) || count < 0) throw new RespProtocolError(`bad count ${line}`);
  const elements: RespValue[] = [];
  let pos = next;
  for (let i = 0; i < (prefix === '%' ? count * 2 : count); i++) {
    const item = parseReply(buf, pos);
    if (item === undefined) return undefined;
    elements.push(item.value);
    pos = item.end;
  }
  if (prefix === '%') return { value: { type: 'map', entries: pairUp(elements) }, end: pos };
  const type = prefix === '*' ? 'array' : prefix === '~' ? 'set' : 'push';
  return { value: { type, items: elements }, end: pos };
}

function parseDouble(line: string): number {
  if (line === 'inf') return Infinity;
  if (line === '-inf') return -Infinity;
  if (line === 'nan') return NaN;
  return Number(line);
}

function pairUp(list: RespValue[]): [RespValue, RespValue][] {
  const pairs: [RespValue, RespValue][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i] as RespValue, list[i + 1] as RespValue]);
  return pairs;
}

// ---------------------------------------------------------------------------------------------
// Reading replies

/** The text of a string-like reply (simple, bulk, verbatim, error, integer). */
export function text(v: RespValue): string {
  switch (v.type) {
    case 'simple':
    case 'bulk':
    case 'verbatim':
    case 'error':
      return v.value;
    case 'integer':
    case 'bignum':
      return v.value.toString();
    default:
      throw new Error(`expected a string reply, got ${describe(v)}`);
  }
}

/** The elements of an array, set or push reply. */
export function items(v: RespValue): RespValue[] {
  if (v.type === 'array' || v.type === 'set' || v.type === 'push') return v.items;
  throw new Error(`expected an array reply, got ${describe(v)}`);
}

/** Name/value pairs of a RESP3 map or of a RESP2 flat array of alternating names and values. */
export function entries(v: RespValue): [RespValue, RespValue][] {
  if (v.type === 'map') return v.entries;
  const list = items(v);
  if (list.length % 2 !== 0) throw new Error(`expected name/value pairs, got ${list.length} elements`);
  return pairUp(list);
}

/** A field map such as SENTINEL MASTER's, in either protocol, as name -> text. */
export function record(v: RespValue): Record<string, string> {
  return Object.fromEntries(entries(v).map(([k, val]) => [text(k), text(val)]));
}

/** Parses an INFO text into key -> value (section headers and blank lines dropped). */
export function parseInfo(info: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of info.split('\r\n')) {
    const colon = line.indexOf(':');
    if (line.startsWith('#') || colon < 0) continue;
    out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

function describe(v: RespValue): string {
  return v.type === 'error' ? `error "${v.value}"` : v.type;
}
