/**
 * The SENTINEL command family (§10.2-10.7): argument parsing and reply shapes. The core
 * decides and changes state through its typed operations; this file only translates, and
 * never writes core state nor reads the clock.
 */
import { LOG_LEVELS } from '../../config/server-directives';
import type { LogLevel } from '../../config/types';
import { isExecutable } from '../../config/file-checks';
import { lookupSetOption } from '../../config/master-options';
import type { FailurePoint, GlobalSetting, SetRequest } from '../../core/admin';
import { checkQuorum } from '../../core/detection';
import type { FailoverMode } from '../../core/model';
import type { Sentinel } from '../../core/sentinel';
import { DEBUG_KEYS, type Tunables } from '../../core/tunables';
import type { CoreView, MasterView } from '../../core/view';
import { type ErrorArgs, type ErrorCode, type Outcome, errorText } from '../../errors';
import { preEncoded } from '../../protocol/encoder';
import { type Reply, reply } from '../../protocol/reply';
import { globMatch } from '../../util/glob';
import { string2ll } from '../../util/redis-parsing';
import type { ScriptQueueView } from '../context';
import type { SentinelSubcommand } from '../../commands/table';
import { SENTINEL_HELP } from './sentinel-help';
import { infoCacheReply, instanceReply } from './sentinel-view';

export interface SentinelCommandEnv {
  scripts: ScriptQueueView;
  /**
   * Carries out what the core decided so far (its merged config flush first), before the
   * reply leaves; false when the config file could not be saved.
   */
  persist(): boolean;
  /** Looks a hostname up now, as redis-sentinel does for SENTINEL MONITOR; null when unknown. */
  resolveNow(host: string): string | null;
  /** The server's `loglevel`, which SENTINEL CONFIG reads and sets as Redis 7.2 does. */
  getLogLevel(): LogLevel;
  /** Applies at once and is persisted by the next flush. */
  setLogLevel(level: LogLevel): void;
}

const error = <C extends ErrorCode>(code: C, ...args: ErrorArgs<C>): Reply =>
  reply.error(errorText(code, ...args));
const NO_SUCH_MASTER = error('SNT_ERR_NO_SUCH_MASTER');
const SAVE_FAILED = error('SNT_ERR_SAVE_FAILED');

/** The last GET-MASTER-ADDR-BY-NAME answer per master, encoded once: clients ask far more often than it changes. */
const lastAddress = new WeakMap<MasterView, { ip: string; port: number; reply: Reply }>();

function addressReply(m: MasterView, ip: string, port: number): Reply {
  const last = lastAddress.get(m);
  if (last !== undefined && last.ip === ip && last.port === port) return last.reply;
  const r = preEncoded(reply.array([reply.bulk(ip), reply.bulk(String(port))]));
  lastAddress.set(m, { ip, port, reply: r });
  return r;
}

/** OK, or the error of a typed operation. */
function outcomeReply(o: Outcome): Reply {
  return o.ok ? reply.ok : reply.error(o.error.message);
}

/** After a state change: OK when it is on disk. */
function savedReply(env: SentinelCommandEnv): Reply {
  return env.persist() ? reply.ok : SAVE_FAILED;
}

/**
 * Executes `SENTINEL <args...>`; `args` excludes the word SENTINEL. The dispatcher has checked
 * the subcommand and its arity against the command table and passes it as the table names it.
 */
