/**
 * A deterministic world for the core: fake Redis nodes and sentinel cores joined by a
 * simulated network with delays, partitions, stopped processes and crashes, one clock
 * (plus a skew per sentinel) and a seeded random source. Every action a core emits is
 * executed the way the runtime executes it against real processes: TCP holds bytes
 * while a peer is stopped or partitioned away, and resets connections when it dies.
 */
import { type SentinelConfig, defaultSentinelConfig, newMasterConfig } from '../../src/config/types';
import type { Action, ConnId, LinkReply } from '../../src/core/actions';
import type { SentinelEvent } from '../../src/core/events';
import { noteText } from '../../src/log';
import { type CoreEnv, type CoreOptions, Sentinel } from '../../src/core/sentinel';
import type { MasterView } from '../../src/core/view';

/** Mulberry32: small, seeded, good enough to drive a simulation. */
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

/** What the runtime does with a connect that never completes (ioredis connectTimeout). */
export const CONNECT_TIMEOUT_MS = 2000;

export class FakeRedis {
  alive = true;
  stopped = false;
  role: 'master' | 'slave' = 'master';
  masterPort: number | null = null;
  offset = 0n;
  priority = 100;
  /** INFO says `loading:1` / `master_sync_in_progress:1` (a replica still loading or syncing). */
  loading = false;
  syncInProgress = false;
  /** When set, SLAVEOF is acknowledged but ignored (a broken replica). */
  ignoreSlaveof = false;
  /** World time until which CLIENT PAUSE ... WRITE holds writes (0: not paused). */
  writesPausedUntil = 0;
  runid: string;
  readonly commands: string[][] = [];
  /** A broken or hostile node: answers the commands it returns a reply for. */
  override: ((command: readonly string[]) => LinkReply | undefined) | null = null;

  constructor(
    readonly port: number,
    random: () => number,
  ) {
    this.runid = hex(40, random);
  }

  info(world: SimWorld): string {
    const lines = ['# Server', `run_id:${this.runid}`, `tcp_port:${this.port}`];
    lines.push('# Persistence', `loading:${this.loading ? 1 : 0}`, '# Replication');
    if (this.role === 'master') {
      lines.push('role:master');
      const replicas = [...world.redis.values()].filter((r) => r.linkUp(world) && r.masterPort === this.port);
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
        `master_sync_in_progress:${this.syncInProgress ? 1 : 0}`,
        'replica_announced:1',
      );
      if (!up) lines.push('master_link_down_since_seconds:1');
    }
    return lines.join('\r\n') + '\r\n';
  }

  linkUp(world: SimWorld): boolean {
    if (!this.alive || this.role !== 'slave' || this.masterPort === null) return false;
    const m = world.redis.get(this.masterPort);
    return m !== undefined && m.alive && !m.stopped && m.role === 'master';
  }
}

interface SimConn {
  owner: SimSentinel;
  conn: ConnId;
  port: number;
  channel: 'cmd' | 'pubsub';
  open: boolean;
  subscribed: boolean;
  inMulti: boolean;
  /** Commands written before the connection was established (ioredis queues them). */
  queued: { token: number; command: readonly string[] }[];
  outbox: (() => void)[];
  inbox: (() => void)[];
}

export class SimSentinel {
  core!: Sentinel;
  alive = true;
  stopped = false;
  /** Added to the world clock: a clock jump of this process. */
  skew = 0;
  /** Every event, with when it happened, who emitted it and the failover epoch of mymaster then. */
  readonly events: (SentinelEvent & { t: number; myid: string; failoverEpoch: bigint })[] = [];
  readonly logs: string[] = [];
  /** The config as last flushed: what a restart loads. */
  persisted: SentinelConfig;
  exitCode: number | null = null;
  nextTick = 0;

  constructor(
    readonly world: SimWorld,
    readonly port: number,
    config: SentinelConfig,
    private readonly options: Partial<CoreOptions> = {},
  ) {
    this.persisted = config;
  }

  now = (): number => this.world.t + this.skew;

  boot(): void {
    const env: CoreEnv = { now: this.now, random: this.world.random };
    this.core = new Sentinel(structuredClone(this.persisted), env, {
      ...this.options,
      serverPort: this.port,
    });
    this.core.start();
    this.world.run(this);
    this.nextTick = this.world.t + this.core.nextTickDelay();
  }

  eventTypes(): string[] {
    return this.events.map((e) => e.type);
  }

