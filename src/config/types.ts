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
  /** `rename-command` for the sentinel's own commands: lower-case name -> new name ('' disables). */
  renameCommands: [string, string][];
  unixsocket?: string;
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
    renameCommands: [],
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
