/**
 * A deterministic world for the core: fake Redis nodes and sentinel cores joined by a
 * simulated network, one fake clock, a seeded random source. Every action a core emits
 * is executed here the way the runtime would execute it against real processes.
 */
import type { SentinelConfig } from '../../src/config/types';
import type { Action, ConnId, LinkReply, SentinelEvent } from '../../src/core/actions';
import { type CoreEnv, Sentinel } from '../../src/core/sentinel';

export class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  now = (): number => this.t;
}

/** Mulberry32: small, seeded, good enough to shuffle a simulation. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FakeRedis {
  alive = true;
  stopped = false;
  role: 'master' | 'slave' = 'master';
  masterPort: number | null = null;
  offset = 0n;
  priority = 100;
  /** When set, SLAVEOF is acknowledged but ignored (a broken replica). */
  ignoreSlaveof = false;
  runid: string;
  readonly commands: string[][] = [];

  constructor(
    readonly port: number,
    random: () => number,
  ) {
    this.runid = hex(40, random);
  }

  info(world: SimWorld): string {
    const lines = ['# Server', `run_id:${this.runid}`, `tcp_port:${this.port}`, '# Replication'];
    if (this.role === 'master') {
      lines.push('role:master');
      const replicas = [...world.redis.values()].filter(
        (r) => r.alive && r.role === 'slave' && r.masterPort === this.port,
      );
      replicas.forEach((r, i) =>
        lines.push(`slave${i}:ip=127.0.0.1,port=${r.port},state=online,offset=${r.offset},lag=0`),
      );
      lines.push(`master_repl_offset:${this.offset}`);
    } else {
      const up = this.linkUp(world);
      lines.push(
        'role:slave',
        'master_host:127.0.0.1',
        `master_port:${this.masterPort}`,
        `master_link_status:${up ? 'up' : 'down'}`,
        `slave_repl_offset:${this.offset}`,
        `slave_priority:${this.priority}`,
        'replica_announced:1',
      );
      if (!up) lines.push('master_link_down_since_seconds:1');
    }
    return lines.join('\r\n') + '\r\n';
  }

  linkUp(world: SimWorld): boolean {
    if (this.role !== 'slave' || this.masterPort === null) return false;
    const m = world.redis.get(this.masterPort);
    return m !== undefined && m.alive && !m.stopped && m.role === 'master';
  }
}

interface SimConn {
  owner: SimSentinel;
  conn: ConnId;
  port: number;
  channel: 'cmd' | 'pubsub';
  subscribed: boolean;
  /** Sends that wait for a stopped peer. */
  held: { token: number; command: readonly string[] }[];
}

export interface SimSentinelOptions {
  port: number;
  config: SentinelConfig;
}

export class SimSentinel {
  core: Sentinel;
  alive = true;
  stopped = false;
  readonly events: (SentinelEvent & { t: number })[] = [];
  readonly logs: string[] = [];
  /** The config as last flushed: what a restart loads. */
  persisted: SentinelConfig;
  flushes = 0;
  exitCode: number | null = null;

  constructor(
    readonly world: SimWorld,
    readonly port: number,
    config: SentinelConfig,
  ) {
    this.persisted = config;
    this.core = this.boot(config);
  }

  private boot(config: SentinelConfig): Sentinel {
    const env: CoreEnv = { now: this.world.clock.now, random: this.world.random, resolve: (h) => h };
    const core = new Sentinel(structuredClone(config), env, { serverPort: this.port });
    return core;
  }

  start(): void {
    this.core.start();
    this.world.run(this);
    this.nextTick = this.world.clock.t + this.core.nextTickDelay();
  }

  nextTick = 0;

  eventTypes(): string[] {
    return this.events.map((e) => e.type);
  }

  has(type: string, payloadPart = ''): boolean {
    return this.events.some((e) => e.type === type && e.payload.includes(payloadPart));
  }

  /** Crash and come back from the last flushed config. */
  restart(): void {
    this.world.dropConnectionsOf(this);
    this.alive = true;
    this.stopped = false;
    this.core = this.boot(this.persisted);
    this.start();
  }
}

export class SimWorld {
  readonly clock = new FakeClock();
  readonly random: () => number;
  readonly redis = new Map<number, FakeRedis>();
  readonly sentinels: SimSentinel[] = [];
  private readonly conns = new Map<string, SimConn>();

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  addRedis(port: number, replicaOf?: number): FakeRedis {
    const r = new FakeRedis(port, this.random);
    if (replicaOf !== undefined) {
      r.role = 'slave';
      r.masterPort = replicaOf;
    }
    this.redis.set(port, r);
    return r;
  }

  addSentinel(port: number, config: SentinelConfig): SimSentinel {
    const s = new SimSentinel(this, port, config);
    this.sentinels.push(s);
    s.start();
    return s;
  }

