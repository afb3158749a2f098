import { blockingLookup, primeHosts, resolveHost } from '../../../src/runtime/resolver';

describe('resolver', () => {
  it('primes the names of a config, skipping IP literals and failures', async () => {
    const calls: string[] = [];
    const lookup = (host: string): Promise<string> => {
      calls.push(host);
      if (host === 'redis-a') return Promise.resolve('10.0.0.5');
      return Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`));
    };
    const known = await primeHosts(['REDIS-A', '127.0.0.1', 'redis-a', 'nowhere'], 1000, lookup);
    expect(calls.sort()).toEqual(['nowhere', 'redis-a']);
    expect([...known]).toEqual([['redis-a', '10.0.0.5']]);
  });

  it('stops waiting for a slow lookup after the timeout', async () => {
    jest.useFakeTimers();
    try {
      let settled = false;
      const primed = primeHosts(['slow-host'], 50, () => new Promise<string>(() => undefined));
      void primed.then(() => (settled = true));
      await jest.advanceTimersByTimeAsync(49);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(settled).toBe(true);
      expect(await primed).toEqual(new Map());
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers null when the lookup fails', async () => {
    expect(await resolveHost('x', () => Promise.reject(new Error('ENOTFOUND')))).toBeNull();
  });

  it('resolves localhost through the system resolvers, blocking and not', async () => {
    expect(['127.0.0.1', '::1']).toContain(blockingLookup('localhost'));
    expect(blockingLookup('no-such-host.invalid')).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(await resolveHost('localhost'));
  });
});
