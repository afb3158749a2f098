/** Real client libraries and redis-cli talking to the server. */
import Redis from 'ioredis';
import { reply } from '../../../src/protocol/reply';
import { redisCli, waitFor } from '../../../devkit';
import { startServer, type Started } from './helpers';

describe('client libraries', () => {
  let s: Started | undefined;
  const clients: Redis[] = [];

  beforeAll(async () => {
    s = await startServer(
      { requirepass: 'pw' },
      {
        masters: ['mymaster'],
        sentinelReply: (args) =>
          args[0]?.toLowerCase() === 'get-master-addr-by-name' && args[1] === 'mymaster'
            ? reply.array([reply.bulk('127.0.0.1'), reply.bulk('6379')])
            : reply.nullArray,
      },
    );
  });
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    await s?.server.close();
  });

  function ioredis(): Redis {
    const c = new Redis({
      host: '127.0.0.1',
      port: s?.port,
      password: 'pw',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    clients.push(c);
    return c;
  }

  it('serves ioredis 6, which opens with HELLO 3 AUTH', async () => {
    const c = ioredis();
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    expect(await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).toEqual(['127.0.0.1', '6379']);
    expect(await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'other')).toBeNull();
    expect(await c.call('ROLE')).toEqual(['sentinel', ['mymaster']]);
    // ioredis 6 names itself with CLIENT SETINFO (Redis 7.2), shown as 7.2 shows it.
    expect(await c.call('CLIENT', 'INFO')).toMatch(/ resp=3 lib-name=ioredis lib-ver=6\.0\.0\n$/);
    await expect(c.call('GET', 'x')).rejects.toThrow(
      "ERR unknown command 'GET', with args beginning with: 'x'",
    );
  });

  it('delivers events to an ioredis subscriber', async () => {
    const c = ioredis();
    await c.connect();
    const got: string[] = [];
    c.on('message', (channel: string, message: string) => got.push(`${channel} ${message}`));
    c.on('pmessage', (pattern: string, channel: string, message: string) =>
      got.push(`${pattern} ${channel} ${message}`),
    );
    await c.subscribe('+switch-master');
    await c.psubscribe('+*');
    s?.server.publish('+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 6380');
    await waitFor(() => got.length === 2, { timeoutMs: 3000, intervalMs: 5, what: 'two messages' });
    expect(got).toEqual([
      '+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380',
      '+* +switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380',
    ]);
  });

  it('serves redis-cli, including its RESP3 mode', async () => {
    const port = s?.port ?? 0;
    expect(await redisCli(port, ['--no-auth-warning', '-a', 'pw', 'ping'])).toBe('PONG\n');
    expect(await redisCli(port, ['ping'])).toMatch(/^NOAUTH Authentication required\.\n/);
    expect(await redisCli(port, ['--no-auth-warning', '-a', 'pw', 'info', 'server'])).toContain(
      'redis_mode:sentinel',
    );
    expect(
      await redisCli(port, [
        '--no-auth-warning',
        '-3',
        '-a',
        'pw',
        'sentinel',
        'get-master-addr-by-name',
        'mymaster',
      ]),
    ).toBe('127.0.0.1\n6379\n');
  });
});
