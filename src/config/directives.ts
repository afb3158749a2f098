/**
 * Names of the directives a Redis 7.0.15 config file may contain, taken from the
 * `static_configs` table of config.c plus the directives parsed by hand there.
 */

const STANDARD_CONFIG_NAMES = `
rdbchecksum daemonize io-threads-do-reads always-show-logo protected-mode rdbcompression
rdb-del-sync-files activerehashing stop-writes-on-bgsave-error set-proc-title
dynamic-hz lazyfree-lazy-eviction lazyfree-lazy-expire lazyfree-lazy-server-del
lazyfree-lazy-user-del lazyfree-lazy-user-flush repl-disable-tcp-nodelay repl-diskless-sync
aof-rewrite-incremental-fsync no-appendfsync-on-rewrite cluster-require-full-coverage
rdb-save-incremental-fsync aof-load-truncated aof-use-rdb-preamble aof-timestamp-enabled
cluster-replica-no-failover replica-lazy-flush replica-serve-stale-data replica-read-only
replica-ignore-maxmemory jemalloc-bg-thread activedefrag syslog-enabled cluster-enabled
appendonly cluster-allow-reads-when-down cluster-allow-pubsubshard-when-down crash-log-enabled
crash-memcheck-enabled use-exit-on-panic disable-thp cluster-allow-replica-migration
replica-announced latency-tracking aof-disable-auto-gc replica-ignore-disk-write-errors aclfile
unixsocket pidfile replica-announce-ip masteruser cluster-announce-ip cluster-config-file
cluster-announce-hostname syslog-ident dbfilename appendfilename appenddirname server_cpulist
bio_cpulist aof_rewrite_cpulist bgsave_cpulist ignore-warnings proc-title-template
bind-source-addr logfile masterauth requirepass supervised syslog-facility repl-diskless-load
loglevel maxmemory-policy appendfsync oom-score-adj acl-pubsub-default sanitize-dump-payload
enable-protected-configs enable-debug-command enable-module-command cluster-preferred-endpoint-type
propagation-error-behavior shutdown-on-sigint shutdown-on-sigterm databases port io-threads
auto-aof-rewrite-percentage cluster-replica-validity-factor list-max-listpack-size
tcp-keepalive cluster-migration-barrier active-defrag-cycle-min active-defrag-cycle-max
active-defrag-threshold-lower active-defrag-threshold-upper lfu-log-factor lfu-decay-time
replica-priority repl-diskless-sync-delay maxmemory-samples maxmemory-eviction-tenacity timeout
replica-announce-port tcp-backlog cluster-port cluster-announce-bus-port cluster-announce-port
cluster-announce-tls-port repl-timeout repl-ping-replica-period list-compress-depth
rdb-key-save-delay key-load-delay active-expire-effort hz min-replicas-to-write
min-replicas-max-lag watchdog-period shutdown-timeout repl-diskless-sync-max-replicas
maxclients unixsocketperm socket-mark-id active-defrag-max-scan-fields slowlog-max-len
acllog-max-len busy-reply-threshold cluster-node-timeout slowlog-log-slower-than
latency-monitor-threshold proto-max-bulk-len stream-node-max-entries repl-backlog-size
maxmemory cluster-link-sendbuf-limit hash-max-listpack-entries set-max-intset-entries
zset-max-listpack-entries active-defrag-ignore-bytes hash-max-listpack-value stream-node-max-bytes
zset-max-listpack-value hll-sparse-max-bytes tracking-table-max-keys client-query-buffer-limit
maxmemory-clients repl-backlog-ttl auto-aof-rewrite-min-size loading-process-events-interval-bytes
tls-port tls-session-cache-size tls-session-cache-timeout tls-cluster tls-replication
tls-auth-clients tls-prefer-server-ciphers tls-session-caching tls-cert-file tls-key-file
tls-key-file-pass tls-client-cert-file tls-client-key-file tls-client-key-file-pass
tls-dh-params-file tls-ca-cert-file tls-ca-cert-dir tls-protocols tls-ciphers tls-ciphersuites
dir save client-output-buffer-limit oom-score-adj-values notify-keyspace-events bind replicaof
latency-tracking-info-percentiles
`
  .trim()
  .split(/\s+/);

/** Old name -> current name; Redis accepts both spellings. */
const CONFIG_ALIASES: ReadonlyMap<string, string> = new Map([
  ['cluster-slave-no-failover', 'cluster-replica-no-failover'],
  ['slave-lazy-flush', 'replica-lazy-flush'],
  ['slave-serve-stale-data', 'replica-serve-stale-data'],
  ['slave-read-only', 'replica-read-only'],
  ['slave-ignore-maxmemory', 'replica-ignore-maxmemory'],
  ['slave-announce-ip', 'replica-announce-ip'],
  ['cluster-slave-validity-factor', 'cluster-replica-validity-factor'],
  ['list-max-ziplist-size', 'list-max-listpack-size'],
  ['slave-priority', 'replica-priority'],
  ['slave-announce-port', 'replica-announce-port'],
  ['repl-ping-slave-period', 'repl-ping-replica-period'],
  ['min-slaves-to-write', 'min-replicas-to-write'],
  ['min-slaves-max-lag', 'min-replicas-max-lag'],
  ['lua-time-limit', 'busy-reply-threshold'],
  ['hash-max-ziplist-entries', 'hash-max-listpack-entries'],
  ['zset-max-ziplist-entries', 'zset-max-listpack-entries'],
  ['hash-max-ziplist-value', 'hash-max-listpack-value'],
  ['zset-max-ziplist-value', 'zset-max-listpack-value'],
  ['slaveof', 'replicaof'],
]);

/** Configs that take several arguments; every other standard config takes exactly one. */
const MULTI_ARG_CONFIGS: ReadonlySet<string> = new Set([
  'shutdown-on-sigint',
  'shutdown-on-sigterm',
  'save',
  'client-output-buffer-limit',
  'oom-score-adj-values',
  'bind',
  'replicaof',
  'latency-tracking-info-percentiles',
]);

const STANDARD_CONFIGS: ReadonlySet<string> = new Set(STANDARD_CONFIG_NAMES);

export interface StandardConfig {
  /** The primary name, even when looked up by an alias. */
  readonly name: string;
  readonly multiArg: boolean;
}

/** Case-insensitive lookup in the standard config table, aliases included. */
export function lookupStandardConfig(name: string): StandardConfig | undefined {
  const lower = name.toLowerCase();
  const primary = CONFIG_ALIASES.get(lower) ?? lower;
  if (!STANDARD_CONFIGS.has(primary)) return undefined;
  return { name: primary, multiArg: MULTI_ARG_CONFIGS.has(primary) };
}

/** Directives parsed outside the standard table; CONFIG REWRITE leaves them alone. */
export const HAND_PARSED_DIRECTIVES: ReadonlySet<string> = new Set([
  'include',
  'rename-command',
  'user',
  'loadmodule',
  'sentinel',
]);

/** Removed configs still accepted (and ignored) when given exactly one argument. */
export const DEPRECATED_CONFIGS: ReadonlySet<string> = new Set([
  'list-max-ziplist-entries',
  'list-max-ziplist-value',
  'lua-replicate-commands',
]);

/** `sentinel` options applied before `monitor` lines, whatever their place in the file. */
export const PRE_MONITOR_OPTIONS: ReadonlySet<string> = new Set([
  'announce-ip',
  'announce-port',
  'deny-scripts-reconfig',
  'sentinel-user',
  'sentinel-pass',
  'current-epoch',
  'myid',
  'resolve-hostnames',
  'announce-hostnames',
]);
