/**
 * Test helpers for the RESP server: a fake ServerContext and a RespServer on it. Raw
 * connections, command encoding, waits and a real redis-sentinel come from the devkit.
 */
import * as os from 'os';
import { freePort, RespClient } from '../../../devkit';
import {
  type LoadedConfig,
  type ServerConfig,
  defaultSentinelConfig,
  defaultServerConfig,
} from '../../../src/config/types';
import { reply, type Reply } from '../../../src/protocol/reply';
import type { ServerContext } from '../../../src/server/context';
import { RespServer } from '../../../src/server/server';

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

/**
 * Servers and clients for one test file: `server()` starts one, `connect()` opens a client, and
 * everything opened is closed after each test.
 */
export function serverFixture(): {
  server: (...args: Parameters<typeof startServer>) => Promise<Started>;
  connect: (port: number) => Promise<RespClient>;
} {
  let started: Started[] = [];
  let conns: RespClient[] = [];
  afterEach(async () => {
    conns.forEach((c) => c.close());
    conns = [];
    await Promise.all(started.map((s) => s.server.close()));
    started = [];
  });
  return {
    async server(...args) {
      const s = await startServer(...args);
      started.push(s);
      return s;
    },
    async connect(port) {
      const c = await RespClient.connect(port);
      conns.push(c);
      return c;
    },
  };
}
