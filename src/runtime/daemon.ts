/**
 * The running sentinel: loads the config, owns the clock, the sockets, the scripts and the
 * log, and carries out what the core decides, in the order it decides it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CommandTable } from '../commands/meta';
import { ConfigError, ConfigStartupError, REDIS_VERSION, strerror } from '../config/errors';
import { checkWritable } from '../config/file-checks';
import { flushConfig } from '../config/flush';
import { loadConfig } from '../config/loader';
import type { LoadedConfig } from '../config/types';
import type { SentinelEvent } from '../core/events';
import { Sentinel } from '../core/sentinel';
import { sentinelCommand, type SentinelCommandEnv } from '../server/commands/sentinel';
import { infoSentinelLines } from '../server/commands/sentinel-view';
import { AclConfigError } from '../server/acl/config';
import type { ServerContext } from '../server/context';
import { ListenError, RespServer } from '../server/server';
import {
  listeningPort,
  setUpTls,
  TLS_SETUP_FAILED,
  TlsSetupError,
  tlsRequired,
  type TlsSetup,
} from '../server/tls';
import { createLogger, type LogFormat, type SentinelLogger } from '../log';
import { DEFAULT_CONNECT_TIMEOUT_MS, LinkManager } from './links';
import { DEFAULT_DAEMON_PIDFILE, restartInBackground, takeDaemonChildMarker } from './daemonize';
import { collectSoon } from './heap';
import { blockingLookup, primeHosts, resolveHost } from './resolver';
import type { MetricsEndpoint, MetricsOptions } from './metrics';
import { ScriptRunner } from './scripts';
import { type CarriedAction, FlushGate } from './flush-gate';

export interface DaemonOptions {
  logFormat: LogFormat;
  /** Absolute path of the program, shown by INFO server. */
  executable: string;
  /** The Prometheus endpoint, when asked for (--metrics-port). */
  metrics?: MetricsOptions;
  /** Which Redis version's command set COMMAND enumerates (all commands run either way). */
  commandTable: CommandTable;
  /** Pause writes on a master cut off with a minority of the sentinels (--fence-minority). */
  fenceMinority: boolean;
}

export interface Daemon {
  readonly core: Sentinel;
  readonly server: RespServer;
  /** SHUTDOWN, SIGTERM, SIGINT: flush, close, exit 0. `signal` names what asked for it. */
  shutdown(signal?: NodeJS.Signals): Promise<void>;
}

/** Start-up waits at most this long for config hostnames (the harness wants a PONG within 5 s). */
const PRIME_DNS_TIMEOUT_MS = 2000;
/** How long shutdown waits for the listener and clients to close before exiting anyway. */
const CLOSE_GRACE_MS = 500;

