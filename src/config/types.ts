/**
 * Plain data exchanged between the config layer and the core: what a sentinel.conf
 * says, and what a flush must write back. The same shapes serve loading and rewriting.
 */
import { type MasterOptions, defaultMasterOptions } from './master-options';

export interface KnownReplica {
  readonly host: string;
  readonly port: number;
}

export interface KnownSentinel {
  readonly host: string;
  readonly port: number;
  readonly runid: string;
}

/**
 * Everything a `sentinel ... <master-name> ...` line can say about one master: its identity,
 * its settings (declared in master-options.ts) and the state a flush persists.
 */
export interface MasterConfig extends MasterOptions {
  name: string;
  /** As written (an IP literal, or a hostname when resolve-hostnames is on). */
  host: string;
  port: number;
  configEpoch: bigint;
  leaderEpoch: bigint;
  knownReplicas: KnownReplica[];
  knownSentinels: KnownSentinel[];
}

/** Global `sentinel ...` settings plus the monitored masters, in file order. */
export interface SentinelConfig {
  myid?: string;
  currentEpoch: bigint;
  announceIp?: string;
  announcePort: number;
  denyScriptsReconfig: boolean;
  resolveHostnames: boolean;
  announceHostnames: boolean;
  sentinelUser?: string;
  sentinelPass?: string;
  masters: MasterConfig[];
}

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

/** `tls-auth-clients`: whether clients of the TLS listener must present a certificate. */
export type TlsAuthClients = 'yes' | 'no' | 'optional';

/** The `tls-*` directives, as written (file paths unresolved, empty strings as undefined). */
export interface TlsConfig {
  /** `tls-port`; 0 means no TLS listener. */
  port: number;
  /** TLS on every outgoing link (masters, replicas, peer sentinels); hellos announce `port`. */
  replication: boolean;
  /** Only makes a data server start TLS; a sentinel accepts it and needs certificates then. */
  cluster: boolean;
  authClients: TlsAuthClients;
  certFile?: string;
  keyFile?: string;
  keyFilePass?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  clientKeyFilePass?: string;
  caCertFile?: string;
  caCertDir?: string;
  dhParamsFile?: string;
  protocols?: string;
  ciphers?: string;
  ciphersuites?: string;
  preferServerCiphers: boolean;
  sessionCaching: boolean;
  sessionCacheSize: number;
  sessionCacheTimeout: number;
}

/** The redis.conf directives a sentinel acts on. Others are accepted and kept verbatim. */
export interface ServerConfig {
  port: number;
  bind: string[];
  bindSourceAddr?: string;
  protectedMode: boolean;
  dir: string;
  logfile: string;
  loglevel: LogLevel;
  /** The file said `loglevel nothing` itself, so its rewrite may keep a level 7.0 cannot load. */
  loglevelNothingInFile?: true;
  pidfile?: string;
  daemonize: boolean;
  requirepass?: string;
  /** `user` lines, each as its argument list after `user`. */
  users: string[][];
  aclfile?: string;
  maxclients: number;
  timeout: number;
  tcpKeepalive: number;
  /** `tcp-backlog`: the listen() queue length. */
  tcpBacklog: number;
  /** `client-output-buffer-limit`, for the two classes of client a sentinel serves. */
  outputBufferLimits: Record<OutputBufferClass, OutputBufferLimit>;
  /** Directives redis-sentinel acts on that this file sets and ts-sentinel does not honour. */
  unhonoured: string[];
  /** `rename-command` for the sentinel's own commands: lower-case name -> new name ('' disables). */
  renameCommands: [string, string][];
  unixsocket?: string;
  /** `unixsocketperm`: mode bits for the socket file; 0 leaves the umask's. */
  unixsocketperm: number;
  tls: TlsConfig;
}

/** Replicas never connect to a sentinel: their class is accepted and not kept. */
export type OutputBufferClass = 'normal' | 'pubsub';

/** One `client-output-buffer-limit` class; 0 turns a limit off. */
export interface OutputBufferLimit {
  readonly hardBytes: number;
  readonly softBytes: number;
  readonly softSeconds: number;
}

export interface LoadedConfig {
  /** Absolute path of the main config file. */
  path: string;
  server: ServerConfig;
  sentinel: SentinelConfig;
}

export const DEFAULT_SENTINEL_PORT = 26379;

/** A `ServerConfig` holding redis-sentinel's defaults, with `dir` as given. */
export function defaultServerConfig(dir: string): ServerConfig {
  return {
    port: DEFAULT_SENTINEL_PORT,
    bind: [],
    protectedMode: false,
    dir,
    logfile: '',
    loglevel: 'notice',
    daemonize: false,
    users: [],
    maxclients: 10000,
    timeout: 0,
    tcpKeepalive: 300,
    tcpBacklog: 511,
    outputBufferLimits: {
      normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
      pubsub: { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 },
    },
    unhonoured: [],
    renameCommands: [],
    unixsocketperm: 0,
    tls: {
      port: 0,
      replication: false,
      cluster: false,
      authClients: 'yes',
      preferServerCiphers: false,
      sessionCaching: true,
      sessionCacheSize: 20 * 1024,
      sessionCacheTimeout: 300,
    },
  };
}

/** The global sentinel settings before any `sentinel` line, with no master. */
export function defaultSentinelConfig(): SentinelConfig {
  return {
    currentEpoch: 0n,
    announcePort: 0,
    denyScriptsReconfig: true,
    resolveHostnames: false,
    announceHostnames: false,
    masters: [],
  };
}

/** What `sentinel monitor <name> <host> <port> <quorum>` alone creates. */
export function newMasterConfig(name: string, host: string, port: number, quorum: number): MasterConfig {
  return {
    name,
    host,
    port,
    ...defaultMasterOptions(quorum),
    configEpoch: 0n,
    leaderEpoch: 0n,
    knownReplicas: [],
    knownSentinels: [],
  };
}