  has(type: string, payloadPart = ''): boolean {
    return this.events.some((e) => e.type === type && e.payload.includes(payloadPart));
  }

  master(): MasterView {
    const m = this.core.view.masters.get('mymaster');
    if (!m) throw new Error('mymaster is not monitored');
    return m;
  }

  /** kill -9 and start again from the last flushed config. */
  restart(): void {
    this.world.killSentinel(this);
    this.alive = true;
    this.stopped = false;
    this.boot();
  }
}

interface Scheduled {
  at: number;
  run: () => void;
}

export class SimWorld {
  t = 1_700_000_000_000;
  readonly random: () => number;
  readonly redis = new Map<number, FakeRedis>();
  readonly sentinels: SimSentinel[] = [];
  /** Largest one-way delay of a message, ms. */
  maxDelay = 2;
  private readonly conns = new Map<string, SimConn>();
  private queue: Scheduled[] = [];
  /** In-process fake sentinels (ioredis' mock_server habit): port -> how each command is answered. */
  readonly fakePeers = new Map<number, (command: readonly string[]) => LinkReply>();
  /** Blocked pairs "a|b" of ports (sentinel or redis); bytes between them wait. */
  private readonly cuts = new Set<string>();

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

  addSentinel(port: number, config: SentinelConfig, options: Partial<CoreOptions> = {}): SimSentinel {
    const s = new SimSentinel(this, port, config, options);
    this.sentinels.push(s);
    s.boot();
    return s;
  }

  // ------------------------------------------------------------- faults

  killRedis(port: number): void {
    const r = this.redis.get(port);
    if (!r) return;
    r.alive = false;
    r.stopped = false;
    for (const c of [...this.conns.values()]) if (c.port === port) this.reset(c, 'Connection reset by peer');
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
    for (const [k, c] of [...this.conns]) {
      if (c.owner === s) this.conns.delete(k);
      else if (c.port === s.port) this.reset(c, 'Connection reset by peer');
    }
  }

  stopSentinel(s: SimSentinel): void {
    s.stopped = true;
  }

  resumeSentinel(s: SimSentinel): void {
    s.stopped = false;
    s.nextTick = this.t;
  }

  /** Cuts (or heals) the network between two endpoints, identified by port. */
  partition(a: number, b: number, cut = true): void {
    const k = a < b ? `${a}|${b}` : `${b}|${a}`;
    if (cut) this.cuts.add(k);
    else this.cuts.delete(k);
  }

  healAll(): void {
    this.cuts.clear();
  }

  /** A connection reset in the middle of traffic (what message loss looks like over TCP). */
  resetRandomConnection(): void {
    const all = [...this.conns.values()].filter((c) => c.open);
    const c = all[Math.floor(this.random() * all.length)];
    if (c) this.reset(c, 'Connection reset by peer');
  }

  private blocked(a: number, b: number): boolean {
    return this.cuts.has(a < b ? `${a}|${b}` : `${b}|${a}`);
  }

  /** Whether bytes from sentinel `s` to `port` (and back) can flow now. */
  private flows(s: SimSentinel, port: number): boolean {
    if (!s.alive || s.stopped || this.blocked(s.port, port)) return false;
    const peer = this.sentinelAt(port);
    if (peer) return !peer.stopped;
    if (this.fakePeers.has(port)) return true;
    const r = this.redis.get(port);
    return r !== undefined && r.alive && !r.stopped;
  }

  private reset(c: SimConn, reason: string): void {
    const k = key(c.owner, c.conn);
    if (!this.conns.has(k)) return;
    this.conns.delete(k);
    if (!c.owner.alive) return;
    this.after(this.delay(), () => {
      if (!c.owner.alive) return;
      c.owner.core.onConnectionClosed(c.conn, reason);
      this.run(c.owner);
    });
  }

  // ---------------------------------------------------------- scheduling

  private delay(): number {
    return Math.floor(this.random() * (this.maxDelay + 1));
  }

  private after(ms: number, run: () => void): void {
    const item = { at: this.t + ms, run };
    // Stable: equal times run in the order they were scheduled.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.at > item.at) i--;
    this.queue.splice(i, 0, item);
  }

  /**
   * Delivers `fn` over connection `c` in one direction, in order (TCP): each message waits
   * for the one before it, and all of them wait while the bytes cannot flow.
   */
  private pipe(c: SimConn, dir: 'out' | 'in', fn: () => void): void {
    const q = dir === 'out' ? c.outbox : c.inbox;
    q.push(fn);
    if (q.length > 1) return;
    const pump = () => {
      if (!this.conns.has(key(c.owner, c.conn))) return;
      if (!this.flows(c.owner, c.port)) return this.after(5, pump);
      q.shift()!();
      if (q.length > 0) this.after(this.delay(), pump);
    };
    this.after(this.delay(), pump);
  }

