/**
 * Names found by the bytes a request carries, without making a string of them: every command
 * runs a lookup or two, and a string per lookup was a visible share of a pipelined PING's cost.
 * Bytes compare as Redis's strcasecmp does in the C locale: only A-Z fold to a-z.
 */
interface Entry<T> {
  /** The name's UTF-8 bytes, folded. */
  readonly bytes: Uint8Array;
  readonly value: T;
}

const fold = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/**
 * The bucket of a name: its length and three of its bytes, folded, in a small integer. Cheaper
 * than a hash over every byte and enough to leave one name per bucket for a command table; the
 * comparison after it decides.
 */
function bucketOf(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 0) return 0;
  const at = (i: number) => fold(bytes[i] as number) & 0x7f;
  return (n & 0x3f) | (at(0) << 6) | (at(n - 1) << 13) | (at(n >> 1) << 20);
}

export class NameTable<T> {
  private readonly buckets = new Map<number, Entry<T>[]>();

  /** Names are stored as their UTF-8 bytes, as a config file spells them. */
  constructor(entries: Iterable<readonly [string, T]>) {
    for (const [name, value] of entries) {
      const bytes = Buffer.from(name, 'utf8').map(fold);
      const key = bucketOf(bytes);
      const bucket = this.buckets.get(key);
      if (bucket === undefined) this.buckets.set(key, [{ bytes, value }]);
      else bucket.push({ bytes, value });
    }
  }

  get(bytes: Buffer | undefined): T | undefined {
    if (bytes === undefined) return undefined;
    const bucket = this.buckets.get(bucketOf(bytes));
    if (bucket === undefined) return undefined;
    for (const e of bucket) if (sameFolded(e.bytes, bytes)) return e.value;
    return undefined;
  }
}

function sameFolded(folded: Uint8Array, bytes: Buffer): boolean {
  if (folded.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (folded[i] !== fold(bytes[i] as number)) return false;
  return true;
}
