/**
 * Hostile RESP input on a real socket (the Undici habit): fast-check writes bytes to a
 * net.Socket connected to a RespServer started by the test, and where Redis's behaviour is the
 * oracle, the same bytes go to Debian's redis-sentinel 7.0 and both byte streams must match.
 * Every property also checks that the server survives: a fresh client still gets PONG and no
 * session is left behind.
 */
import * as net from 'net';
import fc from 'fast-check';
import {
  encodeCommand,
  freePort,
  LOOPBACK,
  REDIS,
  RespClient,
  startSentinel,
  waitFor,
} from '../../../devkit';
import { teardownAfterAll } from '../../helpers/devkit';
import type { Instance } from '../../../devkit';
import { PROTO_INLINE_MAX_SIZE } from '../../../src/protocol/decoder';
import { RespServer } from '../../../src/server/server';
import { fakeContext, serverConfig, startServer, type Started } from './helpers';

teardownAfterAll();

/** What a connection received before the server closed it, after the client half-closed. */
async function exchange(port: number, chunks: readonly Buffer[]): Promise<string> {
  const socket = net.createConnection({ host: LOOPBACK, port });
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // One write per chunk with a round trip in between, so the server reads them apart.
  for (const chunk of chunks) {
    socket.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  socket.end();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return Buffer.concat(received).toString('latin1');
}

/**
 * Bytes a client of the RESP port may send, weighted towards what parsers trip on. ASCII only:
 * a command name that is not valid UTF-8 is echoed with U+FFFD in our unknown-command error
 * where Redis echoes the raw bytes (README, known differences).
 */
const TOKENS = [
  '*',
  '$',
  '\r\n',
  '\r',
  '\n',
  '-1',
  '0',
  '1',
  '2',
  '3',
  '10',
  '11',
  '99999999999999999999',
  '-',
  ' ',
  '"',
  "'",
  '\\x4',
  'PING',
  'ping',
  'ROLE',
  'xyz',
  '+',
  ':',
].map((t) => Buffer.from(t, 'latin1'));

const tokenSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(...TOKENS),
      fc.uint8Array({ max: 0x7f, maxLength: 4 }).map((a) => Buffer.from(a)),
    ),
    {
      maxLength: 40,
    },
  )
  .map((parts) => Buffer.concat(parts));

let ours: Started;
let real: Instance;
let casesRun = 0;

beforeAll(async () => {
  real = await startSentinel({ conf: '', bin: REDIS.bin });
  ours = await startServer({}, { masters: [] });
});

afterAll(async () => {
  await ours.server.close();
  await real.kill9();
  process.stdout.write(`RESP fuzz: ${casesRun} cases run on a real socket\n`);
});

/** The server is still up, answers a new client, and kept no session of the finished ones. */
async function assertHealthy(): Promise<void> {
  await waitFor(() => ours.server.clientCount() === 0, {
    timeoutMs: 2000,
    intervalMs: 5,
    what: 'sessions released',
  });
  const c = await RespClient.connect(ours.port);
  c.send(['PING']);
  expect(await c.take(1)).toBe('+PONG\r\n');
  c.close();
}

