/**
 * Hostname -> IP for the core, which must answer synchronously: answers come from a cache
 * that DNS lookups refresh in the background. Only a name never seen before is resolved
 * with a blocking call, as redis-sentinel resolves every time (SENTINEL MONITOR must
 * accept `localhost` in the same command).
 */
import { execFileSync } from 'child_process';
import { promises as dns } from 'dns';
import { isIP } from 'net';

/** A cached answer older than this is refreshed on its next use. */
export const RESOLVE_REFRESH_MS = 1000;

export type Lookup = (host: string) => Promise<string>;

const systemLookup: Lookup = async (host) => (await dns.lookup(host)).address;

/** Bounds the one blocking lookup a new name costs. */
const BLOCKING_LOOKUP_TIMEOUT_MS = 2000;

/** getaddrinfo through getent(1), the libc resolver without a thread pool; null when it fails. */
export function blockingLookup(host: string): string | null {
  try {
    const out = execFileSync('getent', ['ahosts', host], {
      encoding: 'utf8',
      timeout: BLOCKING_LOOKUP_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const first = out.split('\n')[0]?.split(/\s+/)[0] ?? '';
    return isIP(first) ? first : null;
  } catch {
    return null;
  }
}

interface Entry {
  ip: string | null;
  fetchedAt: number;
  inFlight: boolean;
}

export class HostResolver {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly lookup: Lookup = systemLookup,
    private readonly lookupNow: (host: string) => string | null = blockingLookup,
  ) {}

  /** The last known IP of `host` (itself for an IP literal); null until a lookup succeeded. */
  resolve(host: string): string | null {
    if (isIP(host)) return host;
    const key = host.toLowerCase();
    const entry = this.cache.get(key);
    if (!entry) {
      const ip = this.lookupNow(key);
      this.cache.set(key, { ip, fetchedAt: this.now(), inFlight: false });
      return ip;
    }
    if (this.now() - entry.fetchedAt >= RESOLVE_REFRESH_MS) void this.refresh(key);
    return entry.ip;
  }

  /**
   * Resolves every name at once, so start-up sees addresses from the config file; gives up
   * waiting after `timeoutMs` (lookups go on in the background) so a slow DNS cannot delay start-up.
   */
  async prime(hosts: readonly string[], timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(hosts.filter((h) => !isIP(h)).map((h) => this.refresh(h.toLowerCase()))),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async refresh(key: string): Promise<void> {
    const entry = this.cache.get(key) ?? { ip: null, fetchedAt: 0, inFlight: false };
    if (entry.inFlight) return;
    entry.inFlight = true;
    this.cache.set(key, entry);
    try {
      entry.ip = await this.lookup(key);
    } catch {
      // Like redis-sentinel re-resolving on reconnect: a failed lookup keeps the last address.
    } finally {
      entry.inFlight = false;
      entry.fetchedAt = this.now();
    }
  }
}