  /** kill -9 of a Redis node: its connections drop, it answers nothing. */
  killRedis(port: number): void {
    const r = this.redis.get(port);
    if (!r) return;
    r.alive = false;
    for (const c of [...this.conns.values()]) if (c.port === port) this.closeConn(c, 'Connection reset by peer');
  }

  /** A restarted node keeps its config (role and replicaof), as redis-server with its file. */
  restartRedis(port: number): void {
    const r = this.redis.get(port);
    if (!r) return;
    r.alive = true;
    r.runid = hex(40, this.random);
  }

  killSentinel(s: SimSentinel): void {
    s.alive = false;
    this.dropConnectionsOf(s);
  }

  dropConnectionsOf(s: SimSentinel): void {
    for (const [key, c] of [...this.conns]) {
      if (c.owner === s) this.conns.delete(key);
      else if (c.port === s.port) this.closeConn(c, 'Connection reset by peer');
    }
  }

  private closeConn(c: SimConn, reason: string): void {
    this.conns.delete(key(c.owner, c.conn));
    if (c.owner.alive) {
      c.owner.core.onConnectionClosed(c.conn, reason);
      this.run(c.owner);
    }
  }

  private sentinelAt(port: number): SimSentinel | undefined {
    return this.sentinels.find((s) => s.port === port && s.alive);
  }

  /** Advances time in 1 ms steps, ticking each sentinel when its timer fires. */
  advance(ms: number): void {
    const end = this.clock.t + ms;
    while (this.clock.t < end) {
      const due = this.sentinels.filter((s) => s.alive && !s.stopped).map((s) => s.nextTick);
      const next = Math.min(end, ...due);
      this.clock.t = Math.max(this.clock.t, next);
      for (const r of this.redis.values()) {
        if (r.alive && !r.stopped && r.role === 'master') r.offset += 10n;
      }
      for (const r of this.redis.values()) {
        if (r.linkUp(this) && r.masterPort !== null) r.offset = this.redis.get(r.masterPort)?.offset ?? r.offset;
      }
      for (const s of this.sentinels) {
        if (!s.alive || s.stopped || s.nextTick > this.clock.t) continue;
        s.core.tick();
        this.run(s);
        s.nextTick = this.clock.t + s.core.nextTickDelay();
      }
      if (next === end) break;
    }
  }

  /** Advances until `cond` holds; throws after `limitMs` of simulated time. */
  until(cond: () => boolean, limitMs: number, what: string): number {
    const start = this.clock.t;
    while (!cond()) {
      if (this.clock.t - start > limitMs) throw new Error(`simulated ${limitMs} ms passed without: ${what}`);
      this.advance(10);
    }
    return this.clock.t - start;
  }

  /** Executes every action the sentinel has queued, including those its replies cause. */
  run(s: SimSentinel): void {
    for (let actions = s.core.drain(); actions.length > 0; actions = s.core.drain()) {
      for (const a of actions) this.execute(s, a);
    }
  }

  private execute(s: SimSentinel, a: Action): void {
    switch (a.kind) {
      case 'connect': {
        const target = this.redis.get(a.port);
        const peer = this.sentinelAt(a.port);
        const reachable = (target && target.alive) || peer !== undefined;
        if (!reachable) {
          s.core.onConnectionClosed(a.conn, 'Connection refused');
          return;
        }
        this.conns.set(key(s, a.conn), {
          owner: s,
          conn: a.conn,
          port: a.port,
          channel: a.channel,
          subscribed: false,
          held: [],
        });
        s.core.onConnected(a.conn, '127.0.0.1');
        return;
      }
      case 'close':
        this.conns.delete(key(s, a.conn));
        return;
      case 'send': {
        const c = this.conns.get(key(s, a.conn));
        if (!c) return;
        const reply = this.deliver(c, a.command);
        if (reply === null) c.held.push({ token: a.token, command: a.command });
        else s.core.onReply(a.token, reply);
        return;
      }
      case 'event':
        s.events.push({ ...a.event, t: this.clock.t });
        return;
      case 'log':
        s.logs.push(a.message);
        return;
      case 'flush-config':
        s.persisted = structuredClone(s.core.snapshot());
        s.flushes++;
        return;
      case 'script':
        return;
      case 'exit':
        s.exitCode = a.code;
        this.killSentinel(s);
        return;
    }
  }

  /** The reply of the node behind `c`, or null when it cannot answer now (stopped). */
  private deliver(c: SimConn, command: readonly string[]): LinkReply | null {
    const peer = this.sentinelAt(c.port);
    if (peer) {
      if (peer.stopped) return null;
      return this.sentinelReply(peer, command);
    }
    const r = this.redis.get(c.port);
    if (!r || !r.alive) return { ok: false, error: 'Connection is closed.' };
    if (r.stopped) return null;
    return this.redisReply(r, c, command);
  }