describe('hostile RESP input', () => {
  it('answers any soup of RESP tokens byte for byte like redis-sentinel 7.0', async () => {
    await fc.assert(
      fc.asyncProperty(tokenSoup, async (input) => {
        casesRun++;
        const [mine, theirs] = await Promise.all([
          exchange(ours.port, [input]),
          exchange(real.port, [input]),
        ]);
        expect(mine).toBe(theirs);
      }),
      { numRuns: 300, seed: 8_3 },
    );
    await assertHealthy();
  });

  it('survives arbitrary bytes, split arbitrarily, and releases every session', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.uint8Array({ minLength: 1, maxLength: 512 }).map((a) => Buffer.from(a)),
          { maxLength: 6 },
        ),
        async (chunks) => {
          casesRun++;
          const replies = await exchange(ours.port, chunks);
          // Whatever came back is whole RESP replies: simple strings, errors, bulks, arrays.
          expect(replies === '' || /\r\n$/.test(replies)).toBe(true);
        },
      ),
      { numRuns: 200, seed: 8_5 },
    );
    await assertHealthy();
  });

  it('gives the same replies to a valid pipeline split at every offset', async () => {
    const pipeline = Buffer.concat([
      encodeCommand(['PING']),
      Buffer.from('PING "in line"\r\n'),
      encodeCommand(['PING', Buffer.from([0, 13, 10, 255])]),
      encodeCommand(['ROLE']),
      encodeCommand(['NOSUCH', 'a']),
      Buffer.from('*0\r\n*-1\r\n\r\n'),
      encodeCommand(['PING', 'last']),
    ]);
    const whole = await exchange(ours.port, [pipeline]);
    expect(whole).toBe(await exchange(real.port, [pipeline]));
    for (let at = 1; at < pipeline.length; at++) {
      casesRun++;
      expect(await exchange(ours.port, [pipeline.subarray(0, at), pipeline.subarray(at)])).toBe(whole);
    }
    await assertHealthy();
  });

  it.each([
    ['a negative bulk length', '*1\r\n$-5\r\n'],
    ['a bulk length beyond proto-max-bulk-len', '*1\r\n$536870913\r\n'],
    ['a multibulk length beyond INT_MAX', '*2147483648\r\n'],
    ['a non-numeric multibulk length', '*1x\r\n'],
    ['nested arrays', '*1\r\n' + '*1\r\n'.repeat(10000)],
    ['an inline line longer than 64 KB', 'PING ' + 'x'.repeat(PROTO_INLINE_MAX_SIZE + 10)],
    ['a multibulk count line longer than 64 KB', '*' + '1'.repeat(PROTO_INLINE_MAX_SIZE + 10)],
    ['a bulk count line longer than 64 KB', '*1\r\n$' + '1'.repeat(PROTO_INLINE_MAX_SIZE + 10)],
    ['unbalanced quotes', 'PING "abc\r\nPING\r\n'],
  ])('replies and closes like redis-sentinel on %s', async (_what, input) => {
    casesRun++;
    const bytes = Buffer.from(input, 'latin1');
    const mine = await exchange(ours.port, [bytes]);
    expect(mine).toMatch(/^-ERR Protocol error: /);
    expect(mine).toBe(await exchange(real.port, [bytes]));
    await assertHealthy();
  });

  it('keeps only 64 KB of a line that never ends, then drops the client', async () => {
    const c = await RespClient.connect(ours.port);
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let sent = 0;
    while (!c.closed && sent < 64 * chunk.length) {
      c.write(chunk);
      sent += chunk.length;
      await new Promise((resolve) => setImmediate(resolve));
      const held = Math.max(0, ...ours.server.clients().map((s) => s.inputBufferBytes()));
      expect(held).toBeLessThanOrEqual(PROTO_INLINE_MAX_SIZE + chunk.length);
    }
    await c.waitClosed();
    expect(c.unread.toString()).toBe('-ERR Protocol error: too big inline request\r\n');
    casesRun++;
    await assertHealthy();
  });
});

describe('unauthenticated clients', () => {
  let guarded: Started;
  let guardedReal: Instance;
  beforeAll(async () => {
    guardedReal = await startSentinel({ conf: 'requirepass secret', bin: REDIS.bin });
    guarded = await startServer({ requirepass: 'secret' }, { masters: [] });
  });
  afterAll(async () => {
    await guarded.server.close();
    await guardedReal.kill9();
  });

  it('are held to 10 arguments and 16 KB bulks before AUTH, like redis-sentinel', async () => {
    const cases = [
      '*11\r\n',
      '*10\r\n$16385\r\n',
      encodeCommand(['PING', 'x'.repeat(16384)]).toString('latin1'),
      encodeCommand(['AUTH', 'secret']).toString('latin1') + '*11\r\n' + '$1\r\nx\r\n'.repeat(11),
      encodeCommand(['AUTH', 'wrong']).toString('latin1') + '*11\r\n',
    ];
    for (const input of cases) {
      casesRun++;
      const bytes = Buffer.from(input, 'latin1');
      expect(await exchange(guarded.port, [bytes])).toBe(await exchange(guardedReal.port, [bytes]));
    }
  });

  it('are answered like redis-sentinel whatever they send', async () => {
    await fc.assert(
      fc.asyncProperty(tokenSoup, async (input) => {
        casesRun++;
        const [mine, theirs] = await Promise.all([
          exchange(guarded.port, [input]),
          exchange(guardedReal.port, [input]),
        ]);
        expect(mine).toBe(theirs);
      }),
      { numRuns: 150, seed: 8_7 },
    );
  });
});

