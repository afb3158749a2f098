/** The event feed against an in-process server that speaks just enough pub/sub. */
import * as net from 'node:net';
import { encodeCommand, EventFeed, type FeedEvent } from '../../../devkit';

interface FakePubsub {
  port: number;
  /** Sends a message frame to the subscriber, as PUBLISH would. */
  publish: (...parts: string[]) => void;
  close: () => void;
}

/** Confirms the first SUBSCRIBE or PSUBSCRIBE it receives, one reply per target. */
async function fakePubsub(): Promise<FakePubsub> {
  let peer: net.Socket | undefined;
  const server = net.createServer((socket) => {
    peer = socket;
    socket.once('data', (chunk) => {
      // `*N $len WORD $len WORD ...`: the words are every other line after the first.
      const [kind = '', ...targets] = chunk
        .toString()
        .split('\r\n')
        .filter((_, i) => i > 0 && i % 2 === 0);
      const name = kind.toLowerCase();
      targets.forEach((t, i) =>
        socket.write(`*3\r\n$${name.length}\r\n${name}\r\n$${t.length}\r\n${t}\r\n:${i + 1}\r\n`),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    publish: (...parts) => peer?.write(encodeCommand(parts)),
    close: () => {
      peer?.destroy();
      server.close();
    },
  };
}

test('SUBSCRIBE: next() finds a message that came before or arrives later', async () => {
  const server = await fakePubsub();
  const feed = await EventFeed.open(server.port, { channels: ['+sdown', '+odown'] });
  try {
    server.publish('message', '+sdown', 'master m 127.0.0.1 6379');
    const later = feed.next('+odown', 2000);
    server.publish('message', '+odown', 'master m 127.0.0.1 6379 #quorum 2/2');
    expect(await later).toBe('master m 127.0.0.1 6379 #quorum 2/2');
    expect(await feed.next('+sdown', 10)).toBe('master m 127.0.0.1 6379');
    await expect(feed.next('+switch-master', 30)).rejects.toThrow(/no \+switch-master within 30 ms; seen/);
  } finally {
    await feed.close();
    server.close();
  }
});

test('PSUBSCRIBE * by default: every event reaches onEvent in order, stamped by the given clock', async () => {
  const server = await fakePubsub();
  const got: FeedEvent[] = [];
  let tick = 0;
  const feed = await EventFeed.open(server.port, { onEvent: (e) => got.push(e), clock: () => ++tick });
  try {
    server.publish('pmessage', '*', '+sdown', 'a');
    server.publish('pmessage', '*', '+odown', 'b');
    await feed.next('+odown', 2000);
    expect(got).toEqual([
      { at: 1, channel: '+sdown', payload: 'a' },
      { at: 2, channel: '+odown', payload: 'b' },
    ]);
  } finally {
    await feed.close();
    server.close();
  }
});

test('a wait ends with the connection', async () => {
  const server = await fakePubsub();
  const feed = await EventFeed.open(server.port, { channels: ['x'] });
  const waiting = feed.next('x', 5000);
  server.close();
  await expect(waiting).rejects.toThrow(/no x within 5000 ms \(connection closed\)/);
  await feed.close();
});
