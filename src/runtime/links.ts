/**
 * The sockets behind the core's `connect`, `close` and `send` actions: one ioredis object per
 * connection id, never reconnected or reused, so the core alone decides when to reconnect.
 */
import * as net from 'net';
import * as tls from 'tls';
import { AbstractConnector, Redis } from 'ioredis';
import type { Action, ConnId, LinkReply } from '../core/actions';

/** Where link outcomes go; `Sentinel` satisfies it, the daemon wraps it to drain actions. */
export interface LinkSink {
  onConnected(conn: ConnId, localIp: string): void;
  onReply(token: number, reply: LinkReply): void;
  onConnectionClosed(conn: ConnId, reason: string): void;
  onPubsubMessage(conn: ConnId, channel: string, message: string): void;
}

export interface LinkOptions {
  /** `bind-source-addr`: local address outgoing connections are bound to. */
  bindSourceAddr?: string;
  /** A TCP connect still pending after this long fails with `connect ETIMEDOUT`. */
  connectTimeoutMs: number;
  /** `tls-replication yes`: every link is TLS with these options (certificate, CA, versions). */
  tls?: tls.ConnectionOptions;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** ioredis' own text for a connection it closed; the reason reported when no error preceded. */
const CONNECTION_CLOSED = 'Connection is closed.';

/**
 * ioredis switches to subscriber mode only when it sees these names in lower case
 * (an upper-case SUBSCRIBE breaks its subscription bookkeeping), so they go out lower-cased.
 */
const SUBSCRIBER_COMMANDS = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe']);

interface Conn {
  readonly redis: Redis;
  /** Commands the core sent before the connection was ready, in order. */
  readonly backlog: (readonly [number, readonly string[]])[];
  ready: boolean;
  lastError?: string;
}

type LinkAction = Extract<Action, { kind: 'connect' | 'close' | 'send' }>;

export class LinkManager {
  private readonly conns = new Map<ConnId, Conn>();
  /** One class for every link: a class per connection would cost each its own prototype and maps. */
  private readonly Connector: ReturnType<typeof boundConnector>;

  constructor(
    private readonly sink: LinkSink,
    private readonly options: LinkOptions,
  ) {
    this.Connector = boundConnector(options.bindSourceAddr, options.tls);
  }

  execute(action: LinkAction): void {
    switch (action.kind) {
      case 'connect':
        this.connect(action.conn, action.ip, action.port);
        return;
      case 'close':
        this.close(action.conn);
        return;
      case 'send':
        this.send(action.conn, action.token, action.command);
        return;
    }
  }

  /** Number of connections open or opening. */
  size(): number {
    return this.conns.size;
  }

  /** Shutdown: drop every connection without reporting anything. */
  closeAll(): void {
    for (const conn of [...this.conns.keys()]) this.close(conn);
  }

  private connect(id: ConnId, host: string, port: number): void {
    const redis = new Redis({
      host,
      port,
      Connector: this.Connector,
      // ioredis waits for this event name before it calls the link ready.
      ...(this.options.tls !== undefined ? { tls: {} } : {}),
      lazyConnect: true,
      // RESP2 like redis-sentinel's own links; HELLO would also bypass rename-command.
      protocol: 2,
      enableReadyCheck: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      // Commands wait in our backlog until ready; anything reaching ioredis earlier is a bug.
      enableOfflineQueue: false,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      // The core sends AUTH and CLIENT SETNAME itself, under the master's rename-command table.
      disableClientInfo: true,
      connectTimeout: this.options.connectTimeoutMs,
    });
    const conn: Conn = { redis, backlog: [], ready: false };
    this.conns.set(id, conn);

    redis.on('error', (err: Error) => {
      conn.lastError = err.message;
    });
    redis.on('ready', () => {
      if (this.conns.get(id) !== conn) return;
      conn.ready = true;
      for (const [token, command] of conn.backlog.splice(0)) this.write(id, conn, token, command);
      this.sink.onConnected(id, localIp(redis.stream));
    });
    redis.on('message', (channel: string, message: string) => {
      if (this.conns.get(id) === conn) this.sink.onPubsubMessage(id, channel, message);
    });
    // 'end' is the last status of a connection that will not come back, whatever the cause.
    redis.on('end', () => {
      if (this.conns.get(id) !== conn) return;
      this.conns.delete(id);
      this.sink.onConnectionClosed(id, conn.lastError ?? CONNECTION_CLOSED);
    });
    redis.connect().catch(() => {
      // Reported through the 'end' event above.
    });
  }

  private close(id: ConnId): void {
    const conn = this.conns.get(id);
    if (!conn) return;
    this.conns.delete(id);
    conn.redis.disconnect();
  }

  private send(id: ConnId, token: number, command: readonly string[]): void {
    const conn = this.conns.get(id);
    if (!conn) return;
    if (conn.ready) this.write(id, conn, token, command);
    else conn.backlog.push([token, command]);
  }

  private write(id: ConnId, conn: Conn, token: number, command: readonly string[]): void {
    const [name, ...args] = command;
    if (name === undefined) return;
    const lower = name.toLowerCase();
    const wireName = SUBSCRIBER_COMMANDS.has(lower) ? lower : name;
    conn.redis.call(wireName, args).then(
      (value: unknown) => {
        if (this.conns.get(id) === conn) this.sink.onReply(token, { ok: true, value });
      },
      (err: unknown) => {
        // Only the server's error replies are replies; a command lost with its connection
        // gets none, like hiredis callbacks with a NULL reply, and the close is reported once.
        if (this.conns.get(id) === conn && isReplyError(err)) {
          this.sink.onReply(token, { ok: false, error: err.message });
        }
      },
    );
  }
}

function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

function localIp(socket: net.Socket): string {
  const address = socket.localAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** The address of a link, from the options ioredis hands its connector (our own `host` and `port`). */
function linkTarget(options: unknown): { host: string; port: number } {
  if (
    typeof options === 'object' &&
    options !== null &&
    'host' in options &&
    'port' in options &&
    typeof options.host === 'string' &&
    typeof options.port === 'number'
  ) {
    return { host: options.host, port: options.port };
  }
  throw new Error('ioredis gave the connector no host and port');
}

/** ioredis' standalone connector cannot bind a local address, hence this one; TLS on top if asked. */
function boundConnector(localAddress: string | undefined, tlsOptions: tls.ConnectionOptions | undefined) {
  return class BoundConnector extends AbstractConnector {
    private readonly target: { host: string; port: number };

    constructor(options: unknown) {
      super(0);
      this.target = linkTarget(options);
    }

    connect(): Promise<net.Socket> {
      this.connecting = true;
      return new Promise((resolve, reject) => {
        // Deferred like ioredis' own connector, so a disconnect() right after connect() wins.
        process.nextTick(() => {
          if (!this.connecting) {
            reject(new Error(CONNECTION_CLOSED));
            return;
          }
          const target: net.TcpNetConnectOpts = { ...this.target, localAddress };
          // tls.connect takes net.connect's options too (localAddress), its types do not say so.
          const socket: net.Socket =
            tlsOptions !== undefined
              ? tls.connect({ ...tlsOptions, ...target })
              : net.createConnection(target);
          socket.once('error', (err) => {
            this.firstError = err;
          });
          this.stream = socket;
          resolve(socket);
        });
      });
    }

    /** Destroy at once: a peer that is SIGSTOPped would never finish a graceful close. */
    override disconnect(): void {
      this.connecting = false;
      this.stream?.destroy();
    }
  };
}
