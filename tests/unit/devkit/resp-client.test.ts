/** The raw RESP client against an in-process server that splits and batches its replies. */
import * as net from 'node:net';
import { RespClient } from '../../../devkit';

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

/** A server on a free loopback port that answers every chunk it receives with `answer`. */
async function fakeServer(
  answer: (socket: net.Socket) => void,
): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => answer(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test('take() returns the bytes of n replies; unread holds what came after; waitClosed sees the end', async () => {
  const server = await fakeServer((socket) => {
    socket.write('+a\r\n:2\r\n$1\r\nx\r\n*1\r\n');
    setTimeout(() => socket.end(), 20);
  });
  const client = await RespClient.connect(server.port);
  try {
    client.write('PING\r\n');
    expect(await client.take(3)).toBe('+a\r\n:2\r\n$1\r\nx\r\n');
    expect(client.unread.toString()).toBe('*1\r\n');
    await client.waitClosed();
    expect(client.closed).toBe(true);
    await expect(client.take(1, 50)).rejects.toThrow(/0 of 1 replies/);
  } finally {
    client.close();
    server.close();
  }
});
