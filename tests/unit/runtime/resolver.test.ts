import { HostResolver, RESOLVE_REFRESH_MS } from '../../../src/runtime/resolver';

/** A DNS stand-in whose answers the test sets and whose calls it counts. */
function fakeDns() {
  const answers = new Map<string, string>();
  const calls: string[] = [];
  const lookup = (host: string): Promise<string> => {
    calls.push(host);
    const ip = answers.get(host);
    if (ip === undefined) return Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`));
    return Promise.resolve(ip);
  };
  const lookupNow = (host: string) => {
    calls.push(`now:${host}`);
    return answers.get(host) ?? null;
  };
  return { answers, calls, lookup, lookupNow };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('HostResolver', () => {
  let clock: number;
  beforeEach(() => {
    clock = 1000;
  });

  it('passes IP literals through without a lookup', () => {
    const dns = fakeDns();
    const resolver = new HostResolver(() => clock, dns.lookup, dns.lookupNow);
    expect(resolver.resolve('127.0.0.1')).toBe('127.0.0.1');
    expect(resolver.resolve('::1')).toBe('::1');
    expect(dns.calls).toEqual([]);
  });

  it('answers from the cache and refreshes it in the background once stale', async () => {
    const dns = fakeDns();
    dns.answers.set('redis-a', '10.0.0.5');
    const resolver = new HostResolver(() => clock, dns.lookup, dns.lookupNow);
    // A name seen for the first time is resolved on the spot.
    expect(resolver.resolve('redis-a')).toBe('10.0.0.5');
    expect(resolver.resolve('REDIS-A')).toBe('10.0.0.5');
    expect(dns.calls).toEqual(['now:redis-a']);

    dns.answers.set('redis-a', '10.0.0.6');
    clock += RESOLVE_REFRESH_MS - 1;
    resolver.resolve('redis-a');
    await flush();
    expect(dns.calls).toHaveLength(1);
    clock += 1;
    expect(resolver.resolve('redis-a')).toBe('10.0.0.5');
    await flush();
    expect(resolver.resolve('redis-a')).toBe('10.0.0.6');
    expect(dns.calls).toHaveLength(2);
  });

  it('keeps the last address when a refresh fails', async () => {
    const dns = fakeDns();
    dns.answers.set('redis-b', '10.0.0.7');
    const resolver = new HostResolver(() => clock, dns.lookup, dns.lookupNow);
    await resolver.prime(['redis-b', '127.0.0.1'], 1000);
    expect(dns.calls).toEqual(['redis-b']);
    dns.answers.delete('redis-b');
    clock += RESOLVE_REFRESH_MS;
    resolver.resolve('redis-b');
    await flush();
    expect(dns.calls).toHaveLength(2);
    expect(resolver.resolve('redis-b')).toBe('10.0.0.7');
  });

  it('returns null for a name that never resolved, without piling up lookups', async () => {
    const dns = fakeDns();
    const resolver = new HostResolver(() => clock, dns.lookup, dns.lookupNow);
    expect(resolver.resolve('nowhere')).toBeNull();
    expect(resolver.resolve('nowhere')).toBeNull();
    await flush();
    expect(dns.calls).toEqual(['now:nowhere']);
    clock += RESOLVE_REFRESH_MS;
    expect(resolver.resolve('nowhere')).toBeNull();
    await flush();
    expect(dns.calls).toEqual(['now:nowhere', 'nowhere']);
  });

  it('stops waiting for a slow lookup after the timeout', async () => {
    let answer: (ip: string) => void = () => undefined;
    const resolver = new HostResolver(
      () => clock,
      () => new Promise<string>((resolve) => (answer = resolve)),
    );
    // Fake timers for the 50 ms: prime must be pending at 49 ms and settled at 50 ms, by the
    // timeout alone (the lookup never answers in that time).
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    let primed = false;
    try {
      void resolver.prime(['slow-host'], 50).then(() => (primed = true));
      await jest.advanceTimersByTimeAsync(49);
      expect(primed).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(primed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
    expect(resolver.resolve('slow-host')).toBeNull();
    answer('10.0.0.9');
    await flush();
    expect(resolver.resolve('slow-host')).toBe('10.0.0.9');
  });

  it('resolves a new name at once with the blocking system lookup', () => {
    expect(['127.0.0.1', '::1']).toContain(new HostResolver().resolve('localhost'));
    expect(new HostResolver().resolve('no-such-host.invalid')).toBeNull();
  });

  it('resolves localhost through the system resolver', async () => {
    const resolver = new HostResolver();
    await resolver.prime(['localhost'], 5000);
    expect(['127.0.0.1', '::1']).toContain(resolver.resolve('localhost'));
  });
});
