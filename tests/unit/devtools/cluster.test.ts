/**
 * The process toolkit itself: reply parser, ports, waitFor, raw client, and the lifecycle of a
 * real redis-server handle (kill -9, SIGSTOP/SIGCONT, restart on the same port).
 */
import * as net from 'node:net';
import fc from 'fast-check';
import {
  command,
  encodeCommand,
  freePort,
  GiveUpError,
  parseReply,
  RespClient,
  startRedis,
  teardownAfterAll,
  waitFor,
} from '../../helpers/cluster';

teardownAfterAll();

describe('parseReply', () => {
  test.each([
    ['+OK\r\n', { type: 'simple', value: 'OK' }],
    ['-ERR no\r\n', { type: 'error', value: 'ERR no' }],
    [':-42\r\n', { type: 'integer', value: -42n }],
    ['$3\r\na\r\n\r\n', { type: 'bulk', value: 'a\r\n' }],
    ['$-1\r\n', { type: 'nullbulk' }],
    ['*-1\r\n', { type: 'nullarray' }],
    ['_\r\n', { type: 'null' }],
    [',-inf\r\n', { type: 'double', value: -Infinity }],
    ['#f\r\n', { type: 'boolean', value: false }],
    ['(18446744073709551615\r\n', { type: 'bignum', value: 18446744073709551615n }],
    ['=7\r\ntxt:a:b\r\n', { type: 'verbatim', format: 'txt', value: 'a:b' }],
    ['!3\r\nERR\r\n', { type: 'error', value: 'ERR' }],
    [
      '%1\r\n+k\r\n:1\r\n',
      {
        type: 'map',
        entries: [
          [
            { type: 'simple', value: 'k' },
            { type: 'integer', value: 1n },
          ],
        ],
      },
    ],
    [
      '>2\r\n+a\r\n~0\r\n',
      {
        type: 'push',
        items: [
          { type: 'simple', value: 'a' },
          { type: 'set', items: [] },
        ],
      },
    ],
  ])('%j', (wire, expected) => {
    const buf = Buffer.from(wire);
    expect(parseReply(buf)).toEqual({ value: expected, end: buf.length });
  });

  test('any strict prefix of a reply is incomplete, never an error', () => {
    const wire = Buffer.from('*3\r\n$7\r\nmessage\r\n%1\r\n$1\r\nk\r\n*1\r\n:7\r\n$0\r\n\r\n');
    const whole = parseReply(wire);
    expect(whole?.end).toBe(wire.length);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: wire.length - 1 }), (cut) => {
        expect(parseReply(wire.subarray(0, cut))).toBeUndefined();
      }),
    );
  });

  test('an unknown type byte is a protocol error', () => {
    expect(() => parseReply(Buffer.from('?x\r\n'))).toThrow(/unsupported RESP type/);
  });
});

test('encodeCommand writes a multibulk with byte lengths', () => {
  expect(encodeCommand(['SET', 'k', 'é']).toString()).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
});

test('freePort never hands out the same port twice', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  expect(new Set(ports).size).toBe(20);
});

describe('waitFor', () => {
  test('returns the first truthy result', async () => {
    let calls = 0;
    await expect(
      waitFor(() => ++calls >= 3 && calls, { timeoutMs: 1000, intervalMs: 1, what: 'x' }),
    ).resolves.toBe(3);
  });

  test('names the condition and the last error when it times out', async () => {
    const probe = (): boolean => {
      throw new Error('ECONNREFUSED');
    };
    await expect(waitFor(probe, { timeoutMs: 50, intervalMs: 10, what: 'the moon' })).rejects.toThrow(
      /Timed out after 50 ms waiting for the moon \(last error: ECONNREFUSED\)/,
    );
  });

  test('cuts off a probe that hangs', async () => {
    const hang = (): Promise<boolean> => new Promise(() => undefined);
    await expect(waitFor(hang, { timeoutMs: 50, what: 'a hanging probe' })).rejects.toThrow(/still running/);
  });

  test('stops at once on GiveUpError', async () => {
    let probes = 0;
    const probe = (): boolean => {
      probes++;
      throw new GiveUpError('process exited');
    };
    await expect(waitFor(probe, { timeoutMs: 10000, intervalMs: 10, what: 'y' })).rejects.toThrow(
      /Gave up waiting for y: process exited/,
    );
    // Once: no retry after GiveUpError (a retrying wait would probe every 10 ms for 10 s).
    expect(probes).toBe(1);
  });
});

test('RespClient reassembles replies split across packets and queues unread ones', async () => {
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write('*2\r\n$5\r\nhel');
      setTimeout(() => socket.write('lo\r\n:1\r\n+second\r\n'), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const client = await RespClient.connect(address.port);
  try {
    const first = await client.callRaw(['HELLO']);
    expect(first.raw.toString()).toBe('*2\r\n$5\r\nhello\r\n:1\r\n');
    expect(await client.read()).toEqual({
      raw: Buffer.from('+second\r\n'),
      value: { type: 'simple', value: 'second' },
    });
    await expect(client.read(30)).rejects.toThrow(/no reply within 30 ms/);
  } finally {
    client.close();
    server.close();
  }
});

describe('a redis-server handle', () => {
  test('survives kill -9, SIGSTOP/SIGCONT and restarts on the same port', async () => {
    const redis = await startRedis({ password: 'pw' });
    expect(await command(redis.port, ['CONFIG', 'GET', 'bind'], { password: 'pw' })).toMatchObject({
      items: [{ value: 'bind' }, { value: '127.0.0.1' }],
    });

    redis.sigstop();
    await expect(command(redis.port, ['PING'], { password: 'pw', timeoutMs: 300 })).rejects.toThrow(
      /no reply/,
    );
    redis.sigcont();
    expect(await command(redis.port, ['PING'], { password: 'pw' })).toEqual({
      type: 'simple',
      value: 'PONG',
    });

    const firstPid = redis.pid;
    await redis.kill9();
    expect(redis.alive).toBe(false);
    await expect(command(redis.port, ['PING'])).rejects.toThrow(/ECONNREFUSED/);

    await redis.restart();
    expect(redis.pid).not.toBe(firstPid);
    expect(await command(redis.port, ['PING'], { password: 'pw' })).toEqual({
      type: 'simple',
      value: 'PONG',
    });
    expect(await redis.stop('SIGTERM')).toBe('exited');
  }, 30000);

  test('a start that cannot succeed fails fast with the log tail', async () => {
    const port = await freePort();
    await expect(startRedis({ port, args: ['--no-such-option', 'x'] })).rejects.toThrow(
      /Gave up waiting for redis on port \d+ to answer PING: it exited \(code 1\)[\s\S]*no-such-option/,
    );
  });
});
