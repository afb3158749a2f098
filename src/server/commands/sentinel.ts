/**
 * The SENTINEL command family (§10.2-10.7): argument parsing and reply shapes.
 * Decisions and state changes live in the core; this file only translates.
 */
import { LOG_LEVELS } from '../../config/server-directives';
import type { LogLevel } from '../../config/types';
import { isExecutable } from '../../config/file-checks';
import { FAILOVER_STATE_NAMES, type Instance, type MasterInstance, instanceFlags } from '../../core/model';
import type { Sentinel } from '../../core/sentinel';
import { DEBUG_KEYS } from '../../core/tunables';
import { type Reply, reply } from '../../protocol/reply';
import { globMatch } from '../../util/glob';
import { string2ll } from '../../util/redis-parsing';
import type { ScriptQueueView } from '../context';
import { SENTINEL_HELP } from './sentinel-help';

export interface SentinelCommandEnv {
  scripts: ScriptQueueView;
  /** Rewrites the config file now; false when it could not be saved. */
  flushConfig(): boolean;
  /** The server's `loglevel`, which SENTINEL CONFIG reads and sets as Redis 7.2 does. */
  getLogLevel(): LogLevel;
  /** Applies at once and is persisted by the next flush. */
  setLogLevel(level: LogLevel): void;
}

const NO_SUCH_MASTER = reply.error('ERR No such master with that name');
const SAVE_FAILED = reply.error('ERR Failed to save config file. Check server logs.');

/** Arity per subcommand, Redis convention: positive = exact, negative = at least. Counts SENTINEL itself. */
const ARITY: Record<string, number> = {
  ckquorum: 3,
  config: -3,
  debug: -2,
  failover: 3,
  flushconfig: 2,
  'get-master-addr-by-name': 3,
  help: 2,
  'info-cache': -3,
  'is-master-down-by-addr': 6,
  master: 3,
  masters: 2,
  monitor: 6,
  myid: 2,
  'pending-scripts': 2,
  remove: 3,
  replicas: 3,
  reset: 3,
  sentinels: 3,
  set: -5,
  'simulate-failure': -3,
  slaves: 3,
};

export const SENTINEL_SUBCOMMANDS: readonly string[] = Object.keys(ARITY);