export function sentinelCommand(core: Sentinel, env: SentinelCommandEnv, args: readonly string[]): Reply {
  const sub = args[0] as SentinelSubcommand;
  const view = core.view;
  const master = (name: string | undefined) => view.masters.get(name ?? '') ?? null;
  const a = (i: number): string => args[i] ?? '';

  switch (sub) {
    case 'help':
      return help();
    case 'masters':
    case 'primaries':
      return reply.array([...view.masters.values()].map((m) => instanceReply(view, m)));
    case 'master':
    case 'primary': {
      const m = master(args[1]);
      return m ? instanceReply(view, m) : NO_SUCH_MASTER;
    }
    case 'replicas':
    case 'slaves': {
      const m = master(args[1]);
      if (!m) return NO_SUCH_MASTER;
      const shown = [...m.replicas.values()].filter((r) => r.announced);
      return reply.array(shown.map((r) => instanceReply(view, r)));
    }
    case 'sentinels': {
      const m = master(args[1]);
      return m ? reply.array([...m.sentinels.values()].map((s) => instanceReply(view, s))) : NO_SUCH_MASTER;
    }
    case 'myid':
      return reply.bulk(view.myid);
    case 'get-master-addr-by-name':
    case 'get-primary-addr-by-name': {
      const m = master(args[1]);
      if (!m) return reply.nullArray;
      const addr = view.currentMasterAddress(m);
      return addressReply(m, view.announceAddr(addr), addr.port);
    }
    case 'is-master-down-by-addr':
    case 'is-primary-down-by-addr':
      return isMasterDownByAddr(core, args);
    case 'reset':
      return reply.int(core.reset((name) => globMatch(a(1), name)));
    case 'failover':
      return failover(core, args);
    case 'pending-scripts':
      return pendingScripts(env.scripts);
    case 'monitor':
      return monitor(core, env, args);
    case 'flushconfig':
      core.requestFlush();
      return savedReply(env);
    case 'remove': {
      const r = core.remove(a(1));
      return r.ok ? savedReply(env) : outcomeReply(r);
    }
    case 'ckquorum': {
      const m = master(args[1]);
      if (!m) return NO_SUCH_MASTER;
      return ckquorum(checkQuorum(m));
    }
    case 'set':
      return set(core, env, args);
    case 'info-cache':
      return infoCacheReply(view, args.slice(1));
    case 'simulate-failure':
      return simulateFailure(core, args.slice(1));
    case 'debug':
      return debug(core, args.slice(1));
    case 'config':
      return config(core, env, args);
  }
}

/** SENTINEL FAILOVER <name> [COORDINATED [FORCE]]: FORCE falls back to a plain failover. */
function failover(core: Sentinel, args: readonly string[]): Reply {
  const words = args.slice(2).map((w) => w.toLowerCase());
  const mode: FailoverMode | null =
    words.length === 0
      ? 'plain'
      : words[0] === 'coordinated' && words.length === 1
        ? 'coordinated'
        : words[0] === 'coordinated' && words[1] === 'force' && words.length === 2
          ? 'coordinated-or-plain'
          : null;
  if (mode === null) return error('SNT_ERR_SYNTAX');
  return outcomeReply(core.failover(args[1] ?? '', mode));
}

function help(): Reply {
  const lines = [
    'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    ...SENTINEL_HELP,
    'HELP',
    '    Prints this help.',
  ];
  return reply.array(lines.map((l) => reply.simple(l)));
}

function ckquorum(q: ReturnType<typeof checkQuorum>): Reply {
  const problems: string[] = [];
  if (!q.quorumReachable) {
    problems.push('Not enough available Sentinels to reach the specified quorum for this master');
  }
  if (!q.majorityReachable) {
    problems.push('Not enough available Sentinels to reach the majority and authorize a failover');
  }
  if (problems.length === 0) {
    return reply.simple(`OK ${q.usable} usable Sentinels. Quorum and failover authorization can be reached`);
  }
  return error('SNT_ERR_NOQUORUM', `${q.usable} usable Sentinels. ${problems.join('. ')}`);
}

function isMasterDownByAddr(core: Sentinel, args: readonly string[]): Reply {
  const port = string2ll(args[2] ?? '');
  const epoch = string2ll(args[3] ?? '');
  // redis-sentinel casts a negative epoch to 2^64-1 and spreads it by gossip; refuse it instead.
  if (port === null || epoch === null || epoch < 0n) return error('SNT_ERR_NOT_AN_INTEGER');
  const answer = core.isMasterDownByAddr(args[1] ?? '', Number(port), epoch, args[4] ?? '*');
  return reply.array([
    reply.int(answer.down ? 1 : 0),
    reply.bulk(answer.leader),
    reply.int(answer.leaderEpoch),
  ]);
}

function pendingScripts(scripts: ScriptQueueView): Reply {
  return reply.array(
    scripts.pending().map((s) =>
      reply.map([
        [reply.bulk('argv'), reply.array(s.argv.map((x) => reply.bulk(x)))],
        [reply.bulk('flags'), reply.bulk(s.running ? 'running' : 'scheduled')],
        [reply.bulk('pid'), reply.bulk(String(s.pid))],
        [reply.bulk(s.running ? 'run-time' : 'run-delay'), reply.bulk(String(s.runTimeOrDelay))],
        [reply.bulk('retry-num'), reply.bulk(String(s.retryNum))],
      ]),
    ),
  );
}

