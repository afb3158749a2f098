/**
 * `sentinel ...` config lines: queued while the file is read, then applied in
 * Redis's three passes (global settings, `monitor`, everything else).
 */
import * as net from 'net';
import * as path from 'path';

import { PRE_MONITOR_OPTIONS } from './directives';
import { ConfigError } from './errors';
import { isExecutable } from './file-checks';
import {
  type MasterOption,
  QUORUM_OPTION,
  applyMasterOption,
  masterOptionByDirective,
} from './master-options';
import { type MasterConfig, type SentinelConfig, defaultSentinelConfig, newMasterConfig } from './types';
import { atoi, parseYesNo, strtoull } from './values';

export interface QueuedSentinelLine {
  /** Arguments after `sentinel`. */
  readonly args: readonly string[];
  readonly file: string;
  readonly lineNo: number;
  readonly text: string;
}

const UNRECOGNIZED = 'Unrecognized sentinel configuration statement.';
const NO_SUCH_MASTER = 'No such master with specified name.';
const MYID_LENGTH = 40;

/**
 * Argument counts (sub-option included) of the options that are not per-master settings
 * (those are declared in master-options.ts); others are "unrecognized".
 */
const ARG_COUNTS: ReadonlyMap<string, readonly number[]> = new Map(
  Object.entries({
    monitor: [5],
    'current-epoch': [2],
    myid: [2],
    'config-epoch': [3],
    'leader-epoch': [3],
    'known-slave': [4],
    'known-replica': [4],
    'known-sentinel': [4, 5],
    'announce-ip': [2],
    'announce-port': [2],
    'deny-scripts-reconfig': [2],
    'sentinel-user': [2],
    'sentinel-pass': [2],
    'resolve-hostnames': [2],
    'announce-hostnames': [2],
  }),
);

/** The `sentinel` options that name a master, which a flush rewrites (known-slave becomes known-replica). */
export const PER_MASTER_DIRECTIVES: readonly string[] = [
  'monitor',
  'config-epoch',
  'leader-epoch',
  'known-replica',
  'known-sentinel',
];

/** Whether `sentinel <option> ...` with `count` arguments (sub-option included) is well formed. */
function argCountAccepted(option: string, count: number): boolean {
  const setting = masterOptionByDirective(option);
  if (setting !== undefined) return count === setting.arity + 2;
  return ARG_COUNTS.get(option)?.includes(count) ?? false;
}

/** One master plus the keys Redis uses to detect duplicates under it. */
interface MasterEntry {
  config: MasterConfig;
  readonly replicaKeys: Set<string>;
  readonly sentinelIds: Set<string>;
}

/** Applies queued lines in the three passes; errors go to `report` in pass order. */
export function applySentinelLines(
  lines: readonly QueuedSentinelLine[],
  cwd: string,
  report: (err: ConfigError) => void,
): SentinelConfig {
  const pre: QueuedSentinelLine[] = [];
  const monitors: QueuedSentinelLine[] = [];
  const post: QueuedSentinelLine[] = [];
  for (const line of lines) {
    const option = (line.args[0] ?? '').toLowerCase();
    if (option === 'monitor') monitors.push(line);
    else if (PRE_MONITOR_OPTIONS.has(option)) pre.push(line);
    else post.push(line);
  }
  const builder = new SentinelBuilder(cwd);
  for (const line of [...pre, ...monitors, ...post]) {
    const message = builder.apply(line.args);
    if (message !== undefined) report(new ConfigError(line.file, line.lineNo, line.text, message));
  }
  return builder.result();
}

class SentinelBuilder {
  private readonly config: SentinelConfig = defaultSentinelConfig();
  private readonly masters = new Map<string, MasterEntry>();

  constructor(private readonly cwd: string) {}

  result(): SentinelConfig {
    return { ...this.config, masters: [...this.masters.values()].map((m) => m.config) };
  }

  apply(args: readonly string[]): string | undefined {
    const option = (args[0] ?? '').toLowerCase();
    if (!argCountAccepted(option, args.length)) return UNRECOGNIZED;
    const a1 = args[1] ?? '';
    const a2 = args[2] ?? '';
    switch (option) {
      case 'monitor':
        return this.monitor(a1, a2, args[3] ?? '', args[4] ?? '');
      case 'current-epoch': {
        const epoch = strtoull(a1);
        if (epoch > this.config.currentEpoch) this.config.currentEpoch = epoch;
        return undefined;
      }
      case 'myid':
        if (Buffer.byteLength(a1, 'utf8') !== MYID_LENGTH) return 'Malformed Sentinel id in myid option.';
        this.config.myid = a1;
        return undefined;
      case 'announce-ip':
        if (a1 !== '') this.config.announceIp = a1;
        return undefined;
      case 'announce-port':
        this.config.announcePort = atoi(a1);
        return undefined;
      case 'sentinel-user':
        if (a1 !== '') this.config.sentinelUser = a1;
        return undefined;
      case 'sentinel-pass':
        if (a1 !== '') this.config.sentinelPass = a1;
        return undefined;
      case 'deny-scripts-reconfig':
        return this.yesNo(a1, 'deny-scripts-reconfig options', (v) => (this.config.denyScriptsReconfig = v));
      case 'resolve-hostnames':
        return this.yesNo(a1, 'resolve-hostnames option', (v) => (this.config.resolveHostnames = v));
      case 'announce-hostnames':
        return this.yesNo(a1, 'announce-hostnames option', (v) => (this.config.announceHostnames = v));
      case 'known-sentinel':
        // The old form without a run id is ignored, even for unknown masters.
        if (args.length === 4) return undefined;
        break;
      default:
        break;
    }
    const master = this.masters.get(a1);
    if (master === undefined) return NO_SUCH_MASTER;
    return this.applyToMaster(master, option, args);
  }