  private sentinelAt(port: number): SimSentinel | undefined {
    return this.sentinels.find((s) => s.port === port && s.alive);
  }

  /** Advances simulated time, running ticks and deliveries in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const ticking = this.sentinels.filter((s) => s.alive && !s.stopped);
      const nextTick = Math.min(Infinity, ...ticking.map((s) => s.nextTick));
      const nextMsg = this.queue[0]?.at ?? Infinity;
      const next = Math.min(nextTick, nextMsg);
      if (next > end) break;
      if (next > this.t) this.replicate(next - this.t);
      this.t = Math.max(this.t, next);
      if (nextMsg <= nextTick) {
        this.queue.shift()!.run();
        continue;
      }
      for (const s of ticking) {
        if (s.nextTick > this.t) continue;
        s.core.tick();
        this.run(s);
        s.nextTick = this.t + s.core.nextTickDelay();
      }
    }
    this.replicate(end - this.t);
    this.t = end;
  }

  /** Masters take writes; connected replicas follow their offset. */
  private replicate(ms: number): void {
    if (ms <= 0) return;
    for (const r of this.redis.values())
      if (r.alive && !r.stopped && r.role === 'master') r.offset += BigInt(ms);
    for (const r of this.redis.values()) {
      if (r.linkUp(this) && r.masterPort !== null) r.offset = this.redis.get(r.masterPort)!.offset;
    }
  }

  /** Advances until `cond` holds; throws after `limitMs` of simulated time. */
  until(cond: () => boolean, limitMs: number, what: string): number {
    const start = this.t;
    while (!cond()) {
      if (this.t - start > limitMs) throw new Error(`simulated ${limitMs} ms passed without: ${what}`);
      this.advance(10);
    }
    return this.t - start;
  }

  // ------------------------------------------------------------ actions

  /** Executes every action the sentinel has queued. */
  run(s: SimSentinel): void {
    if (!s.alive) return;
    for (let actions = s.core.drain(); actions.length > 0; actions = s.core.drain()) {
      for (const a of actions) this.execute(s, a);
    }
  }

  private execute(s: SimSentinel, a: Action): void {
    switch (a.kind) {
      case 'connect':
        return this.connect(s, a.conn, a.port, a.channel);
      case 'close':
        this.conns.delete(key(s, a.conn));
        return;
      case 'send': {
        const c = this.conns.get(key(s, a.conn));
        if (!c) return;
        if (!c.open) c.queued.push({ token: a.token, command: a.command });
        else this.transmit(c, a.token, a.command);
        return;
      }
      case 'event':
        s.events.push({
          ...a.event,
          t: this.t,
          myid: s.core.view.myid,
          failoverEpoch: s.core.view.masters.get('mymaster')?.failoverEpoch ?? 0n,
        });
        return;
      case 'note':
        s.logs.push(noteText(a.note));
        return;
      case 'resolve':
        // The simulated world speaks in IP literals only.
        throw new Error(`unexpected lookup of ${a.host}`);
      case 'flush-config':
        s.persisted = structuredClone(s.core.snapshot());
        return;
      case 'script':
        return;
      case 'exit':
        s.exitCode = a.code;
        this.killSentinel(s);
        return;
    }
  }

  private connect(s: SimSentinel, conn: ConnId, port: number, channel: 'cmd' | 'pubsub'): void {
    const c: SimConn = {
      owner: s,
      conn,
      port,
      channel,
      open: false,
      subscribed: false,
      inMulti: false,
      queued: [],
      outbox: [],
      inbox: [],
    };
    this.conns.set(key(s, conn), c);
    const started = this.t;
    const attempt = () => {
      if (!this.conns.has(key(s, conn)) || !s.alive) return;
      const listening =
        this.sentinelAt(port) !== undefined ||
        this.fakePeers.has(port) ||
        this.redis.get(port)?.alive === true;
      if (!this.blocked(s.port, port) && !listening) {
        this.conns.delete(key(s, conn));
        s.core.onConnectionClosed(conn, 'Connection refused');
        this.run(s);
        return;
      }
      // A stopped process still completes the TCP handshake (the kernel does it).
      if (!this.blocked(s.port, port)) {
        c.open = true;
        s.core.onConnected(conn, '127.0.0.1');
        this.run(s);
        for (const q of c.queued.splice(0)) this.transmit(c, q.token, q.command);
        return;
      }
      if (this.t - started >= CONNECT_TIMEOUT_MS) {
        this.conns.delete(key(s, conn));
        s.core.onConnectionClosed(conn, 'connect ETIMEDOUT');
        this.run(s);
        return;
      }
      this.after(5, attempt);
    };
    this.after(this.delay(), attempt);
  }

