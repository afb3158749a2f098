/**
 * One client connection: its decoder, RESP version, user, name, subscriptions and reply
 * switches. Commands run one at a time in arrival order and their replies are written in the
 * same order. The replies to every command of one received chunk leave in one socket write at
 * the end of the chunk; output produced outside a chunk (pub/sub, a resumed pause) at the next tick.
 */
import type { Socket } from 'net';
import { RequestDecoder } from '../protocol/decoder';
import { ReplyWriter, type RespVersion } from '../protocol/encoder';
import { reply, type Reply } from '../protocol/reply';
import type { AclStore } from './acl/store';
import type { AclUser } from './acl/user';
import type { OutputBufferClass, OutputBufferLimit } from '../config/types';
import type { Subscriber } from './pubsub';
import type { ServerStats } from './stats';

/** Redis's client-query-buffer-limit default: beyond it the client is dropped. */
const MAX_QUERY_BUFFER = 1024 * 1024 * 1024;

export interface TrackingState {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  caching: boolean;
  prefixes: string[];
}

/** What became of one request: run, held back by CLIENT PAUSE, or a reason to drop the connection. */
export type CommandOutcome = 'done' | 'postponed' | 'close';

/**
 * What a session needs from the server it belongs to. The server runs the commands: a session
 * only frames requests and replies, so it knows nothing of the command set.
 */
export interface SessionHost {
  readonly ctx: { now(): number; settleConfig?(): void };
  readonly acl: Pick<AclStore, 'defaultUser' | 'defaultRequiresAuth'>;
  readonly stats: ServerStats;
  /** Runs one request of `client`. */
  execute(client: ClientSession, argv: readonly Buffer[]): CommandOutcome;
  /** Called by a session when its connection is gone. */
  unregister(client: ClientSession): void;
  /** `client-output-buffer-limit` of a class, read at each check so a change applies at once. */
  outputBufferLimit(klass: OutputBufferClass): OutputBufferLimit;
}

export interface ConnectionInfo {
  /** `ip:port`, `[ipv6]:port` or `/unix/path:0`. */
  readonly addr: string;
  readonly laddr: string;
  readonly unixSocket: boolean;
  readonly fd: number;
}

export class ClientSession implements Subscriber {
  name: Buffer | null = null;
  /** CLIENT SETINFO LIB-NAME / LIB-VER (Redis 7.2). */
  libName: Buffer | null = null;
  libVer: Buffer | null = null;
  resp: RespVersion = 2;
  user: AclUser;
  authenticated: boolean;
  /** Full name of the last command looked up (`NULL` in CLIENT LIST when unknown). */
  lastCommand: string | null = null;
  lastInteraction: number;
  readonly createdAt: number;
  /** Subscriptions as latin1 binary strings, in subscription order. */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  noEvict = false;
  tracking: TrackingState | null = null;
  /** CLIENT REPLY: 'skip' silences the command after the one that set it. */
  replyMode: 'on' | 'off' | 'skip' = 'on';
  private skipNext = false;
  private closeAfterReply = false;
  private closed = false;
  /** Encoded output not yet handed to the socket. */
  private readonly outgoing = new ReplyWriter();
  /** True while the commands of a received chunk run: their output waits for the chunk's end. */
  private inBatch = false;
  private flushScheduled = false;
  private postponed: Buffer[] | null = null;
  private currentArgvBytes = 0;
  private softLimitSince = 0;
  private readonly decoder: RequestDecoder;

