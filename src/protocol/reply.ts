/**
 * A reply as the server hands it to the encoder. One value type serves RESP2 and RESP3:
 * the encoder downgrades maps, sets, pushes, doubles and booleans for RESP2 clients.
 */
export type Reply =
  | { readonly t: 'simple'; readonly v: string }
  /** Full error text, code word first (the texts are in src/errors.ts). */
  | { readonly t: 'error'; readonly v: string }
  | { readonly t: 'int'; readonly v: number | bigint }
  | { readonly t: 'bulk'; readonly v: string | Buffer }
  /** Null bulk string: `$-1` in RESP2, `_` in RESP3. */
  | { readonly t: 'null' }
  /** Null array: `*-1` in RESP2, `_` in RESP3. */
  | { readonly t: 'nullarray' }
  | { readonly t: 'array'; readonly v: readonly Reply[] }
  /** RESP3 map; a flat array of key/value pairs in RESP2. */
  | { readonly t: 'map'; readonly v: readonly (readonly [Reply, Reply])[] }
  | { readonly t: 'set'; readonly v: readonly Reply[] }
  /** RESP3 push (pub/sub messages); a plain array in RESP2. */
  | { readonly t: 'push'; readonly v: readonly Reply[] }
  | { readonly t: 'double'; readonly v: number }
  | { readonly t: 'bool'; readonly v: boolean }
  /** RESP3 verbatim string (`=`, e.g. INFO); a bulk string in RESP2. */
  | { readonly t: 'verbatim'; readonly format: string; readonly v: string }
  /** A reply encoded once, the same in RESP2 and RESP3 (encoder.ts `preEncoded`). */
  | { readonly t: 'encoded'; readonly text: string; readonly bytes: number };

export const reply = {
  ok: { t: 'simple', v: 'OK' } as Reply,
  simple: (v: string): Reply => ({ t: 'simple', v }),
  error: (v: string): Reply => ({ t: 'error', v }),
  int: (v: number | bigint): Reply => ({ t: 'int', v }),
  bulk: (v: string | Buffer): Reply => ({ t: 'bulk', v }),
  null: { t: 'null' } as Reply,
  nullArray: { t: 'nullarray' } as Reply,
  array: (v: readonly Reply[]): Reply => ({ t: 'array', v }),
  map: (v: readonly (readonly [Reply, Reply])[]): Reply => ({ t: 'map', v }),
  /** A map whose keys and values are all bulk strings, as SENTINEL MASTER replies. */
  bulkMap: (pairs: readonly (readonly [string, string])[]): Reply => ({
    t: 'map',
    v: pairs.map(([k, v]) => [
      { t: 'bulk', v: k },
      { t: 'bulk', v },
    ]),
  }),
  push: (v: readonly Reply[]): Reply => ({ t: 'push', v }),
  verbatim: (v: string): Reply => ({ t: 'verbatim', format: 'txt', v }),
};
