/**
 * A raw RESP client for exact bytes: one connection, write a command, read the next reply with
 * its bytes kept. Tests use it to compare replies byte for byte and to send broken frames; the
 * tools use it for probes, since it has no queue, no retries and no reconnects to hide a fault.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { LOOPBACK } from './ports';
import { encodeCommand, parseReply, type CommandArg, type RespValue } from './resp';
import { withDeadline } from './wait';

export interface RawReply {
  /** The reply's exact bytes. */
  raw: Buffer;
  value: RespValue;
}

interface Waiter {
  resolve: (reply: RawReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One connection, no pipelining magic: write a command, read the next reply. Replies that arrive
 * with nobody reading (pub/sub messages, pipelined replies) queue up until read.
 */
export class RespClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queued: RawReply[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: Error | undefined;
  private readonly ended: Promise<void>;
  private markEnded: () => void = () => undefined;

  private constructor(private readonly socket: net.Socket) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects to `port` on 127.0.0.1, over TLS with `tlsOptions`; rejects after `timeoutMs`. */
  static connect(port: number, timeoutMs = 2000, tlsOptions?: tls.ConnectionOptions): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket: net.Socket =
        tlsOptions !== undefined
          ? tls.connect({ ...tlsOptions, host: LOOPBACK, port })
          : net.createConnection({ host: LOOPBACK, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${LOOPBACK}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once(tlsOptions !== undefined ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new RespClient(socket));
      });
    });
  }

  /** Raw bytes, e.g. an inline command, a pipeline or a deliberately broken frame. */
  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** A command as a multibulk. */
  send(args: readonly CommandArg[]): void {
    this.write(encodeCommand(args));
  }

  /** The next reply; rejects after `timeoutMs` or when the connection fails. */
  read(timeoutMs = 5000): Promise<RawReply> {
    const ready = this.queued.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no reply within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** The bytes of the next `n` replies, as latin1 text; rejects if they are not all in within `timeoutMs`. */
  async take(n: number, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const raws: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const reply = await this.read(Math.max(deadline - Date.now(), 1)).catch((e: Error) => {
        const got = JSON.stringify(Buffer.concat([...raws, this.unread]).toString('latin1'));
        throw new Error(`${i} of ${n} replies within ${timeoutMs} ms (${e.message}); got ${got}`);
      });
      raws.push(reply.raw);
    }
    return Buffer.concat(raws).toString('latin1');
  }

  async call(args: readonly CommandArg[], timeoutMs = 5000): Promise<RespValue> {
    return (await this.callRaw(args, timeoutMs)).value;
  }

  callRaw(args: readonly CommandArg[], timeoutMs = 5000): Promise<RawReply> {
    this.send(args);
    return this.read(timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  /** True once the connection failed or was closed; reads then reject at once (after the queue). */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Every byte received and not read yet: queued replies, then any incomplete one. */
  get unread(): Buffer {
    return Buffer.concat([...this.queued.map((r) => r.raw), this.buffer]);
  }

  /** Resolves when the peer (or an error) has closed the connection; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    if ((await withDeadline(this.ended, timeoutMs)).kind === 'timeout') {
      throw new Error(`connection still open after ${timeoutMs} ms`);
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let start = 0;
    try {
      for (;;) {
        const parsed = parseReply(this.buffer, start);
        if (parsed === undefined) break;
        this.deliver({ raw: Buffer.from(this.buffer.subarray(start, parsed.end)), value: parsed.value });
        start = parsed.end;
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.socket.destroy();
      return;
    }
    this.buffer = this.buffer.subarray(start);
  }

  private deliver(reply: RawReply): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queued.push(reply);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(reply);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.markEnded();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(this.failure);
    }
  }
}

/** Opens a connection, authenticates if asked, runs one command and closes. */
export async function command(
  port: number,
  args: readonly CommandArg[],
  opts: { password?: string; timeoutMs?: number; tls?: tls.ConnectionOptions } = {},
): Promise<RespValue> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const client = await RespClient.connect(port, timeoutMs, opts.tls);
  try {
    if (opts.password !== undefined) {
      const auth = await client.call(['AUTH', opts.password], timeoutMs);
      if (auth.type === 'error') throw new Error(`AUTH on port ${port}: ${auth.value}`);
    }
    return await client.call(args, timeoutMs);
  } finally {
    client.close();
  }
}

/**
 * Sends `line` as an inline command (the way redis-cli's health checks and `nc` probe a server)
 * on a fresh connection and resolves with the reply's exact text, e.g. `+PONG\r\n`.
 */
export async function inlineCommand(port: number, line: string, timeoutMs = 1000): Promise<string> {
  const client = await RespClient.connect(port, timeoutMs);
  try {
    client.write(`${line}\r\n`);
    return (await client.read(timeoutMs)).raw.toString('utf8');
  } finally {
    client.close();
  }
}