/** Starts a sentinel from `configPath` and `extraArgs` (redis-style `--name value` options). */
export async function startDaemon(
  configPath: string,
  extraArgs: string[],
  opts: DaemonOptions,
): Promise<Daemon> {
  const daemonChild = takeDaemonChildMarker();
  const launchDir = process.cwd();
  const config = loadOrExit(path.resolve(configPath), extraArgs, opts.logFormat);
  // The loader only tracks `dir`; from here on relative paths (logfile, scripts) start there.
  process.chdir(config.server.dir);
  const logger = createLogger({
    logfile: config.server.logfile,
    level: config.server.loglevel,
    format: opts.logFormat,
  });
  const notWritable = checkWritable(config.path);
  if (notWritable !== null) {
    logger.log('warning', notWritable);
    process.exit(1);
  }
  // As in Redis: config errors are reported in the foreground, everything after in the background.
  if (config.server.daemonize && !daemonChild) {
    await restartInBackground(launchDir, (message) => logger.log('warning', message));
  }
  logger.log('warning', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
  logger.log(
    'warning',
    `Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`,
  );
  logger.log('warning', 'Configuration loaded');
  for (const directive of config.server.unhonoured) {
    logger.log(
      'warning',
      `WARNING: '${directive}' is accepted but not honoured by ts-sentinel (README: directive inventory)`,
    );
  }
  const tlsSetup = tlsOrExit(config, logger);

  const knownHosts = config.sentinel.resolveHostnames
    ? await primeHosts(configuredHosts(config), PRIME_DNS_TIMEOUT_MS)
    : new Map<string, string>();
  const core = new Sentinel(
    config.sentinel,
    { now: Date.now, random: Math.random },
    {
      serverPort: announcedPort(config),
      requirepass: config.server.requirepass,
      knownHosts,
      fenceMinority: opts.fenceMinority,
    },
  );
  let daemon: Runtime;
  try {
    // A daemon without a pidfile writes Redis' default one.
    const pidfile = config.server.pidfile ?? (daemonChild ? DEFAULT_DAEMON_PIDFILE : undefined);
    daemon = new Runtime(config, core, logger, opts, pidfile, tlsSetup);
  } catch (err) {
    // Redis logs an unusable ACL setup and exits 1.
    if (!(err instanceof AclConfigError)) throw err;
    logger.log('warning', err.message);
    process.exit(1);
  }
  await daemon.start();
  return daemon;
}

function loadOrExit(configPath: string, extraArgs: string[], logFormat: LogFormat): LoadedConfig {
  try {
    return loadConfig(configPath, extraArgs);
  } catch (err) {
    if (err instanceof ConfigStartupError) {
      // Redis logs these before any logfile is open, so they go to stdout.
      createLogger({ logfile: '', level: 'notice', format: logFormat }).log('warning', err.format());
      process.exit(1);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(err.format());
      process.exit(1);
    }
    throw err;
  }
}

/** Certificates are read once, here: renewed files take effect at the next restart. */
function tlsOrExit(config: LoadedConfig, logger: SentinelLogger): TlsSetup | undefined {
  if (!tlsRequired(config.server.tls)) return undefined;
  try {
    return setUpTls(config.server.tls);
  } catch (err) {
    if (!(err instanceof TlsSetupError)) throw err;
    for (const line of err.lines) logger.log('warning', line);
    logger.log('warning', TLS_SETUP_FAILED);
    process.exit(1);
  }
}

/** The port hellos carry unless announce-port is set: tls-port when links use TLS (§4.1). */
function announcedPort(config: LoadedConfig): number {
  const { port, tls } = config.server;
  return tls.replication && tls.port !== 0 ? tls.port : port;
}

/** Hostnames the config names, resolved before the core first needs them. */
function configuredHosts(config: LoadedConfig): string[] {
  return config.sentinel.masters.flatMap((m) => [
    m.host,
    ...m.knownReplicas.map((r) => r.host),
    ...m.knownSentinels.map((s) => s.host),
  ]);
}

class Runtime implements Daemon {
  readonly server: RespServer;
  private readonly links: LinkManager;
  private readonly scripts: ScriptRunner;
  private readonly commandEnv: SentinelCommandEnv;
  private metrics: MetricsEndpoint | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private readonly metricsOptions: MetricsOptions | undefined;
  private readonly gate = new FlushGate({
    write: () => this.flush(),
    execute: (action) => this.execute(action),
    defer: (fn) => setImmediate(fn),
  });

  constructor(
    private readonly config: LoadedConfig,
    readonly core: Sentinel,
    private readonly logger: SentinelLogger,
    { executable, commandTable, metrics }: DaemonOptions,
    /** Written once listening, removed at shutdown. */
    private readonly pidfile: string | undefined,
    private readonly tlsSetup: TlsSetup | undefined,
  ) {
    this.metricsOptions = metrics;
    // Every callback into the core is followed by carrying out what it decided.
    this.links = new LinkManager(
      {
        onConnected: (conn, localIp) => this.after(() => core.onConnected(conn, localIp)),
        onReply: (token, reply) => this.after(() => core.onReply(token, reply)),
        onConnectionClosed: (conn, reason) => this.after(() => core.onConnectionClosed(conn, reason)),
        onPubsubMessage: (conn, channel, message) =>
          this.after(() => core.onPubsubMessage(conn, channel, message)),
      },
      {
        bindSourceAddr: config.server.bindSourceAddr,
        connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
        tls: config.server.tls.replication ? tlsSetup?.client : undefined,
      },
    );
    this.scripts = new ScriptRunner({
      now: Date.now,
      timings: () => core.view.tunables,
      emit: (event) => this.emitEvent(event),
    });
    this.commandEnv = {
      scripts: this.scripts,
      persist: () => this.carryOut(true),
      resolveNow: blockingLookup,
      getLogLevel: () => config.server.loglevel,
      setLogLevel: (level) => {
        // Kept in the server config too, so that the next flush writes it (as 7.2 does).
        config.server.loglevel = level;
        logger.setLevel(level);
      },
    };
    const context: ServerContext = {
      config,
      executable,
      commandTable,
      startTime: Date.now(),
      now: Date.now,
      // A vote's write is shared with the other drains of this turn: settleConfig makes it
      // before the reply leaves.
      sentinelCommand: (args) => this.after(() => sentinelCommand(core, this.commandEnv, args)),
      settleConfig: () => this.gate.release(),
      masterNames: () => [...core.view.masters.keys()],
      infoSentinelLines: () =>
        infoSentinelLines(core.view, {
          running: this.scripts.runningCount(),
          queued: this.scripts.queuedCount(),
        }),
      onHelloPublish: (payload) => this.after(() => core.onHelloPublish(payload)),
      shutdown: () => void this.shutdown(),
    };
    this.server = new RespServer(context);
  }

  async start(): Promise<void> {
    const { server: serverConfig } = this.config;
    try {
      await this.server.listen(this.tlsSetup);
    } catch (err) {
      this.logger.log('warning', err instanceof Error ? err.message : String(err));
      const [port, kind] = err instanceof ListenError ? [err.port, err.kind] : [serverConfig.port, 'TCP'];
      this.logger.log('warning', `Failed listening on port ${port} (${kind}), aborting.`);
      process.exit(1);
    }
    if (this.metricsOptions !== undefined) await this.startMetrics(this.metricsOptions);
    if (this.pidfile !== undefined) writePidFile(this.pidfile);
    this.logger.log('notice', `Running mode=sentinel, port=${listeningPort(this.config.server)}.`);
    this.installProcessHandlers();
    this.after(() => this.core.start());
    this.scheduleTick();
  }

  private async startMetrics(opts: MetricsOptions): Promise<void> {
    try {
      // Loaded only here: prom-client costs memory a sentinel without the flag should not pay.
      const { startMetrics } = await import('./metrics');
      this.metrics = await startMetrics(opts, {
        view: this.core.view,
        scriptsQueued: () => this.scripts.queuedCount(),
        scriptsRunning: () => this.scripts.runningCount(),
      });
    } catch (err) {
      this.logger.log('warning', err instanceof Error ? err.message : String(err));
      this.logger.log('warning', `Failed listening on metrics port ${opts.bind}:${opts.port}, aborting.`);
      process.exit(1);
    }
    this.logger.log('notice', `Metrics on http://${opts.bind}:${this.metrics.port}/metrics`);
  }

  async shutdown(signal?: NodeJS.Signals): Promise<void> {
    if (this.shuttingDown) {
      // A second Ctrl+C means "now", as in Redis.
      if (signal === 'SIGINT') {
        this.logger.signal('You insist... exiting now.');
        process.exit(1);
      }
      return;
    }
    this.shuttingDown = true;
    if (signal !== undefined) this.logger.signal(`Received ${signal} scheduling shutdown...`);
    clearTimeout(this.tickTimer);
    this.logger.log('warning', 'User requested shutdown...');
    this.gate.release(true);
    const { pidfile } = this;
    if (pidfile !== undefined) {
      this.logger.log('notice', 'Removing the pid file.');
      fs.rmSync(pidfile, { force: true });
    }
    this.links.closeAll();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([this.server.close(), this.metrics?.close()]),
      new Promise<void>((resolve) => {
        grace = setTimeout(resolve, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(grace);
    this.logger.log('warning', 'Sentinel is now ready to exit, bye bye...');
    process.exit(0);
  }

  /**
   * Runs a core call, then the actions it queued: at once, or after this turn's config write
   * when it changed the config (the flush gate).
   */
  private after<T>(call: () => T): T {
    const result = call();
    this.carryOut(false);
    return result;
  }

  /** `writeNow`: the caller must know whether the write worked; false when it failed. */
  private carryOut(writeNow: boolean): boolean {
    return this.gate.carryOut(this.core.drain(), writeNow);
  }

  private execute(action: CarriedAction): void {
    switch (action.kind) {
      case 'connect':
      case 'close':
      case 'send':
        this.links.execute(action);
        return;
      case 'event':
        this.emitEvent(action.event);
        return;
      case 'note':
        this.logger.note(action.level, action.note);
        return;
      case 'resolve':
        void resolveHost(action.host).then((ip) => {
          if (!this.shuttingDown) this.after(() => this.core.onResolved(action.host, ip));
        });
        return;
      case 'script':
        this.scripts.schedule(action.argv);
        return;
      case 'exit':
        // SENTINEL SIMULATE-FAILURE: the core already logged why.
        process.exit(action.code);
    }
  }

  /** Log line, plus a pub/sub message on the channel named like the event unless it is debug. */
  private emitEvent(event: SentinelEvent): void {
    this.logger.event(event);
    this.metrics?.onEvent(event);
    // A removed master's records and links are garbage now; give their memory back.
    if (event.type === '-monitor') collectSoon();
    if (event.level !== 'debug') this.server.publish(event.type, event.payload);
  }

  /** Rewrites the config file from the core's state; false (and a warning line) when it failed. */
  private flush(): boolean {
    try {
      // Users created or changed with ACL SETUSER are part of the state, unless an aclfile holds them.
      const server = this.config.server.aclfile
        ? this.config.server
        : { ...this.config.server, users: this.server.acl.userLines() };
      const { warning } = flushConfig(this.config.path, server, this.core.snapshot());
      if (warning !== undefined) this.logger.log('warning', warning);
      this.logger.log('notice', 'Sentinel new configuration saved on disk');
      return true;
    } catch (err) {
      this.logger.log(
        'warning',
        `WARNING: Sentinel was not able to save the new configuration on disk!!!: ${strerror(err)}`,
      );
      return false;
    }
  }

  /** One sentinel timer pass every 52-100 ms: instances first, then scripts (§1.2). */
  private scheduleTick(): void {
    this.tickTimer = setTimeout(() => {
      this.after(() => this.core.tick());
      this.scripts.check();
      this.scheduleTick();
    }, this.core.nextTickDelay());
  }

  private installProcessHandlers(): void {
    process.on('SIGTERM', () => void this.shutdown('SIGTERM'));
    process.on('SIGINT', () => void this.shutdown('SIGINT'));
    // Redis ignores SIGHUP; Node's default would kill the process.
    process.on('SIGHUP', () => undefined);
    process.on('uncaughtException', (err) => {
      // The config file is only ever replaced atomically, so dying here cannot tear it.
      this.logger.log('warning', `Uncaught exception, exiting: ${err.stack ?? err.message}`);
      process.exit(1);
    });
  }
}

/** Best effort, like Redis: a pidfile that cannot be written is not an error. */
function writePidFile(file: string): void {
  try {
    fs.writeFileSync(file, `${process.pid}\n`);
  } catch {
    // Nothing to do: Redis ignores it too.
  }
}
