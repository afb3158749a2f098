/**
 * DNS for the core, which never waits: it asks with a `resolve` action and hears the answer
 * as `onResolved`. Only SENTINEL MONITOR resolves within the command, as redis-sentinel does,
 * so that `SENTINEL MONITOR m localhost ...` is accepted at once.
 */
import { execFileSync } from 'child_process';
import { promises as dns } from 'dns';
import { isIP } from 'net';

export type Lookup = (host: string) => Promise<string>;

/** The system resolver (getaddrinfo on libuv's thread pool). */
export const systemLookup: Lookup = async (host) => (await dns.lookup(host)).address;

/** Bounds the one blocking lookup SENTINEL MONITOR may cost. */
const BLOCKING_LOOKUP_TIMEOUT_MS = 2000;

/** getaddrinfo through getent(1), the libc resolver without a thread pool; null when it fails. */
export function blockingLookup(host: string): string | null {
  if (isIP(host)) return host;
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

/** An answer, or null when the lookup failed. */
export async function resolveHost(host: string, lookup: Lookup = systemLookup): Promise<string | null> {
  try {
    return await lookup(host);
  } catch {
    return null;
  }
}

/**
 * Resolves the names a config file holds before the core starts, so that it starts with their
 * addresses; gives up waiting after `timeoutMs` so a slow DNS cannot delay start-up.
 */
export async function primeHosts(
  hosts: readonly string[],
  timeoutMs: number,
  lookup: Lookup = systemLookup,
): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  const names = [...new Set(hosts.filter((h) => !isIP(h)).map((h) => h.toLowerCase()))];
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(
      names.map(async (name) => {
        const ip = await resolveHost(name, lookup);
        if (ip !== null) known.set(name, ip);
      }),
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return new Map(known);
}
