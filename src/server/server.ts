/**
 * The sentinel's RESP listener: TCP on `port`, TLS on `tls-port`, both on every `bind` address
 * (and `unixsocket` if set), client sessions, pub/sub delivery of events, client pause and idle timeouts.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as tls from 'tls';
import type { OutputBufferClass, OutputBufferLimit } from '../config/types';
import { encodeReply } from '../protocol/encoder';
import { aclStoreFromConfig } from './acl/config';
import type { AclStore } from './acl/store';
import { ClientSession, type CommandOutcome, type ConnectionInfo, type SessionHost } from './client';
import { HANDLERS } from './commands';
import type { ServerContext } from './context';
import { processCommand } from './dispatch';
import { PubSubRegistry } from './pubsub';
import { CommandRegistry } from './registry';
import { errorReply } from './replies';
import { emptyStats, type ServerStats } from './stats';
import { attachSessionCache, type TlsSetup } from './tls';
import type { PauseMode, ServerHost } from './types';

export class RespServer implements ServerHost, SessionHost {
  readonly acl: AclStore;
  readonly pubsub = new PubSubRegistry<ClientSession>();
  readonly commands: CommandRegistry;
  readonly runId = randomBytes(20).toString('hex');
  readonly stats: ServerStats = emptyStats();
  private readonly listeners: net.Server[] = [];
  private readonly sessions = new Map<number, ClientSession>();
  private nextClientId = 1;
  private pause: { mode: PauseMode; until: number; timer: NodeJS.Timeout } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  /** Throws AclConfigError when the ACL configuration is invalid (Redis refuses to start). */
  constructor(readonly ctx: ServerContext) {
    this.commands = new CommandRegistry(HANDLERS, ctx.config.server.renameCommands, ctx.commandTable);
    this.acl = aclStoreFromConfig(ctx.config.server, this.commands.original);
  }

  /**
   * Listens on every bind address (all interfaces when none): plain TCP unless `port` is 0, TLS
   * when `tls-port` is set (`tlsSetup` then holds its certificates). Throws ListenError.
   */
  async listen(tlsSetup?: TlsSetup): Promise<void> {
    const { port, bind, unixsocket } = this.ctx.config.server;
    const tlsPort = this.ctx.config.server.tls.port;
    if (port !== 0) await this.listenOnBinds(bind, port, (opts) => this.listenOn(opts), 'TCP');
    if (tlsPort !== 0 && tlsSetup !== undefined)
      await this.listenOnBinds(bind, tlsPort, (opts) => this.listenOnTls(opts, tlsSetup), 'TLS');
    if (unixsocket !== undefined) {
      fs.rmSync(unixsocket, { force: true });
      await this.listenOn({ path: unixsocket });
      const perm = this.ctx.config.server.unixsocketperm;
      if (perm !== 0) fs.chmodSync(unixsocket, perm);
    }
    const timeout = this.ctx.config.server.timeout;
    if (timeout > 0) {
      this.idleTimer = setInterval(() => this.closeIdleClients(timeout * 1000), 1000);
      this.idleTimer.unref();
    }
  }

  private async listenOnBinds(
    bind: readonly string[],
    port: number,
    listen: (opts: net.ListenOptions) => Promise<void>,
    kind: ListenError['kind'],
  ): Promise<void> {
    try {
      if (bind.length === 0) {
        await listen({ port });
        return;
      }
      for (const spec of bind) {
        const optional = spec.startsWith('-');
        const addr = optional ? spec.slice(1) : spec;
        const opts: net.ListenOptions =
          addr === '*'
            ? { port, host: '0.0.0.0' }
            : addr === '::*'
              ? { port, host: '::', ipv6Only: true }
              : { port, host: addr };
        try {
          await listen(opts);
        } catch (e) {
          // Redis skips a `-addr` it cannot bind because the address does not exist here.
          if (!(optional && isErrno(e, 'EADDRNOTAVAIL'))) throw e;
        }
      }
    } catch (e) {
      throw new ListenError(e instanceof Error ? e.message : String(e), port, kind);
    }
  }

  /** Addresses actually bound, e.g. to learn the port in tests. */
  addresses(): (net.AddressInfo | string)[] {
    return this.listeners.map((l) => l.address()).filter((a): a is net.AddressInfo | string => a !== null);
  }

  private listenOn(opts: net.ListenOptions): Promise<void> {
    const srv = net.createServer({ noDelay: true }, (socket) => this.accept(socket, opts.path !== undefined));
    return this.startListening(srv, opts);
  }

  private listenOnTls(opts: net.ListenOptions, setup: TlsSetup): Promise<void> {
    const srv = tls.createServer({ ...setup.server, noDelay: true }, (socket) => {
      // `optional`: no certificate is fine, a certificate that does not verify is not.
      if (setup.verifyOptionalClientCert && !socket.authorized && hasPeerCertificate(socket)) {
        socket.destroy();
        return;
      }
      this.accept(socket, false);
    });
    // A failed handshake is the client's problem; Redis drops such a connection silently.
    srv.on('tlsClientError', (_err, socket) => socket.destroy());
    if (setup.sessionCacheSize !== undefined) attachSessionCache(srv, setup.sessionCacheSize);
    return this.startListening(srv, opts);
  }

  private startListening(srv: net.Server, opts: net.ListenOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ ...opts, backlog: this.ctx.config.server.tcpBacklog }, () => {
        srv.off('error', reject);
        this.listeners.push(srv);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket, unix: boolean): void {
    this.stats.connectionsReceived++;
    if (this.sessions.size >= this.ctx.config.server.maxclients) {
      this.stats.rejectedConnections++;
      socket.on('error', () => undefined);
      socket.end(encodeReply(errorReply('SNT_ERR_MAX_CLIENTS'), 2), () => socket.destroy());
      return;
    }
    if (this.refusedByProtectedMode(socket, unix)) {
      this.stats.rejectedConnections++;
      socket.on('error', () => undefined);
      socket.end(encodeReply(errorReply('SNT_ERR_PROTECTED_MODE'), 2), () => socket.destroy());
      return;
    }
    const keepalive = this.ctx.config.server.tcpKeepalive;
    if (!unix && keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
    const id = this.nextClientId++;
    const session = new ClientSession(
      id,
      this,
      socket,
      connectionInfo(socket, unix, this.ctx.config.server.unixsocket),
    );
    this.sessions.set(id, session);
  }

  /**
   * redis-sentinel starts with protected mode off; `protected-mode yes` in the file turns it on,
   * and then, while the default user has no password, only loopback and unix clients get in.
   */
  private refusedByProtectedMode(socket: net.Socket, unix: boolean): boolean {
    if (!this.ctx.config.server.protectedMode || unix || !this.acl.defaultUser.nopass) return false;
    const ip = socket.remoteAddress ?? '';
    return !['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(ip);
  }

  outputBufferLimit(klass: OutputBufferClass): OutputBufferLimit {
    return this.ctx.config.server.outputBufferLimits[klass];
  }

  /** Delivers an event to SUBSCRIBE and PSUBSCRIBE clients; returns how many received it. */
  publish(channel: string, message: string): number {
    return this.pubsub.publish(Buffer.from(channel, 'utf8').toString('latin1'), Buffer.from(message, 'utf8'));
  }

  clientCount(): number {
    return this.sessions.size;
  }

  clients(): readonly ClientSession[] {
    return [...this.sessions.values()];
  }

  clientById(id: number): ClientSession | undefined {
    return this.sessions.get(id);
  }

  execute(client: ClientSession, argv: readonly Buffer[]): CommandOutcome {
    return processCommand(this, client, argv);
  }

  unregister(client: ClientSession): void {
    if (!this.sessions.delete(client.id)) return;
    for (const ch of client.channels) this.pubsub.unsubscribe(client, ch);
    for (const p of client.patterns) this.pubsub.punsubscribe(client, p);
    client.channels.clear();
    client.patterns.clear();
  }

  pauseState(): { readonly mode: PauseMode; readonly until: number } | null {
    return this.pause;
  }

  /** CLIENT PAUSE: a longer or stricter pause extends the current one, as in Redis. */
  pauseClients(until: number, mode: PauseMode): void {
    const current = this.pause;
    const merged = {
      mode: current?.mode === 'all' ? 'all' : mode,
      until: Math.max(current?.until ?? 0, until),
    } as const;
    if (current !== null) clearTimeout(current.timer);
    if (merged.until <= this.ctx.now()) {
      this.endPause();
      return;
    }
    const timer = setTimeout(() => this.endPause(), merged.until - this.ctx.now());
    this.pause = { ...merged, timer };
  }

  unpauseClients(): void {
    if (this.pause !== null) clearTimeout(this.pause.timer);
    this.endPause();
  }

  private endPause(): void {
    this.pause = null;
    for (const c of this.clients()) c.resume();
  }

  private closeIdleClients(maxIdleMs: number): void {
    const now = this.ctx.now();
    for (const c of this.clients()) {
      // Pub/sub clients legitimately stay silent; Redis never times them out.
      if (!c.isSubscribed() && now - c.lastInteraction > maxIdleMs) c.kill();
    }
  }

  /** Stops listening and drops every client at once. */
  async close(): Promise<void> {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    if (this.pause !== null) clearTimeout(this.pause.timer);
    this.pause = null;
    const closing = this.listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve())));
    this.listeners.length = 0;
    for (const c of this.clients()) c.kill();
    await Promise.all(closing);
    const path = this.ctx.config.server.unixsocket;
    if (path !== undefined) fs.rmSync(path, { force: true });
  }
}

