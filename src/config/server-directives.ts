/**
 * Non-sentinel directives of a sentinel.conf: every redis.conf directive is
 * accepted, the ones a sentinel acts on are validated and stored.
 */
import * as fs from 'fs';
import * as path from 'path';

import { strerror, strerrorOf } from './errors';
import { COMMAND_NAMES } from '../commands/table';
import { DEPRECATED_CONFIGS, lookupStandardConfig } from './directives';
import { applyTlsDirective, isTlsDirective } from './tls-directives';
import { splitArgs } from './tokenizer';
import { type LogLevel, type OutputBufferLimit, type ServerConfig, defaultServerConfig } from './types';
import { parseBoundedInteger, parseYesNo } from './values';

export const BAD_DIRECTIVE = 'Bad directive or wrong number of arguments';
const WRONG_ARG_COUNT = 'wrong number of arguments';
const MAX_BIND_ADDRESSES = 16;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
/** The `loglevel` values of Redis 7.2 (7.0 lacks `nothing`; rewrite.ts keeps files loadable by 7.0). */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'verbose', 'notice', 'warning', 'nothing'];

/** What reading the directives so far has produced. */
export interface ServerState {
  readonly config: ServerConfig;
  /** Working directory as `dir` lines change it; relative paths resolve against it. */
  cwd: string;
  /** Command table after renames: current lower-case name -> original name. */
  readonly commands: Map<string, string>;
  /** Original command -> its current name ('' when removed), in order of first rename. */
  readonly renames: Map<string, string>;
  readonly userNames: Set<string>;
  /** Module directives: Redis accepts them while reading and fails when loading modules. */
  readonly modulePaths: string[];
  moduleConfigSeen: boolean;
}

export function createServerState(cwd: string): ServerState {
  return {
    config: defaultServerConfig(cwd),
    cwd,
    commands: new Map(COMMAND_NAMES.map((name) => [name, name])),
    renames: new Map(),
    userNames: new Set(),
    modulePaths: [],
    moduleConfigSeen: false,
  };
}

/** The ServerConfig once every line has been read. */
export function finishServerConfig(state: ServerState): ServerConfig {
  return { ...state.config, dir: state.cwd, renameCommands: [...state.renames] };
}

/**
 * Applies one directive (other than `include` and `sentinel`, which the loader
 * handles). `args[0]` is the directive name. Returns Redis's error text, if any.
 */
export function applyServerDirective(state: ServerState, args: string[]): string | undefined {
  const name = (args[0] ?? '').toLowerCase();
  const standard = lookupStandardConfig(name);
  if (standard) {
    if (!standard.multiArg && args.length !== 2) return WRONG_ARG_COUNT;
    let values = args.slice(1);
    // `bind "a b"` means `bind a b`; an empty single value stays as is.
    if (standard.multiArg && values.length === 1 && values[0] !== '')
      values = splitArgs(values[0] ?? '') ?? [];
    return applyStandardConfig(state, standard.name, values);
  }
  if (DEPRECATED_CONFIGS.has(name) && args.length === 2) return undefined;
  if (name === 'rename-command' && args.length === 3)
    return renameCommand(state, args[1] ?? '', args[2] ?? '');
  if (name === 'user' && args.length >= 2) return declareUser(state, args.slice(1));
  if (name === 'loadmodule' && args.length >= 2) {
    state.modulePaths.push(args[1] ?? '');
    return undefined;
  }
  if (name.includes('.')) {
    if (args.length < 2) return 'Module config specified without value';
    state.moduleConfigSeen = true;
    return undefined;
  }
  return BAD_DIRECTIVE;
}

