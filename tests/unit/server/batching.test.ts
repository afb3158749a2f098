/**
 * The session's write path on real sockets: replies to the commands of one received chunk leave
 * in one socket write, frames split across chunks are answered in order and byte for byte, and the
 * output buffer limit still counts replies not yet handed to the socket.
 */
import { encodeCommand, type RespClient, text, waitFor } from '../../../devkit';
import { serverFixture } from './helpers';

const { server, connect } = serverFixture();

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** total_reads_processed and total_writes_processed from INFO stats. */
async function ioCounters(c: RespClient): Promise<{ reads: number; writes: number }> {
  const info = text(await c.call(['INFO', 'stats']));
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info);
    if (m === null) throw new Error(`INFO stats has no ${name}: ${info}`);
    return Number(m[1]);
  };
  return { reads: field('total_reads_processed'), writes: field('total_writes_processed') };
}

describe('batched replies', () => {
  it('answers all the commands of one received chunk with one socket write, in order', async () => {
    const { port } = await server();
    const c = await connect(port);
    const before = await ioCounters(c);
    const pings = Array.from({ length: 16 }, (_, i) => encodeCommand(['PING', `p${i}`]));
    c.write(Buffer.concat(pings));
    const expected = Array.from({ length: 16 }, (_, i) => `$${String(i).length + 1}\r\np${i}\r\n`).join('');
    expect(await c.take(16)).toBe(expected);
    const after = await ioCounters(c);
    // Between the two INFO calls: the first INFO's reply plus one write per chunk read (the
    // pipeline's chunks and the second INFO's), whatever TCP did to the pipeline.
    const reads = after.reads - before.reads;
    const writes = after.writes - before.writes;
    expect(writes).toBe(reads);
    expect(writes).toBeLessThan(16);
  });

  it('answers frames split anywhere across chunks in order, byte for byte', async () => {
    const { port } = await server();
    const c = await connect(port);
    // Binary payloads with CR, LF and NUL, an inline command and a multibulk one.
    const payload = Buffer.from([0x00, 0x0d, 0x0a, 0xff, 0x80, 0x41]);
    const wire = Buffer.concat([
      encodeCommand(['PING', payload]),
      Buffer.from('PING inline\r\n'),
      encodeCommand(['ping']),
      encodeCommand(['PING', 'x'.repeat(3000)]),
      encodeCommand(['PING', 'é']),
    ]);
    const expected = Buffer.concat([
      Buffer.from('$6\r\n'),
      payload,
      Buffer.from('\r\n$6\r\ninline\r\n+PONG\r\n$3000\r\n'),
      Buffer.from(`${'x'.repeat(3000)}\r\n$2\r\n`),
      Buffer.from('é\r\n', 'utf8'),
    ]);
    // Cuts inside a `*` line, a `$` line, a payload and between frames; each piece its own chunk.
    const cuts = [1, 3, 9, 14, 20, 27, 40, wire.length - 1500, wire.length - 3];
    let prev = 0;
    for (const cut of [...cuts, wire.length]) {
      c.write(wire.subarray(prev, cut));
      prev = cut;
      await pause(15);
    }
    await waitFor(() => c.unread.length >= expected.length, { timeoutMs: 5000, what: 'all the replies' });
    expect(c.unread.equals(expected)).toBe(true);
  });

  it('drops a client whose pipeline outgrows the normal hard limit before anything is written', async () => {
    const { port, server: srv } = await server({
      outputBufferLimits: {
        normal: { hardBytes: 64 * 1024, softBytes: 0, softSeconds: 0 },
        pubsub: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
      },
    });
    const c = await connect(port);
    // 8 replies of 16 KB: one chunk holds them all, so the limit trips on the pending output.
    const big = 'z'.repeat(16 * 1024);
    c.write(Buffer.concat(Array.from({ length: 8 }, () => encodeCommand(['PING', big]))));
    await c.waitClosed(5000);
    expect(srv.clientCount()).toBe(0);
  });

  it('sends messages published outside any chunk at the next tick, before later replies', async () => {
    const { port, server: srv } = await server();
    const c = await connect(port);
    c.send(['HELLO', '3']);
    await c.read();
    c.send(['SUBSCRIBE', 'ch']);
    expect(await c.take(1)).toBe('>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
    expect(srv.publish('ch', 'm1')).toBe(1);
    expect(srv.publish('ch', 'm2')).toBe(1);
    c.send(['PING']);
    expect(await c.take(3)).toBe(
      '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nm1\r\n' +
        '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nm2\r\n' +
        '+PONG\r\n',
    );
  });
});