describe('connection limits', () => {
  let limited: Started | undefined;
  afterEach(async () => {
    await limited?.server.close();
    limited = undefined;
  });

  /** A subscriber that never reads; publishes 1 KB events until the server drops it. */
  async function floodUntilDropped(server: Started): Promise<{ published: number; peak: number }> {
    const socket = net.createConnection({ host: LOOPBACK, port: server.port });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(encodeCommand(['SUBSCRIBE', '+sdown']));
    await waitFor(() => server.server.clients().some((c) => c.isSubscribed()), {
      timeoutMs: 2000,
      intervalMs: 5,
      what: 'the subscription',
    });
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const event = 'x'.repeat(1024);
    let published = 0;
    let peak = 0;
    while (server.server.clientCount() > 0 && published < 256 * 1024 * 1024) {
      for (let i = 0; i < 256; i++) published += server.server.publish('+sdown', event) * event.length;
      peak = Math.max(peak, ...server.server.clients().map((c) => c.outputBufferBytes()));
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.destroy();
    await closed;
    return { published, peak };
  }

  it('drops a subscriber that stops reading at the default 32 MB hard limit', async () => {
    limited = await startServer();
    const { published, peak } = await floodUntilDropped(limited);
    expect(limited.server.clientCount()).toBe(0);
    // Held at most the hard limit plus the batch in flight, whatever was published.
    expect(peak).toBeLessThan(32 * 1024 * 1024 + 256 * 1100);
    expect(published).toBeLessThan(256 * 1024 * 1024);
    process.stdout.write(
      `pub/sub limit: dropped after ${published} bytes published, peak ${peak} buffered\n`,
    );
  });

  it('applies a configured pubsub hard limit', async () => {
    limited = await startServer({
      outputBufferLimits: {
        normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
        pubsub: { hardBytes: 1024 * 1024, softBytes: 0, softSeconds: 0 },
      },
    });
    const { peak } = await floodUntilDropped(limited);
    expect(limited.server.clientCount()).toBe(0);
    expect(peak).toBeLessThan(1024 * 1024 + 256 * 1100);
  });

  it('drops a subscriber past the soft limit for longer than its seconds, on the server clock', async () => {
    let now = 1_000_000;
    const port = await freePort();
    const { ctx } = fakeContext(
      serverConfig({
        port,
        outputBufferLimits: {
          normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
          pubsub: { hardBytes: 0, softBytes: 64 * 1024, softSeconds: 5 },
        },
      }),
    );
    const server = new RespServer({ ...ctx, now: () => now });
    await server.listen();
    limited = { server, port, calls: { sentinel: [], hellos: [], shutdowns: 0 } };
    const socket = net.createConnection({ host: LOOPBACK, port });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(encodeCommand(['SUBSCRIBE', 'ch']));
    await waitFor(() => server.clients().some((c) => c.isSubscribed()), {
      timeoutMs: 2000,
      intervalMs: 5,
      what: 'sub',
    });
    socket.pause();
    const big = 'y'.repeat(128 * 1024);
    server.publish('ch', big); // past the soft limit: the clock starts
    now += 5000;
    server.publish('ch', big); // exactly the allowed seconds: kept
    expect(server.clientCount()).toBe(1);
    now += 1;
    server.publish('ch', big);
    expect(server.clientCount()).toBe(0);
    socket.destroy();
  });

  it('refuses non-loopback clients in protected mode without a password, like redis-sentinel', async () => {
    /** The first reply line to PING from `localAddress`, and whether the server then closed. */
    const text = async (port: number, localAddress: string): Promise<string> => {
      const socket = net.createConnection({ host: LOOPBACK, port, localAddress });
      let got = '';
      socket.write(encodeCommand(['PING']));
      await new Promise<void>((resolve) => {
        socket.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.endsWith('\r\n')) resolve();
        });
        socket.once('close', () => resolve());
      });
      const closed = await new Promise<boolean>((resolve) => {
        socket.once('close', () => resolve(true));
        if (socket.destroyed) resolve(true);
        // Still open after a round trip on a fresh connection: the server kept it.
        void RespClient.connect(port)
          .then((c) => c.call(['PING']).finally(() => c.close()))
          .catch(() => undefined)
          .then(() => resolve(socket.destroyed));
      });
      socket.destroy();
      return `${got}${closed ? '(closed)' : '(open)'}`;
    };
    const realProtected = await startSentinel({ conf: 'protected-mode yes', bin: REDIS.bin });
    try {
      limited = await startServer({ protectedMode: true }, { masters: [] });
      // Redis counts only 127.0.0.1 and ::1 as local; 127.0.0.2 is another loopback address.
      const denied = await text(limited.port, '127.0.0.2');
      expect(denied).toMatch(/^-DENIED Redis is running in protected mode.*\r\n\(closed\)$/);
      expect(denied).toBe(await text(realProtected.port, '127.0.0.2'));
      const c = await RespClient.connect(limited.port);
      c.send(['PING']);
      expect(await c.take(1)).toBe('+PONG\r\n');
      c.close();
      const withPassword = await startServer({ protectedMode: true, requirepass: 'p' }, { masters: [] });
      const answer = await text(withPassword.port, '127.0.0.2');
      await withPassword.server.close();
      expect(answer).toBe('-NOAUTH Authentication required.\r\n(open)');
    } finally {
      await realProtected.kill9();
    }
  });
});
