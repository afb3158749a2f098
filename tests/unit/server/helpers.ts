/** Test helpers for the RESP server: a fake ServerContext, raw connections, a real redis-sentinel. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import {
  type LoadedConfig,
  type ServerConfig,
  defaultSentinelConfig,
  defaultServerConfig,
} from '../../../src/config/types';
import { reply, type Reply } from '../../../src/protocol/reply';
import type { ServerContext } from '../../../src/server/context';
import { RespServer } from '../../../src/server/server';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface FakeCalls {
  sentinel: string[][];
  hellos: string[];
  shutdowns: number;
}

export function serverConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...defaultServerConfig(os.tmpdir()), port: 0, bind: ['127.0.0.1'], ...overrides };
}

export interface FakeOptions {
  sentinelReply?: (args: readonly string[]) => Reply;
  masters?: string[];
}

export function fakeContext(
  server: ServerConfig,
  opts: FakeOptions = {},
): { ctx: ServerContext; calls: FakeCalls } {
  const sentinelReply = opts.sentinelReply ?? (() => reply.ok);
  const calls: FakeCalls = { sentinel: [], hellos: [], shutdowns: 0 };
  const config: LoadedConfig = {
    path: '/etc/sentinel-test.conf',
    server,
    sentinel: defaultSentinelConfig(),
  };
  const ctx: ServerContext = {
    config,
    executable: '/usr/bin/ts-sentinel',
    startTime: Date.now(),
    now: () => Date.now(),
    sentinelCommand: (args) => {
      calls.sentinel.push([...args]);
      return sentinelReply(args);
    },
    masterNames: () => opts.masters ?? ['alpha', 'beta'],
    infoSentinelLines: () => ['sentinel_masters:2', 'sentinel_tilt:0'],
    onHelloPublish: (payload) => {
      calls.hellos.push(payload);
    },
    shutdown: () => {
      calls.shutdowns++;
    },
  };
  return { ctx, calls };
}

export interface Started {
  server: RespServer;
  port: number;
  calls: FakeCalls;
}

/** A RespServer on a free loopback port. */
export async function startServer(
  overrides: Partial<ServerConfig> = {},
  opts: FakeOptions = {},
): Promise<Started> {
  const port = await freePort();
  const { ctx, calls } = fakeContext(serverConfig({ port, ...overrides }), opts);
  const server = new RespServer(ctx);
  await server.listen();
  return { server, port, calls };
}

/** Index just past one complete RESP2/RESP3 value starting at `i`, or -1 if more bytes are needed. */
export function replyEnd(b: Buffer, i: number): number {
  if (i >= b.length) return -1;
  const eol = b.indexOf('\r\n', i);
  if (eol === -1) return -1;
  const type = String.fromCharCode(b[i] as number);
  const n = Number(b.toString('latin1', i + 1, eol));
  let next = eol + 2;
  switch (type) {
    case '$':
    case '=':
    case '!':
      if (n < 0) return next;
      return b.length >= next + n + 2 ? next + n + 2 : -1;
    case '*':
    case '~':
    case '>':
    case '%': {
      const count = n < 0 ? 0 : type === '%' ? 2 * n : n;
      for (let k = 0; k < count; k++) {
        next = replyEnd(b, next);
        if (next === -1) return -1;
      }
      return next;
    }
    default:
      return next;
  }
}

export function countReplies(b: Buffer): number {
  let i = 0;
  let n = 0;
  for (;;) {
    const e = replyEnd(b, i);
    if (e === -1) return n;
    n++;
    i = e;
  }
}

/** A raw TCP client that collects every byte the server sends. */
export class RawConn {
  data = Buffer.alloc(0);
  closed = false;
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host: '127.0.0.1', port });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RawConn(s));
      });
    });
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits until `n` complete replies arrived since the last take(), returns their bytes. */
  async take(n: number, timeoutMs = 3000): Promise<string> {
    await waitUntil(
      () => countReplies(this.data) >= n,
      timeoutMs,
      `${n} replies (have ${JSON.stringify(this.data.toString())})`,
    );
    let end = 0;
    for (let k = 0; k < n; k++) end = replyEnd(this.data, end);
    const out = this.data.subarray(0, end).toString('latin1');
    this.data = this.data.subarray(end);
    return out;
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    await waitUntil(() => this.closed, timeoutMs, 'connection close');
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Multibulk encoding of a command, as clients send it. */
export function cmd(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export interface RealSentinel {
  readonly port: number;
  stop(): Promise<void>;
}

/** redis-sentinel 7.0 on a free loopback port with a minimal writable config; killed by pid. */
export async function startRealSentinel(extraConfig = ''): Promise<RealSentinel> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'real-sentinel-'));
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\n${extraConfig}`);
  const child = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-sentinel did not start');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAsync(async () => canConnect(port), 5000, 'redis-sentinel to listen');
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