/** Executes `SENTINEL <args...>`; `args` excludes the word SENTINEL. */
export function sentinelCommand(core: Sentinel, env: SentinelCommandEnv, args: readonly string[]): Reply {
  const typed = args[0] ?? '';
  const sub = typed.toLowerCase();
  const arity = ARITY[sub];
  if (arity === undefined) return reply.error(`ERR unknown subcommand '${typed}'. Try SENTINEL HELP.`);
  const argc = args.length + 1;
  if ((arity > 0 && argc !== arity) || (arity < 0 && argc < -arity)) {
    return reply.error(`ERR wrong number of arguments for 'sentinel|${sub}' command`);
  }
  const master = (name: string | undefined): MasterInstance | null => core.masters.get(name ?? '') ?? null;
  const a = (i: number): string => args[i] ?? '';

  switch (sub) {
    case 'help':
      return help();
    case 'masters':
      return reply.array([...core.masters.values()].map((m) => instanceReply(core, m)));
    case 'master': {
      const m = master(args[1]);
      return m ? instanceReply(core, m) : NO_SUCH_MASTER;
    }
    case 'replicas':
    case 'slaves': {
      const m = master(args[1]);
      if (!m) return NO_SUCH_MASTER;
      const shown = [...m.replicas.values()].filter((r) => r.announced);
      return reply.array(shown.map((r) => instanceReply(core, r)));
    }
    case 'sentinels': {
      const m = master(args[1]);
      return m ? reply.array([...m.sentinels.values()].map((s) => instanceReply(core, s))) : NO_SUCH_MASTER;
    }
    case 'myid':
      return reply.bulk(core.myid);
    case 'get-master-addr-by-name': {
      const m = master(args[1]);
      if (!m) return reply.nullArray;
      const addr = core.currentMasterAddress(m);
      return reply.array([reply.bulk(core.announceAddr(addr)), reply.bulk(String(addr.port))]);
    }
    case 'is-master-down-by-addr':
      return isMasterDownByAddr(core, args);
    case 'reset':
      return reply.int(core.resetByPattern((name) => globMatch(a(1), name)));
    case 'failover': {
      const r = core.userFailover(a(1));
      return r.ok ? reply.ok : reply.error(r.error);
    }
    case 'pending-scripts':
      return pendingScripts(env.scripts);
    case 'monitor':
      return monitor(core, env, args);
    case 'flushconfig':
      return env.flushConfig() ? reply.ok : SAVE_FAILED;
    case 'remove': {
      const r = core.remove(a(1));
      if (!r.ok) return reply.error(r.error);
      return env.flushConfig() ? reply.ok : SAVE_FAILED;
    }
    case 'ckquorum': {
      const m = master(args[1]);
      if (!m) return NO_SUCH_MASTER;
      const q = core.ckquorum(m);
      return q.ok ? reply.simple(q.text) : reply.error(q.text);
    }
    case 'set':
      return set(core, env, args);
    case 'info-cache':
      return infoCache(core, args.slice(1));
    case 'simulate-failure':
      return simulateFailure(core, args.slice(1));
    case 'debug':
      return debug(core, args.slice(1));
    case 'config':
      return config(core, env, args);
    default:
      return reply.error(`ERR unknown subcommand '${typed}'. Try SENTINEL HELP.`);
  }
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

/** The field list of §10.4, in redis-sentinel's order; every value is a bulk string. */
export function instanceFields(core: Sentinel, inst: Instance, now: number): [string, string][] {
  const link = inst.link;
  const f: [string, string][] = [
    ['name', inst.name],
    ['ip', core.announceAddr(inst.addr)],
    ['port', String(inst.addr.port)],
    ['runid', inst.runid],
    ['flags', instanceFlags(inst).join(',')],
    ['link-pending-commands', String(link.pendingCommands)],
    ['link-refcount', String(link.refcount)],
  ];
  if (inst.kind === 'master' && inst.failoverInProgress) {
    f.push(['failover-state', FAILOVER_STATE_NAMES[inst.failoverState]]);
  }
  f.push(
    ['last-ping-sent', String(link.actPingTime ? now - link.actPingTime : 0)],
    ['last-ok-ping-reply', String(now - link.lastAvailTime)],
    ['last-ping-reply', String(now - link.lastPongTime)],
  );
  if (inst.sDown) f.push(['s-down-time', String(now - inst.sDownSinceTime)]);
  if (inst.kind === 'master' && inst.oDown) f.push(['o-down-time', String(now - inst.oDownSinceTime)]);
  f.push(['down-after-milliseconds', String(inst.downAfterMs)]);
  if (inst.kind !== 'sentinel') {
    f.push(
      ['info-refresh', String(inst.infoRefresh ? now - inst.infoRefresh : 0)],
      ['role-reported', inst.roleReported],
      ['role-reported-time', String(now - inst.roleReportedTime)],
    );
  }
  if (inst.kind === 'master') {
    f.push(
      ['config-epoch', String(inst.configEpoch)],
      ['num-slaves', String(inst.replicas.size)],
      ['num-other-sentinels', String(inst.sentinels.size)],
      ['quorum', String(inst.quorum)],
      ['failover-timeout', String(inst.failoverTimeoutMs)],
      ['parallel-syncs', String(inst.parallelSyncs)],
    );
    if (inst.notificationScript) f.push(['notification-script', inst.notificationScript]);
    if (inst.clientReconfigScript) f.push(['client-reconfig-script', inst.clientReconfigScript]);
  } else if (inst.kind === 'slave') {
    f.push(
      ['master-link-down-time', String(inst.masterLinkDownTimeMs)],
      ['master-link-status', inst.masterLinkUp ? 'ok' : 'err'],
      ['master-host', inst.reportedMasterHost ?? '?'],
      ['master-port', String(inst.reportedMasterPort)],
      ['slave-priority', String(inst.priority)],
      ['slave-repl-offset', String(inst.replOffset)],
      ['replica-announced', inst.announced ? '1' : '0'],
    );
  } else {
    f.push(
      ['last-hello-message', String(now - inst.lastHelloTime)],
      ['voted-leader', inst.leader === '' ? '?' : inst.leader],
      ['voted-leader-epoch', String(inst.leaderEpoch)],
    );
  }
  return f;
}

function instanceReply(core: Sentinel, inst: Instance): Reply {
  return reply.bulkMap(instanceFields(core, inst, Date.now()));
}

function isMasterDownByAddr(core: Sentinel, args: readonly string[]): Reply {
  const port = string2ll(args[2] ?? '');
  const epoch = string2ll(args[3] ?? '');
  // redis-sentinel casts a negative epoch to 2^64-1 and spreads it by gossip; refuse it instead.
  if (port === null || epoch === null || epoch < 0n) {
    return reply.error('ERR value is not an integer or out of range');
  }
  const [down, leader, leaderEpoch] = core.isMasterDownByAddr(
    args[1] ?? '',
    Number(port),
    epoch,
    args[4] ?? '*',
  );
  return reply.array([reply.int(down), reply.bulk(leader), reply.int(leaderEpoch)]);
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
  if (quorum === null) return reply.error('ERR Invalid quorum');
  const port = string2ll(portText);
  if (port === null) return reply.error('ERR Invalid port');
  const r = core.monitor(name, host, Number(port), Number(quorum));
  if (!r.ok) return reply.error(r.error);
  const saved = env.flushConfig();
  const m = core.masters.get(name);
  if (m) core.emit('warning', '+monitor', m, `quorum ${m.quorum}`);
  return saved ? reply.ok : SAVE_FAILED;
}

type SetOutcome = { error: string } | { event: string };

/** One SENTINEL SET option; `values` are the arguments it consumed. */
function applySetOption(
  core: Sentinel,
  m: MasterInstance,
  option: string,
  values: readonly string[],
): SetOutcome {
  const name = option.toLowerCase();
  const value = values[0] ?? '';
  const badArg = (v: string) => ({ error: `ERR Invalid argument '${v}' for SENTINEL SET '${option}'` });
  const positive = (min: bigint): bigint | null => {
    const n = string2ll(value);
    return n !== null && n >= min ? n : null;
  };
  const plain = { event: `${option} ${value}` };
  switch (name) {
    case 'down-after-milliseconds': {
      const n = positive(1n);
      if (n === null) return badArg(value);
      core.setDownAfter(m, Number(n));
      return plain;
    }
    case 'failover-timeout': {
      const n = positive(1n);
      if (n === null) return badArg(value);
      m.failoverTimeoutMs = Number(n);
      return plain;
    }
    case 'parallel-syncs': {
      const n = positive(1n);
      if (n === null) return badArg(value);
      m.parallelSyncs = Number(n);
      return plain;
    }
    case 'quorum': {
      const n = positive(1n);
      if (n === null) return badArg(value);
      m.quorum = Number(n);
      return plain;
    }
    case 'master-reboot-down-after-period': {
      const n = positive(0n);
      if (n === null) return badArg(value);
      m.masterRebootDownAfterPeriodMs = Number(n);
      return plain;
    }
    case 'notification-script':
    case 'client-reconfig-script': {
      if (core.denyScriptsReconfig) {
        return {
          error:
            'ERR Reconfiguration of scripts path is denied for security reasons. Check the ' +
            'deny-scripts-reconfig configuration directive in your Sentinel configuration',
        };
      }
      if (value !== '' && !isExecutable(value)) {
        return {
          error:
            name === 'notification-script'
              ? 'ERR Notification script seems non existing or non executable'
              : 'ERR Client reconfiguration script seems non existing or non executable',
        };
      }
      if (name === 'notification-script') m.notificationScript = value || undefined;
      else m.clientReconfigScript = value || undefined;
      return plain;
    }
    case 'auth-pass':
      m.authPass = value || undefined;
      core.dropInstanceLinks(m);
      return { event: `${option} ******` };
    case 'auth-user':
      m.authUser = value || undefined;
      core.dropInstanceLinks(m);
      return plain;
    case 'rename-command': {
      const [from = '', to = ''] = values;
      if (from === '' || to === '') return badArg(to === '' ? to : from);
      m.renamedCommands.delete(from.toLowerCase());
      if (from.toLowerCase() !== to.toLowerCase()) m.renamedCommands.set(from.toLowerCase(), to);
      return { event: `${option} ${from} ${to}` };
    }
    default:
      return { error: `ERR Unknown option or number of arguments for SENTINEL SET '${option}'` };
  }
}

/** Options apply left to right; on the first error earlier ones stay applied and are saved (§10.6). */
function set(core: Sentinel, env: SentinelCommandEnv, args: readonly string[]): Reply {
  const m = core.masters.get(args[1] ?? '');
  if (!m) return NO_SUCH_MASTER;
  let changes = 0;
  let j = 2;
  while (j < args.length) {
    const option = args[j] ?? '';
    const wanted = option.toLowerCase() === 'rename-command' ? 2 : 1;
    const known = SET_OPTIONS.has(option.toLowerCase());
    const values = args.slice(j + 1, j + 1 + wanted);
    const outcome: SetOutcome =
      known && values.length === wanted
        ? applySetOption(core, m, option, values)
        : { error: `ERR Unknown option or number of arguments for SENTINEL SET '${option}'` };
    if ('error' in outcome) {
      if (changes > 0) env.flushConfig();
      return reply.error(outcome.error);
    }
    core.emit('warning', '+set', m, outcome.event);
    changes++;
    j += 1 + wanted;
  }
  return env.flushConfig() ? reply.ok : SAVE_FAILED;
}

const SET_OPTIONS = new Set([
  'down-after-milliseconds',
  'failover-timeout',
  'parallel-syncs',
  'quorum',
  'master-reboot-down-after-period',
  'notification-script',
  'client-reconfig-script',
  'auth-pass',
  'auth-user',
  'rename-command',
]);

function infoCache(core: Sentinel, names: readonly string[]): Reply {
  const now = Date.now();
  const seen = new Set<string>();
  const out: Reply[] = [];
  for (const name of names) {
    const m = core.masters.get(name);
    if (!m || seen.has(name)) continue;
    seen.add(name);
    const entry = (inst: Instance): Reply =>
      reply.array([
        reply.int(inst.infoRefresh ? now - inst.infoRefresh : 0),
        inst.info === null ? reply.null : reply.bulk(inst.info),
      ]);
    out.push(reply.bulk(m.name), reply.array([entry(m), ...[...m.replicas.values()].map(entry)]));
  }
  return reply.array(out);
}

function simulateFailure(core: Sentinel, flags: readonly string[]): Reply {
  core.simFailure.crashAfterElection = false;
  core.simFailure.crashAfterPromotion = false;
  for (const flag of flags) {
    switch (flag.toLowerCase()) {
      case 'crash-after-election':
        core.simFailure.crashAfterElection = true;
        core.log(
          'warning',
          'Failure simulation: this Sentinel will crash after being successfully elected as failover leader',
        );
        break;
      case 'crash-after-promotion':
        core.simFailure.crashAfterPromotion = true;
        core.log(
          'warning',
          'Failure simulation: this Sentinel will crash after promoting the selected replica to master',
        );
        break;
      case 'help':
        return reply.array([reply.bulk('crash-after-election'), reply.bulk('crash-after-promotion')]);
      default:
        return reply.error('ERR Unknown failure simulation specified');
    }
  }
  return reply.ok;
}

function debug(core: Sentinel, args: readonly string[]): Reply {
  if (args.length === 0) {
    return reply.map(
      DEBUG_KEYS.map(([name, key]) => [
        reply.bulk(name.toUpperCase()),
        reply.bulk(String(core.tunables[key])),
      ]),
    );
  }
  for (let j = 0; j < args.length; j += 2) {
    const option = args[j] ?? '';
    const key = DEBUG_KEYS.find(([name]) => name === option.toLowerCase())?.[1];
    if (key === undefined || j + 1 >= args.length) {
      return reply.error(`ERR Unknown option or number of arguments for SENTINEL DEBUG '${option}'`);
    }
    const value = args[j + 1] ?? '';
    const n = string2ll(value);
    if (n === null || n <= 0n)
      return reply.error(`ERR Invalid argument '${value}' for SENTINEL DEBUG '${option}'`);
    core.tunables[key] = Number(n);
  }
  return reply.ok;
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

function configValue(core: Sentinel, env: SentinelCommandEnv, name: (typeof CONFIG_PARAMS)[number]): string {
  switch (name) {
    case 'resolve-hostnames':
      return core.resolveHostnames ? 'yes' : 'no';
    case 'announce-hostnames':
      return core.announceHostnames ? 'yes' : 'no';
    case 'announce-ip':
      return core.announceIp ?? '';
    case 'announce-port':
      return String(core.announcePort);
    case 'sentinel-user':
      return core.sentinelUser ?? '';
    case 'sentinel-pass':
      return core.sentinelPass ?? '';
    case 'loglevel':
      return env.getLogLevel();
  }
}

function config(core: Sentinel, env: SentinelCommandEnv, args: readonly string[]): Reply {
  const action = (args[1] ?? '').toLowerCase();
  if (action === 'get' && args.length === 3) {
    const pattern = args[2] ?? '';
    const matching = CONFIG_PARAMS.filter((p) => globMatch(pattern, p, true));
    return reply.bulkMap(matching.map((p) => [p, configValue(core, env, p)]));
  }
  if (action !== 'set' || args.length !== 4) {
    return reply.error('ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.');
  }
  const param = args[2] ?? '';
  const value = args[3] ?? '';
  const badValue = reply.error(`ERR Invalid value '${value}' to SENTINEL CONFIG SET '${param}'`);
  const yesNo = value.toLowerCase() === 'yes' ? true : value.toLowerCase() === 'no' ? false : null;
  let dropSentinelLinks = false;
  switch (param.toLowerCase()) {
    case 'resolve-hostnames':
      if (yesNo === null) return badValue;
      core.resolveHostnames = yesNo;
      break;
    case 'announce-hostnames':
      if (yesNo === null) return badValue;
      core.announceHostnames = yesNo;
      break;
    case 'announce-ip':
      // redis-sentinel would announce "" verbatim and peers would drop us; "" unsets it instead.
      core.announceIp = value === '' ? undefined : value;
      break;
    case 'announce-port': {
      const n = string2ll(value);
      if (n === null || n < 0n || n > 65535n) return badValue;
      core.announcePort = Number(n);
      break;
    }
    case 'sentinel-user':
      core.sentinelUser = value === '' ? undefined : value;
      dropSentinelLinks = true;
      break;
    case 'sentinel-pass':
      core.sentinelPass = value === '' ? undefined : value;
      dropSentinelLinks = true;
      break;
    case 'loglevel': {
      // Case-insensitive as in 7.2, which also takes `nothing`; the flush writes the level into
      // the config, and a 7.0 config file cannot hold `nothing`, so it is refused here.
      const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
      if (level === undefined) return badValue;
      env.setLogLevel(level);
      break;
    }
    default:
      return reply.error(`ERR Invalid argument '${param}' to SENTINEL CONFIG SET`);
  }
  const saved = env.flushConfig();
  if (dropSentinelLinks) core.dropSentinelLinks();
  return saved ? reply.ok : SAVE_FAILED;
}