function applyStandardConfig(state: ServerState, name: string, values: string[]): string | undefined {
  const config = state.config;
  const value = values[0] ?? '';
  if (isTlsDirective(name)) return applyTlsDirective(config.tls, name, value);
  switch (name) {
    case 'port':
      return setInteger(value, 0n, 65535n, (v) => (config.port = v));
    case 'maxclients':
      return setInteger(value, 1n, UINT_MAX, (v) => (config.maxclients = v));
    case 'timeout':
      return setInteger(value, 0n, INT_MAX, (v) => (config.timeout = v));
    case 'tcp-keepalive':
      return setInteger(value, 0n, INT_MAX, (v) => (config.tcpKeepalive = v));
    case 'tcp-backlog':
      return setInteger(value, 0n, INT_MAX, (v) => (config.tcpBacklog = v));
    case 'client-output-buffer-limit':
      return setOutputBufferLimits(config, values);
    case 'unixsocketperm':
      return setOctal(value, 0o777, (v) => (config.unixsocketperm = v));
    case 'protected-mode':
      return setYesNo(value, (v) => (config.protectedMode = v));
    case 'daemonize':
      return setYesNo(value, (v) => (config.daemonize = v));
    case 'loglevel': {
      const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
      if (level === undefined) return `argument(s) must be one of the following: ${LOG_LEVELS.join(', ')}`;
      config.loglevel = level;
      if (level === 'nothing') config.loglevelNothingInFile = true;
      return undefined;
    }
    case 'logfile':
      config.logfile = value;
      return undefined;
    case 'bind-source-addr':
      config.bindSourceAddr = value === '' ? undefined : value;
      return undefined;
    case 'pidfile':
      config.pidfile = value === '' ? undefined : value;
      return undefined;
    case 'unixsocket':
      config.unixsocket = value === '' ? undefined : value;
      return undefined;
    case 'aclfile':
      config.aclfile = value === '' ? undefined : value;
      return undefined;
    case 'requirepass':
      config.requirepass = value === '' ? undefined : value;
      return undefined;
    case 'bind':
      if (values.length > MAX_BIND_ADDRESSES) return 'Too many bind addresses specified.';
      config.bind = values.length === 1 && value === '' ? [] : values;
      return undefined;
    case 'dir':
      return changeDir(state, values);
    default:
      noteIfUnhonoured(state, name, values);
      return undefined;
  }
}

/**
 * Directives redis-sentinel 7.0 acts on in sentinel mode that ts-sentinel does not honour, with
 * the value that changes nothing: a file setting another value gets one start-up warning each.
 * The README's directive inventory lists them with the honoured ones.
 */
const UNHONOURED_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ['syslog-enabled', 'no'],
  ['syslog-ident', 'redis'],
  ['syslog-facility', 'local0'],
  ['supervised', 'no'],
  ['acllog-max-len', '128'],
  ['acl-pubsub-default', 'resetchannels'],
  ['oom-score-adj', 'no'],
  ['oom-score-adj-values', '0 200 800'],
  ['socket-mark-id', '0'],
  ['server_cpulist', ''],
  ['bio_cpulist', ''],
  ['aof_rewrite_cpulist', ''],
  ['bgsave_cpulist', ''],
  ['maxmemory-clients', '0'],
  ['proto-max-bulk-len', '512mb'],
  ['client-query-buffer-limit', '1gb'],
  ['io-threads', '1'],
  ['watchdog-period', '0'],
  ['always-show-logo', 'no'],
  ['set-proc-title', 'yes'],
  ['proc-title-template', '{title} {listen-addr} {server-mode}'],
]);

function noteIfUnhonoured(state: ServerState, name: string, values: string[]): void {
  const neutral = UNHONOURED_DEFAULTS.get(name);
  if (neutral === undefined) return;
  const given = values.join(' ').toLowerCase();
  const unhonoured = state.config.unhonoured;
  if (given !== neutral && !unhonoured.includes(name)) unhonoured.push(name);
  else if (given === neutral && unhonoured.includes(name)) unhonoured.splice(unhonoured.indexOf(name), 1);
}

