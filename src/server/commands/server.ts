/** INFO, ROLE and SHUTDOWN as a sentinel answers them. */
import * as os from 'os';
import { REDIS_VERSION } from '../../config/errors';
import { reply } from '../../protocol/reply';
import { errorReply } from '../replies';
import { listeningPort } from '../tls';
import type { CommandCall, ServerHost } from '../types';

const INFO_SECTIONS = ['server', 'clients', 'stats', 'cpu', 'sentinel'] as const;
type InfoSection = (typeof INFO_SECTIONS)[number];

/** Which sections INFO prints: sentinel's five by default, unknown names silently ignored. */
export function infoSections(args: readonly string[]): Set<InfoSection> {
  if (args.length === 0) return new Set(INFO_SECTIONS);
  const wanted = new Set<InfoSection>();
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'default' || a === 'all' || a === 'everything') {
      INFO_SECTIONS.forEach((s) => wanted.add(s));
    } else if ((INFO_SECTIONS as readonly string[]).includes(a)) {
      wanted.add(a as InfoSection);
    }
  }
  return wanted;
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

function serverSection(host: ServerHost): string[] {
  const now = host.ctx.now();
  const uptime = Math.floor((now - host.ctx.startTime) / 1000);
  return [
    `redis_version:${REDIS_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    'redis_build_id:0',
    'redis_mode:sentinel',
    `os:${os.type()} ${os.release()} ${os.machine()}`,
    `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
    'monotonic_clock:POSIX clock_gettime',
    `multiplexing_api:${multiplexingApi()}`,
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${host.runId}`,
    `tcp_port:${listeningPort(host.ctx.config.server)}`,
    `server_time_usec:${now * 1000}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    'hz:10',
    'configured_hz:10',
    // Redis's LRU clock: seconds, wrapped to 24 bits.
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${host.ctx.executable}`,
    `config_file:${host.ctx.config.path}`,
    'io_threads_active:0',
  ];
}

function clientsSection(host: ServerHost): string[] {
  const clients = host.clients();
  const maxIn = Math.max(0, ...clients.map((c) => c.inputBufferBytes()));
  const maxOut = Math.max(0, ...clients.map((c) => c.outputBufferBytes()));
  return [
    `connected_clients:${clients.length}`,
    'cluster_connections:0',
    `maxclients:${host.ctx.config.server.maxclients}`,
    `client_recent_max_input_buffer:${maxIn}`,
    `client_recent_max_output_buffer:${maxOut}`,
    `blocked_clients:${clients.filter((c) => c.isPostponed()).length}`,
    `tracking_clients:${clients.filter((c) => c.tracking !== null).length}`,
    'clients_in_timeout_table:0',
  ];
}

function statsSection(host: ServerHost): string[] {
  const s = host.stats;
  const zero = (names: string): string[] => names.split(' ').map((n) => `${n}:0`);
  return [
    `total_connections_received:${s.connectionsReceived}`,
    `total_commands_processed:${s.commandsProcessed}`,
    'instantaneous_ops_per_sec:0',
    `total_net_input_bytes:${s.netInputBytes}`,
    `total_net_output_bytes:${s.netOutputBytes}`,
    'total_net_repl_input_bytes:0',
    'total_net_repl_output_bytes:0',
    'instantaneous_input_kbps:0.00',
    'instantaneous_output_kbps:0.00',
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${s.rejectedConnections}`,
    ...zero('sync_full sync_partial_ok sync_partial_err expired_keys'),
    'expired_stale_perc:0.00',
    ...zero(
      'expired_time_cap_reached_count expire_cycle_cpu_milliseconds evicted_keys evicted_clients ' +
        'total_eviction_exceeded_time current_eviction_exceeded_time keyspace_hits keyspace_misses',
    ),
    `pubsub_channels:${host.pubsub.channelCount}`,
    `pubsub_patterns:${host.pubsub.patternCount}`,
    ...zero(
      'pubsubshard_channels latest_fork_usec total_forks migrate_cached_sockets slave_expires_tracked_keys ' +
        'active_defrag_hits active_defrag_misses active_defrag_key_hits active_defrag_key_misses ' +
        'total_active_defrag_time current_active_defrag_time tracking_total_keys tracking_total_items ' +
        'tracking_total_prefixes unexpected_error_replies',
    ),
    `total_error_replies:${s.errorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:${s.readsProcessed}`,
    `total_writes_processed:${s.writesProcessed}`,
    ...zero(
      'io_threaded_reads_processed io_threaded_writes_processed reply_buffer_shrinks reply_buffer_expands',
    ),
  ];
}

function cpuSection(): string[] {
  const { user, system } = process.cpuUsage();
  const sec = (us: number): string => (us / 1e6).toFixed(6);
  return [
    `used_cpu_sys:${sec(system)}`,
    `used_cpu_user:${sec(user)}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${sec(system)}`,
    `used_cpu_user_main_thread:${sec(user)}`,
  ];
}

export function info(call: CommandCall): void {
  const { host } = call;
  const wanted = infoSections(call.argv.slice(1).map((a) => a.toString('utf8')));
  const blocks: string[] = [];
  const add = (title: string, lines: readonly string[]): void => {
    blocks.push(`# ${title}\r\n${lines.map((l) => `${l}\r\n`).join('')}`);
  };
  if (wanted.has('server')) add('Server', serverSection(host));
  if (wanted.has('clients')) add('Clients', clientsSection(host));
  if (wanted.has('stats')) add('Stats', statsSection(host));
  if (wanted.has('cpu')) add('CPU', cpuSection());
  if (wanted.has('sentinel')) add('Sentinel', host.ctx.infoSentinelLines());
  // redis-sentinel answers INFO with a plain bulk string even to RESP3 clients.
  call.reply(reply.bulk(blocks.join('\r\n')));
}

export function role(call: CommandCall): void {
  const names = call.host.ctx.masterNames().map((n) => reply.bulk(n));
  call.reply(reply.array([reply.bulk('sentinel'), reply.array(names)]));
}

export function shutdown(call: CommandCall): void {
  const flags = new Set<string>();
  for (const a of call.argv.slice(1)) {
    const f = a.toString('latin1').toLowerCase();
    if (!['nosave', 'save', 'now', 'force', 'abort'].includes(f)) {
      call.reply(errorReply('SNT_ERR_SYNTAX'));
      return;
    }
    flags.add(f);
  }
  const abort = flags.delete('abort');
  if ((abort && flags.size > 0) || (flags.has('nosave') && flags.has('save'))) {
    call.reply(errorReply('SNT_ERR_SYNTAX'));
    return;
  }
  // A sentinel shuts down at once (never saves), so there is never a shutdown to abort.
  if (abort) {
    call.reply(errorReply('SNT_ERR_NO_SHUTDOWN_IN_PROGRESS'));
    return;
  }
  call.host.ctx.shutdown();
}
