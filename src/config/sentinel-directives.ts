/**
 * `sentinel ...` config lines: queued while the file is read, then applied in
 * Redis's three passes (global settings, `monitor`, everything else).
 */
import * as net from 'net';
import * as path from 'path';

import { PRE_MONITOR_OPTIONS } from './directives';
import { ConfigError } from './errors';
import { isExecutable } from './file-checks';
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

/** Argument counts (sub-option included) each option accepts; others are "unrecognized". */
const ARG_COUNTS: ReadonlyMap<string, readonly number[]> = new Map(
  Object.entries({
    monitor: [5],
    'down-after-milliseconds': [3],
    'failover-timeout': [3],
    'parallel-syncs': [3],
    'notification-script': [3],
    'client-reconfig-script': [3],
    'auth-pass': [3],
    'auth-user': [3],
    'current-epoch': [2],
    myid: [2],
    'config-epoch': [3],
    'leader-epoch': [3],
    'known-slave': [4],
    'known-replica': [4],
    'known-sentinel': [4, 5],
    'rename-command': [4],
    'announce-ip': [2],
    'announce-port': [2],
    'deny-scripts-reconfig': [2],
    'sentinel-user': [2],
    'sentinel-pass': [2],
    'resolve-hostnames': [2],
    'announce-hostnames': [2],
    'master-reboot-down-after-period': [3],
  }),
);

/** One master plus the keys Redis uses to detect duplicates under it. */
interface MasterEntry {
  readonly config: MasterConfig;
  readonly replicaKeys: Set<string>;
  readonly sentinelIds: Set<string>;
  readonly renamed: Set<string>;
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
    if (!ARG_COUNTS.get(option)?.includes(args.length)) return UNRECOGNIZED;
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
    const m = master.config;
    const value = args[2] ?? '';
    switch (option) {
      case 'down-after-milliseconds':
        m.downAfterMs = atoi(value);
        return m.downAfterMs <= 0 ? 'negative or zero time parameter.' : undefined;
      case 'failover-timeout':
        m.failoverTimeoutMs = atoi(value);
        return m.failoverTimeoutMs <= 0 ? 'negative or zero time parameter.' : undefined;
      case 'parallel-syncs':
        m.parallelSyncs = atoi(value);
        return undefined;
      case 'master-reboot-down-after-period':
        m.masterRebootDownAfterPeriodMs = atoi(value);
        return m.masterRebootDownAfterPeriodMs < 0 ? 'negative time parameter.' : undefined;
      case 'notification-script':
        if (!this.isExecutable(value)) return 'Notification script seems non existing or non executable.';
        m.notificationScript = value;
        return undefined;
      case 'client-reconfig-script':
        if (!this.isExecutable(value)) {
          return 'Client reconfiguration script seems non existing or non executable.';
        }
        m.clientReconfigScript = value;
        return undefined;
      case 'auth-pass':
        m.authPass = value;
        return undefined;
      case 'auth-user':
        m.authUser = value;
        return undefined;
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
      case 'rename-command': {
        const command = value.toLowerCase();
        if (master.renamed.has(command)) return 'Same command renamed multiple times with rename-command.';
        master.renamed.add(command);
        m.renameCommands.push([command, args[3] ?? '']);
        return undefined;
      }
      default:
        return UNRECOGNIZED;
    }
  }

  private monitor(name: string, host: string, portText: string, quorumText: string): string | undefined {
    const quorum = atoi(quorumText);
    if (quorum <= 0) return 'Quorum must be 1 or greater.';
    const port = atoi(portText);
    const addressError = this.checkAddress(host, port);
    if (addressError !== undefined) return addressError;
    if (this.masters.has(name)) return 'Duplicate master name.';
    this.masters.set(name, {
      config: newMasterConfig(name, host, port, quorum),
      replicaKeys: new Set(),
      sentinelIds: new Set(),
      renamed: new Set(),
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