  private applyToMaster(master: MasterEntry, option: string, args: readonly string[]): string | undefined {
    const setting = masterOptionByDirective(option);
    if (setting !== undefined) return this.applySetting(master, setting, args.slice(2));
    const m = master.config;
    const value = args[2] ?? '';
    switch (option) {
      case 'config-epoch':
        m.configEpoch = strtoull(value);
        if (m.configEpoch > this.config.currentEpoch) this.config.currentEpoch = m.configEpoch;
        return undefined;
      case 'leader-epoch':
        m.leaderEpoch = strtoull(value);
        return undefined;
      case 'known-slave':
      case 'known-replica':
        return this.knownReplica(master, value, atoi(args[3] ?? ''));
      case 'known-sentinel':
        return this.knownSentinel(master, value, atoi(args[3] ?? ''), args[4] ?? '');
      default:
        return UNRECOGNIZED;
    }
  }

  private applySetting(master: MasterEntry, setting: MasterOption, values: string[]): string | undefined {
    const change = setting.fromConfig(values, master.config);
    if (change === undefined) return setting.configError;
    // Script paths are checked at load time, relative to the directory `dir` chose.
    if (setting.scriptError !== undefined && !this.isExecutable(values[0] ?? '')) return setting.configError;
    master.config = applyMasterOption(master.config, change);
    return undefined;
  }

  private monitor(name: string, host: string, portText: string, quorumText: string): string | undefined {
    const quorum = QUORUM_OPTION.fromConfig([quorumText]);
    // Checked first, as Redis does: a bad quorum hides a bad address.
    if (quorum === undefined) return QUORUM_OPTION.configError;
    const port = atoi(portText);
    const addressError = this.checkAddress(host, port);
    if (addressError !== undefined) return addressError;
    if (this.masters.has(name)) return 'Duplicate master name.';
    this.masters.set(name, {
      // The quorum placeholder is replaced at once by the declaration's reading of it.
      config: applyMasterOption(newMasterConfig(name, host, port, 0), quorum),
      replicaKeys: new Set(),
      sentinelIds: new Set(),
    });
    return undefined;
  }

  private knownReplica(master: MasterEntry, host: string, port: number): string | undefined {
    const addressError = this.checkAddress(host, port);
    if (addressError !== undefined) return addressError;
    const key = `${canonicalHost(host)}:${port}`;
    if (master.replicaKeys.has(key)) return 'Duplicate hostname and port for replica.';
    master.replicaKeys.add(key);
    master.config.knownReplicas.push({ host, port });
    return undefined;
  }

  private knownSentinel(master: MasterEntry, host: string, port: number, runid: string): string | undefined {
    const addressError = this.checkAddress(host, port);
    if (addressError !== undefined) return addressError;
    // Peers are keyed by run id, so a second line with the same id is the duplicate.
    if (master.sentinelIds.has(runid)) return 'Duplicate runid for sentinel.';
    master.sentinelIds.add(runid);
    master.config.knownSentinels.push({ host, port, runid });
    return undefined;
  }

  /** Port range first, then the address: an IP literal unless resolve-hostnames is on. */
  private checkAddress(host: string, port: number): string | undefined {
    if (port < 0 || port > 65535) return 'Invalid port number.';
    const acceptable = this.config.resolveHostnames ? host !== '' : net.isIP(host) !== 0;
    return acceptable ? undefined : "Can't resolve instance hostname.";
  }

  private isExecutable(file: string): boolean {
    return isExecutable(path.resolve(this.cwd, file));
  }

  private yesNo(value: string, what: string, set: (v: boolean) => void): string | undefined {
    const parsed = parseYesNo(value);
    if (parsed === undefined) return `Please specify yes or no for the ${what}.`;
    set(parsed);
    return undefined;
  }
}

/** The form Redis would compare: normalised IPv6, case-folded hostnames. */
function canonicalHost(host: string): string {
  if (net.isIPv6(host) && URL.canParse(`http://[${host}]/`)) return new URL(`http://[${host}]/`).hostname;
  return host.toLowerCase();
}