  constructor(
    readonly id: number,
    private readonly host: SessionHost,
    private readonly socket: Socket,
    readonly conn: ConnectionInfo,
  ) {
    this.createdAt = host.ctx.now();
    this.lastInteraction = this.createdAt;
    this.user = host.acl.defaultUser;
    this.authenticated = !host.acl.defaultRequiresAuth();
    this.decoder = new RequestDecoder({ authRequired: () => this.authRequired() });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.onClosed());
    // Errors (ECONNRESET...) end in 'close'; listening keeps them from being thrown.
    socket.on('error', () => undefined);
  }

  authRequired(): boolean {
    return this.host.acl.defaultRequiresAuth() && !this.authenticated;
  }

  isSubscribed(): boolean {
    return this.channels.size + this.patterns.size > 0;
  }

  subscriptionCount(): number {
    return this.channels.size + this.patterns.size;
  }

  /** A command reply; dropped while CLIENT REPLY OFF/SKIP is in effect. */
  reply(r: Reply): void {
    if (r.t === 'error') this.host.stats.errorReplies++;
    if (this.replyMode !== 'on') return;
    this.write(r);
  }

  /** Pub/sub traffic, which CLIENT REPLY does not silence. */
  pushMessage(msg: Reply): void {
    this.write(msg);
  }

  /** CLIENT REPLY SKIP takes effect after the current command. */
  skipNextReply(): void {
    this.skipNext = true;
  }

  /** Reply, then close (protocol errors, CLIENT KILL of oneself, a deleted user). */
  closeAfterCurrentReply(): void {
    this.closeAfterReply = true;
  }

  /** Drop the connection now, discarding pending output (CLIENT KILL of another client). */
  kill(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.unregister(this);
    this.socket.destroy();
  }

  /** Held back by CLIENT PAUSE (INFO counts these as blocked). */
  isPostponed(): boolean {
    return this.postponed !== null;
  }

  inputBufferBytes(): number {
    return this.decoder.bufferedBytes;
  }

  outputBufferBytes(): number {
    return this.socket.writableLength + this.outgoing.bytes;
  }

  private isClosing(): boolean {
    return this.closed || this.closeAfterReply;
  }

  /** Re-run a command held back by CLIENT PAUSE, then carry on with the input. */
  resume(): void {
    const held = this.postponed;
    if (held === null || this.closed) return;
    this.postponed = null;
    this.execute(held);
    this.processInput();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.host.stats.netInputBytes += chunk.length;
    this.host.stats.readsProcessed++;
    this.lastInteraction = this.host.ctx.now();
    this.decoder.push(chunk);
    if (this.decoder.bufferedBytes > MAX_QUERY_BUFFER) {
      this.kill();
      return;
    }
    this.inBatch = true;
    try {
      this.processInput();
    } finally {
      this.inBatch = false;
    }
    this.flushOutgoing();
  }

  private processInput(): void {
    while (!this.isClosing() && this.postponed === null) {
      const next = this.decoder.next();
      if (next === null) return;
      if (next.kind === 'error') {
        this.reply(reply.error(next.error.message));
        this.closeAfterCurrentReply();
        this.finishIfClosing();
        return;
      }
      this.execute(next.args);
    }
  }

  private execute(argv: Buffer[]): void {
    let argvBytes = 0;
    for (const a of argv) argvBytes += a.length;
    this.currentArgvBytes = argvBytes;
    const outcome = this.host.execute(this, argv);
    this.currentArgvBytes = 0;
    if (outcome === 'postponed') {
      this.postponed = argv;
      return;
    }
    if (outcome === 'close') {
      this.kill();
      return;
    }
    // Same bookkeeping as Redis after each command: CLIENT CACHING covers the next command
    // only, and a SKIP exactly one reply.
    if (this.tracking !== null && this.lastCommand?.startsWith('client') !== true)
      this.tracking.caching = false;
    if (this.replyMode === 'skip') this.replyMode = 'on';
    if (this.skipNext) {
      this.skipNext = false;
      if (this.replyMode === 'on') this.replyMode = 'skip';
    }
    this.finishIfClosing();
  }

  private finishIfClosing(): void {
    if (!this.closeAfterReply || this.closed) return;
    this.closed = true;
    this.host.unregister(this);
    this.flushOutgoing();
    this.socket.end(() => this.socket.destroy());
  }

  private write(r: Reply): void {
    if (this.closed || this.socket.destroyed) return;
    this.host.stats.netOutputBytes += this.outgoing.write(r, this.resp);
    if (!this.inBatch) this.scheduleFlush();
    this.checkOutputBufferLimit();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.outgoing.bytes === 0) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flushOutgoing();
    });
  }

  /** One socket write for everything pending (Redis counts these as total_writes_processed). */
  private flushOutgoing(): void {
    if (this.outgoing.bytes === 0) return;
    // A vote or a change this reply acknowledges must be on disk first (flush-gate.ts).
    this.host.ctx.settleConfig?.();
    const data = this.outgoing.take();
    if (this.socket.destroyed) return;
    this.host.stats.writesProcessed++;
    this.lastInteraction = this.host.ctx.now();
    if (typeof data === 'string') this.socket.write(data, 'utf8');
    else this.socket.write(data);
  }

  /**
   * checkClientOutputBufferLimits(): dropped at once past the hard limit, or when the output has
   * stayed past the soft limit for longer than its seconds. A subscriber that stops reading
   * therefore costs at most the hard limit, never unbounded memory.
   */
  private checkOutputBufferLimit(): void {
    if (this.closed) return;
    const limit = this.host.outputBufferLimit(this.isSubscribed() ? 'pubsub' : 'normal');
    const pending = this.outputBufferBytes();
    if (limit.hardBytes > 0 && pending >= limit.hardBytes) {
      this.kill();
      return;
    }
    if (limit.softBytes === 0 || pending < limit.softBytes) {
      this.softLimitSince = 0;
      return;
    }
    const now = this.host.ctx.now();
    if (this.softLimitSince === 0) this.softLimitSince = now;
    else if (now - this.softLimitSince > limit.softSeconds * 1000) this.kill();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.unregister(this);
  }

  /** One CLIENT LIST / CLIENT INFO line (without the trailing newline), Redis 7.0 field order. */
  infoLine(): string {
    const now = this.host.ctx.now();
    let flags = '';
    if (this.isSubscribed()) flags += 'P';
    if (this.tracking !== null) flags += 't';
    if (this.tracking?.bcast === true) flags += 'B';
    if (this.closeAfterReply) flags += 'c';
    if (this.conn.unixSocket) flags += 'U';
    if (this.noEvict) flags += 'e';
    if (flags === '') flags = 'N';
    const omem = this.outputBufferBytes();
    const qbuf = this.decoder.bufferedBytes;
    const qbufFree = this.decoder.freeBytes;
    const fields: [string, string | number][] = [
      ['id', this.id],
      ['addr', this.conn.addr],
      ['laddr', this.conn.laddr],
      ['fd', this.conn.fd],
      ['name', this.name === null ? '' : this.name.toString('latin1')],
      ['age', Math.floor((now - this.createdAt) / 1000)],
      ['idle', Math.floor((now - this.lastInteraction) / 1000)],
      ['flags', flags],
      ['db', 0],
      ['sub', this.channels.size],
      ['psub', this.patterns.size],
      ['ssub', 0],
      ['multi', -1],
      ['qbuf', qbuf],
      ['qbuf-free', qbufFree],
      ['argv-mem', this.currentArgvBytes],
      ['multi-mem', 0],
      ['rbs', 0],
      ['rbp', 0],
      ['obl', 0],
      ['oll', 0],
      ['omem', omem],
      ['tot-mem', qbuf + qbufFree + this.currentArgvBytes + omem],
      ['events', omem > 0 ? 'rw' : 'r'],
      ['cmd', this.lastCommand ?? 'NULL'],
      ['user', this.user.name],
      ['redir', this.tracking === null ? -1 : this.tracking.redirect],
      ['resp', this.resp],
      ['lib-name', this.libName === null ? '' : this.libName.toString('latin1')],
      ['lib-ver', this.libVer === null ? '' : this.libVer.toString('latin1')],
    ];
    return fields.map(([k, v]) => `${k}=${v}`).join(' ');
  }

  /** CLIENT KILL TYPE / CLIENT LIST TYPE: replicas and masters never connect to a sentinel. */
  clientType(): 'normal' | 'pubsub' {
    return this.isSubscribed() ? 'pubsub' : 'normal';
  }
}