function monitor(core: Sentinel, env: SentinelCommandEnv, args: readonly string[]): Reply {
  const [, name = '', host = '', portText = '', quorumText = ''] = args;
  const quorum = string2ll(quorumText);
  if (quorum === null) return error('SNT_ERR_INVALID_QUORUM');
  const port = string2ll(portText);
  if (port === null) return error('SNT_ERR_INVALID_PORT');
  // redis-sentinel resolves the name within the command; the answer reaches the core as any other.
  if (core.view.settings.resolveHostnames && core.view.masters.get(name) === undefined) {
    core.onResolved(host, env.resolveNow(host));
  }
  const r = core.monitor(name, host, Number(port), Number(quorum));
  return r.ok ? savedReply(env) : outcomeReply(r);
}

/** Options apply left to right; on the first error earlier ones stay applied and are saved (§10.6). */
function set(core: Sentinel, env: SentinelCommandEnv, args: readonly string[]): Reply {
  if (!core.view.masters.has(args[1] ?? '')) return NO_SUCH_MASTER;
  const requests: SetRequest[] = [];
  let unknown: Reply | null = null;
  for (let j = 2; j < args.length; ) {
    const typed = args[j] ?? '';
    const option = lookupSetOption(typed);
    const values = option ? args.slice(j + 1, j + 1 + option.arity) : [];
    if (!option || values.length !== option.arity) {
      unknown = error('SNT_ERR_SET_UNKNOWN_OPTION', typed);
      break;
    }
    const path = values[0] ?? '';
    const executable = option.scriptError !== undefined && path !== '' && isExecutable(path);
    requests.push({ option, typed, values, executable });
    j += 1 + option.arity;
  }
  const applied = core.setMasterOptions(args[1] ?? '', requests);
  const saved = env.persist();
  if (!applied.ok) return reply.error(applied.error.message);
  if (unknown !== null) return unknown;
  return saved ? reply.ok : SAVE_FAILED;
}

const FAILURE_POINTS: readonly FailurePoint[] = ['crash-after-election', 'crash-after-promotion'];

function simulateFailure(core: Sentinel, flags: readonly string[]): Reply {
  const points: FailurePoint[] = [];
  let outcome: Reply = reply.ok;
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    const point = FAILURE_POINTS.find((p) => p === lower);
    if (point !== undefined) {
      points.push(point);
      continue;
    }
    outcome =
      lower === 'help'
        ? reply.array(FAILURE_POINTS.map((p) => reply.bulk(p)))
        : error('SNT_ERR_UNKNOWN_FAILURE_SIMULATION');
    break;
  }
  // The points named before a HELP or an unknown one stay armed, as in redis-sentinel.
  core.simulateFailure(points);
  return outcome;
}

function debug(core: Sentinel, args: readonly string[]): Reply {
  if (args.length === 0) {
    const t = core.view.tunables;
    return reply.map(
      DEBUG_KEYS.map(([name, key]) => [reply.bulk(name.toUpperCase()), reply.bulk(String(t[key]))]),
    );
  }
  const values: [keyof Tunables, number][] = [];
  let refused: Reply | null = null;
  for (let j = 0; j < args.length && refused === null; j += 2) {
    const option = args[j] ?? '';
    const key = DEBUG_KEYS.find(([name]) => name === option.toLowerCase())?.[1];
    const value = args[j + 1];
    const n = value === undefined ? null : string2ll(value);
    if (key === undefined || value === undefined) refused = error('SNT_ERR_DEBUG_UNKNOWN_OPTION', option);
    else if (n === null || n <= 0n) refused = error('SNT_ERR_DEBUG_INVALID_ARGUMENT', value, option);
    else values.push([key, Number(n)]);
  }
  // Values before a bad one stay applied, as in redis-sentinel.
  core.setTunables(values);
  return refused ?? reply.ok;
}

const CONFIG_PARAMS = [
  'resolve-hostnames',
  'announce-hostnames',
  'announce-ip',
  'announce-port',
  'sentinel-user',
  'sentinel-pass',
  // Not in 7.0; Redis 7.2 added it, last in CONFIG GET's order.
  'loglevel',
] as const;