/** memtoull(): digits and an optional b/k/kb/m/mb/g/gb unit, no sign; undefined when invalid. */
export function parseMemory(value: string): number | undefined {
  const match = /^([0-9]*)(b|k|kb|m|mb|g|gb)?$/i.exec(value);
  if (match === null || (match[1] ?? '').length >= 128) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  const multiplier = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 }[unit] ?? 1;
  return Number(match[1] === '' ? 0 : match[1]) * multiplier;
}

/** `<class> <hard> <soft> <soft-seconds>` groups, all checked before any is applied, as Redis does. */
function setOutputBufferLimits(config: ServerConfig, values: string[]): string | undefined {
  if (values.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  const parsed: [string, OutputBufferLimit][] = [];
  for (let i = 0; i < values.length; i += 4) {
    const klass = (values[i] ?? '').toLowerCase();
    if (!['normal', 'replica', 'slave', 'pubsub'].includes(klass))
      return 'Invalid client class specified in buffer limit configuration.';
    const hardBytes = parseMemory(values[i + 1] ?? '');
    const softBytes = parseMemory(values[i + 2] ?? '');
    const seconds = /^\s*[+-]?[0-9]+$/.test(values[i + 3] ?? '') ? Number(values[i + 3]) : -1;
    if (hardBytes === undefined || softBytes === undefined || seconds < 0)
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    parsed.push([klass, { hardBytes, softBytes, softSeconds: seconds }]);
  }
  for (const [klass, limit] of parsed) {
    if (klass === 'normal' || klass === 'pubsub') config.outputBufferLimits[klass] = limit;
  }
  return undefined;
}

/** strtoll(value, 8) with Redis's octal bound message. */
function setOctal(value: string, max: number, set: (v: number) => void): string | undefined {
  if (!/^\s*[+-]?[0-7]*$/.test(value)) return "argument couldn't be parsed as an octal number";
  const parsed = parseInt(value.trim() === '' ? '0' : value.trim(), 8);
  if (parsed < 0 || parsed > max) return `argument must be between 0 and ${max.toString(8)} inclusive`;
  set(parsed);
  return undefined;
}

function setInteger(value: string, min: bigint, max: bigint, set: (v: number) => void): string | undefined {
  const parsed = parseBoundedInteger(value, min, max);
  if (typeof parsed === 'string') return parsed;
  set(parsed);
  return undefined;
}

function setYesNo(value: string, set: (v: boolean) => void): string | undefined {
  const parsed = parseYesNo(value);
  if (parsed === undefined) return "argument must be 'yes' or 'no'";
  set(parsed);
  return undefined;
}

/** Redis chdir()s while reading; we track the directory and chdir later. */
function changeDir(state: ServerState, values: string[]): string | undefined {
  if (values.length !== 1) return WRONG_ARG_COUNT;
  const target = path.resolve(state.cwd, values[0] ?? '');
  try {
    if (!fs.statSync(target).isDirectory()) return strerrorOf('ENOTDIR');
    fs.accessSync(target, fs.constants.X_OK);
    // getcwd() reports the physical path, so does the rewritten `dir` line.
    state.cwd = fs.realpathSync(target);
  } catch (err) {
    return strerror(err);
  }
  return undefined;
}

function renameCommand(state: ServerState, from: string, to: string): string | undefined {
  const original = state.commands.get(from.toLowerCase());
  if (original === undefined) return 'No such command in rename-command';
  state.commands.delete(from.toLowerCase());
  if (to !== '') {
    if (state.commands.has(to.toLowerCase())) return 'Target command name already exists';
    state.commands.set(to.toLowerCase(), original);
  }
  state.renames.set(original, to);
  return undefined;
}

function declareUser(state: ServerState, userArgs: string[]): string | undefined {
  const name = userArgs[0] ?? '';
  if (state.userNames.has(name)) {
    return `Error in user declaration '${name}': Duplicate user found. A user can only be defined once in config files`;
  }
  state.userNames.add(name);
  state.config.users.push(userArgs);
  return undefined;
}