  private transmit(c: SimConn, token: number, command: readonly string[]): void {
    this.pipe(c, 'out', () => {
      const reply = this.answer(c, command);
      this.pipe(c, 'in', () => {
        c.owner.core.onReply(token, reply);
        this.run(c.owner);
      });
    });
  }

  private answer(c: SimConn, command: readonly string[]): LinkReply {
    const peer = this.sentinelAt(c.port);
    if (peer) return this.sentinelReply(peer, command);
    const fake = this.fakePeers.get(c.port);
    if (fake) return fake(command);
    return this.redisReply(this.redis.get(c.port)!, c, command);
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
        if ((args[0] ?? '').toUpperCase() === 'MYID') {
          value = peer.core.view.myid;
          break;
        }
        const [ip = '', port = '0', epoch = '0', runid = '*'] = args.slice(1);
        const answer = peer.core.isMasterDownByAddr(ip, Number(port), BigInt(epoch), runid);
        value = [answer.down ? 1 : 0, answer.leader, Number(answer.leaderEpoch)];
        break;
      }
    }
    this.run(peer);
    return { ok: true, value };
  }

  private redisReply(r: FakeRedis, c: SimConn, command: readonly string[]): LinkReply {
    r.commands.push([...command]);
    const forced = r.override?.(command);
    if (forced) return forced;
    const [name = '', ...args] = command;
    const upper = name.toUpperCase();
    if (c.inMulti && upper !== 'EXEC') {
      this.applyRedisCommand(r, c, upper, args);
      return { ok: true, value: 'QUEUED' };
    }
    switch (upper) {
      case 'MULTI':
        c.inMulti = true;
        return { ok: true, value: 'OK' };
      case 'EXEC':
        c.inMulti = false;
        return { ok: true, value: [] };
      case 'PING':
        return { ok: true, value: 'PONG' };
      case 'INFO':
        return { ok: true, value: r.info(this) };
      case 'SUBSCRIBE':
        c.subscribed = true;
        return { ok: true, value: 1 };
      case 'PUBLISH':
        this.publishOn(r.port, args[0] ?? '', args[1] ?? '');
        return { ok: true, value: 1 };
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
    const sub = (args[0] ?? '').toUpperCase();
    if (upper === 'CLIENT' && sub === 'PAUSE' && (args[2] ?? '').toUpperCase() === 'WRITE') {
      r.writesPausedUntil = this.t + Number(args[1]);
    }
    if (upper === 'CLIENT' && sub === 'UNPAUSE') r.writesPausedUntil = 0;
    if (upper === 'CLIENT' && sub === 'KILL' && args[2] === 'pubsub') {
      for (const other of [...this.conns.values()]) {
        if (other !== c && other.port === r.port && other.channel === 'pubsub') this.reset(other, 'killed');
      }
    }
  }

  /** What any client of the Redis at `port` may do: PUBLISH. */
  publish(port: number, channel: string, message: string): void {
    this.publishOn(port, channel, message);
  }

  /** A PUBLISH on a master reaches its subscribers and, replicated, its replicas' subscribers. */
  private publishOn(port: number, channel: string, message: string): void {
    const ports = [port];
    for (const r of this.redis.values()) if (r.linkUp(this) && r.masterPort === port) ports.push(r.port);
    for (const p of ports) {
      for (const c of this.conns.values()) {
        if (c.port !== p || !c.subscribed) continue;
        this.pipe(c, 'in', () => {
          c.owner.core.onPubsubMessage(c.conn, channel, message);
          this.run(c.owner);
        });
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
  const master = newMasterConfig('mymaster', '127.0.0.1', masterPort, opts.quorum ?? 1);
  master.downAfterMs = opts.downAfterMs ?? 1000;
  master.failoverTimeoutMs = opts.failoverTimeoutMs ?? 10000;
  return { ...defaultSentinelConfig(), myid: opts.myid, masters: [master] };
}