/** A listener that could not be opened; Redis names the port and its kind before exiting. */
export class ListenError extends Error {
  readonly code = 'SNT_ERR_LISTEN';

  constructor(
    message: string,
    readonly port: number,
    readonly kind: 'TCP' | 'TLS',
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

function hasPeerCertificate(socket: tls.TLSSocket): boolean {
  return Object.keys(socket.getPeerCertificate()).length > 0;
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && e.code === code;
}

function formatAddr(ip: string | undefined, port: number | undefined): string {
  // Dual-stack listeners report IPv4 peers as IPv4-mapped IPv6; Redis shows plain IPv4.
  const plain = ip?.startsWith('::ffff:') === true && ip.includes('.') ? ip.slice(7) : (ip ?? '?');
  return plain.includes(':') ? `[${plain}]:${port ?? 0}` : `${plain}:${port ?? 0}`;
}

function connectionInfo(socket: net.Socket, unix: boolean, unixPath: string | undefined): ConnectionInfo {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } })._handle;
  const fd = typeof handle?.fd === 'number' ? handle.fd : -1;
  if (unix) {
    const addr = `${unixPath ?? ''}:0`;
    return { addr, laddr: addr, unixSocket: true, fd };
  }
  return {
    addr: formatAddr(socket.remoteAddress, socket.remotePort),
    laddr: formatAddr(socket.localAddress, socket.localPort),
    unixSocket: false,
    fd,
  };
}