  private sentinelReply(peer: SimSentinel, command: readonly string[]): LinkReply {
    const [name = '', ...args] = command;
    let value: unknown = 'OK';
    switch (name.toUpperCase()) {
      case 'PING':
        value = 'PONG';
        break;
      case 'PUBLISH':
        peer.core.onHelloPublish(args[1] ?? '');
        value = 1;
        break;
      case 'SENTINEL': {
        const [ip = '', port = '0', epoch = '0', runid = '*'] = args.slice(1);
        const [down, leader, e] = peer.core.isMasterDownByAddr(ip, Number(port), BigInt(epoch), runid);
        value = [down, leader, Number(e)];
        break;
      }
    }
    this.run(peer);
    return { ok: true, value };
  }

  private inMulti = new Set<SimConn>();

  private redisReply(r: FakeRedis, c: SimConn, command: readonly string[]): LinkReply {
    r.commands.push([...command]);
    const [name = '', ...args] = command;
    const upper = name.toUpperCase();
    if (this.inMulti.has(c) && upper !== 'EXEC') {
      this.applyRedisCommand(r, c, upper, args);
      return { ok: true, value: 'QUEUED' };
    }
    switch (upper) {
      case 'MULTI':
        this.inMulti.add(c);
        return { ok: true, value: 'OK' };
      case 'EXEC':
        this.inMulti.delete(c);
        return { ok: true, value: [] };
      case 'PING':
        return { ok: true, value: 'PONG' };
      case 'INFO':
        return { ok: true, value: r.info(this) };
      case 'SUBSCRIBE':
        c.subscribed = true;
        return { ok: true, value: 1 };
      case 'PUBLISH': {
        this.publishOn(r.port, args[0] ?? '', args[1] ?? '');
        return { ok: true, value: 1 };
      }
      default:
        this.applyRedisCommand(r, c, upper, args);
        return { ok: true, value: 'OK' };
    }
  }

  private applyRedisCommand(r: FakeRedis, c: SimConn, upper: string, args: readonly string[]): void {
    if (upper === 'SLAVEOF' && !r.ignoreSlaveof) {
      if ((args[0] ?? '').toUpperCase() === 'NO') {
        r.role = 'master';
        r.masterPort = null;
      } else {
        r.role = 'slave';
        r.masterPort = Number(args[1]);
      }
    }
    if (upper === 'CLIENT' && (args[0] ?? '').toUpperCase() === 'KILL' && args[2] === 'pubsub') {
      for (const other of [...this.conns.values()]) {
        if (other !== c && other.port === r.port && other.channel === 'pubsub') this.closeConn(other, 'killed');
      }
    }
  }

  /** A PUBLISH on a master reaches its subscribers and, replicated, its replicas' subscribers. */
  private publishOn(port: number, channel: string, message: string): void {
    const ports = [port];
    for (const r of this.redis.values()) if (r.linkUp(this) && r.masterPort === port) ports.push(r.port);
    for (const p of ports) {
      for (const c of [...this.conns.values()]) {
        if (c.port !== p || !c.subscribed || !c.owner.alive || c.owner.stopped) continue;
        c.owner.core.onPubsubMessage(c.conn, channel, message);
        this.run(c.owner);
      }
    }
  }

  /** SIGCONT of a stopped sentinel: held commands to it get their replies. */
  resume(s: SimSentinel): void {
    s.stopped = false;
    s.nextTick = this.clock.t;
    for (const c of [...this.conns.values()]) {
      if (c.port !== s.port || c.held.length === 0) continue;
      const held = c.held.splice(0);
      for (const h of held) {
        const reply = this.deliver(c, h.command);
        if (reply && c.owner.alive) {
          c.owner.core.onReply(h.token, reply);
          this.run(c.owner);
        }
      }
    }
  }
}

function key(s: SimSentinel, conn: ConnId): string {
  return `${s.port}/${conn}`;
}

function hex(len: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < len; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** A sentinel.conf-equivalent state: one master, given settings, nothing learned yet. */
export function sentinelConfig(
  masterPort: number,
  opts: { quorum?: number; downAfterMs?: number; failoverTimeoutMs?: number; myid?: string } = {},
): SentinelConfig {
  return {
    myid: opts.myid,
    currentEpoch: 0n,
    announcePort: 0,
    denyScriptsReconfig: true,
    resolveHostnames: false,
    announceHostnames: false,
    masters: [
      {
        name: 'mymaster',
        host: '127.0.0.1',
        port: masterPort,
        quorum: opts.quorum ?? 1,
        downAfterMs: opts.downAfterMs ?? 1000,
        failoverTimeoutMs: opts.failoverTimeoutMs ?? 10000,
        parallelSyncs: 1,
        masterRebootDownAfterPeriodMs: 0,
        renameCommands: [],
        configEpoch: 0n,
        leaderEpoch: 0n,
        knownReplicas: [],
        knownSentinels: [],
      },
    ],
  };
}
