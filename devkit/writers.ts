/**
 * Writers that behave like a sentinel-aware client (ioredis by default): ask a sentinel for the
 * master, write into it, and on any error or closed connection ask again and reconnect. Every
 * acknowledged write is recorded, so what a failover lost can be counted value by value.
 */
import { RespClient } from './resp-client';
import { items, text } from './resp';
import { sleep } from './wait';

export interface WriteLoad {
  /** Keys whose SET was acknowledged with +OK. */
  readonly acked: string[];
  /** The longest time between two acknowledgements of one writer, ms. */
  longestGapMs(): number;
  /** Stops every writer and waits for them to end. */
  stop(): Promise<void>;
}

/** Starts `clients` writers of keys `<prefix><client>:<n>` against the master `sentinelPort` names. */
export function startWriteLoad(sentinelPort: number, name: string, clients: number, prefix = 'w'): WriteLoad {
  const acked: string[] = [];
  const gaps: number[] = [];
  let running = true;
  const masterPort = async (): Promise<number> => {
    const reply = await RespClient.connect(sentinelPort, 1000).then(async (c) => {
      try {
        return await c.call(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name], 1000);
      } finally {
        c.close();
      }
    });
    return Number(text(items(reply)[1] ?? { type: 'nullbulk' }));
  };
  const writer = async (id: number): Promise<void> => {
    let n = 0;
    let lastAck = Date.now();
    let gap = 0;
    while (running) {
      let client: RespClient | null = null;
      try {
        client = await RespClient.connect(await masterPort(), 1000);
        while (running) {
          const key = `${prefix}${id}:${n++}`;
          const r = await client.call(['SET', key, key], 5000);
          if (r.type !== 'simple' || r.value !== 'OK') break;
          acked.push(key);
          const now = Date.now();
          gap = Math.max(gap, now - lastAck);
          lastAck = now;
        }
      } catch {
        // A closed or refused connection: ask the sentinel again.
      } finally {
        client?.close();
      }
      if (running) await sleep(5);
    }
    gaps.push(gap);
  };
  const done = Promise.all(Array.from({ length: clients }, (_, i) => writer(i)));
  return {
    acked,
    longestGapMs: () => Math.max(0, ...gaps),
    async stop() {
      running = false;
      await done;
    },
  };
}

/** The acknowledged keys missing on the Redis at `port`, checked one by one (EXISTS). */
export async function missingKeys(port: number, keys: readonly string[]): Promise<string[]> {
  const client = await RespClient.connect(port, 2000);
  try {
    const missing: string[] = [];
    for (const key of keys) {
      const r = await client.call(['GET', key], 5000);
      if (r.type !== 'bulk' || r.value !== key) missing.push(key);
    }
    return missing;
  } finally {
    client.close();
  }
}