function configValue(view: CoreView, env: SentinelCommandEnv, name: (typeof CONFIG_PARAMS)[number]): string {
  const g = view.settings;
  switch (name) {
    case 'resolve-hostnames':
      return g.resolveHostnames ? 'yes' : 'no';
    case 'announce-hostnames':
      return g.announceHostnames ? 'yes' : 'no';
    case 'announce-ip':
      return g.announceIp ?? '';
    case 'announce-port':
      return String(g.announcePort);
    case 'sentinel-user':
      return g.sentinelUser ?? '';
    case 'sentinel-pass':
      return g.sentinelPass ?? '';
    case 'loglevel':
      return env.getLogLevel();
  }
}

/** A SENTINEL CONFIG SET value parsed; null when the value is refused. */
function parseGlobalSetting(param: string, value: string): GlobalSetting | null {
  const yesNo = value.toLowerCase() === 'yes' ? true : value.toLowerCase() === 'no' ? false : null;
  switch (param) {
    case 'resolve-hostnames':
    case 'announce-hostnames':
      return yesNo === null ? null : { key: param, value: yesNo };
    case 'announce-ip':
    case 'sentinel-user':
    case 'sentinel-pass':
      // redis-sentinel would announce "" verbatim and peers would drop us; "" unsets it instead.
      return { key: param, value: value === '' ? undefined : value };
    case 'announce-port': {
      const n = string2ll(value);
      return n === null || n < 0n || n > 65535n ? null : { key: param, value: Number(n) };
    }
    default:
      return null;
  }
}

/**
 * SENTINEL CONFIG GET <pattern> [...] / SET <param> <value> [...], as Redis 7.2: every pair is
 * checked before any is applied, and GET names each matching parameter once.
 */
function config(core: Sentinel, env: SentinelCommandEnv, args: readonly string[]): Reply {
  if (args.length < 3) return error('SNT_ERR_WRONG_ARITY', 'sentinel|config');
  const action = (args[1] ?? '').toLowerCase();
  if (action === 'get') return configGet(core.view, env, args.slice(2));
  if (action === 'set' && args.length >= 4) return configSet(core, env, args.slice(2));
  return error('SNT_ERR_CONFIG_USAGE');
}

function configGet(view: CoreView, env: SentinelCommandEnv, patterns: readonly string[]): Reply {
  const shown = new Set<(typeof CONFIG_PARAMS)[number]>();
  for (const pattern of patterns) {
    for (const p of CONFIG_PARAMS) if (globMatch(pattern, p, true)) shown.add(p);
  }
  // In the order the patterns first match them, as Redis answers.
  return reply.bulkMap([...shown].map((p) => [p, configValue(view, env, p)]));
}

type ParsedSetting = { kind: 'core'; setting: GlobalSetting } | { kind: 'loglevel'; level: LogLevel };

function configSet(core: Sentinel, env: SentinelCommandEnv, pairs: readonly string[]): Reply {
  const parsed: ParsedSetting[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < pairs.length; i += 2) {
    const param = pairs[i] ?? '';
    const lower = param.toLowerCase();
    const known = CONFIG_PARAMS.find((p) => p === lower);
    if (known === undefined) return error('SNT_ERR_CONFIG_UNKNOWN_PARAMETER', param);
    if (seen.has(known)) return error('SNT_ERR_CONFIG_DUPLICATE_PARAMETER', param);
    seen.add(known);
    const value = pairs[i + 1];
    if (value === undefined) return error('SNT_ERR_CONFIG_MISSING_VALUE', param);
    const setting = parseSetting(known, value);
    if (setting === null) return error('SNT_ERR_CONFIG_INVALID_VALUE', value, param);
    parsed.push(setting);
  }
  for (const s of parsed) {
    if (s.kind === 'loglevel') {
      env.setLogLevel(s.level);
      core.requestFlush();
    } else {
      core.configSet(s.setting);
    }
  }
  return savedReply(env);
}

/** A SENTINEL CONFIG SET value parsed; null when the value is refused. */
function parseSetting(param: (typeof CONFIG_PARAMS)[number], value: string): ParsedSetting | null {
  if (param === 'loglevel') {
    // Case-insensitive, and `nothing` too, as in 7.2; see rewrite.ts for how the file holds it.
    const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
    return level === undefined ? null : { kind: 'loglevel', level };
  }
  const setting = parseGlobalSetting(param, value);
  return setting === null ? null : { kind: 'core', setting };
}
