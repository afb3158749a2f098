/** Parsing of the INFO text of a monitored master or replica (the data half of sentinelRefreshInstanceInfo). */
import { isIpLiteral } from '../util/ip';
import { atoi, strtoull } from '../util/redis-parsing';

export interface ReportedReplica {
  ip: string;
  port: number;
}

export interface ParsedInfo {
  /** 40-char run ID, when the line was present. */
  runid: string | null;
  role: 'master' | 'slave' | null;
  /** `slaveN:` lines of a master. */
  replicas: ReportedReplica[];
  /** master_link_down_since_seconds x 1000, 0 when absent. */
  masterLinkDownTimeMs: number;
  /** The following are read only after a `role:slave` line, as Redis does. */
  masterHost: string | null;
  masterPort: number | null;
  masterLinkUp: boolean | null;
  priority: number | null;
  replOffset: bigint | null;
  announced: boolean | null;
  /** `loading:1` (any role), `master_sync_in_progress:1` (replicas). */
  loading: boolean;
  syncInProgress: boolean;
  redisVersion: string | null;
  /** `master_failover_state` (Redis >= 6.2 masters). */
  failoverState: string | null;
}

function parseReplicaLine(line: string): ReportedReplica | null {
  if (!line.includes('ip=')) {
    // Pre-2.8 format: slaveN:<ip>,<port>,<state>
    const colon = line.indexOf(':');
    if (colon < 0) return null;
    const fields = line.slice(colon + 1).split(',');
    if (fields.length < 3) return null;
    return { ip: fields[0] ?? '', port: atoi(fields[1] ?? '') };
  }
  const ipStart = line.indexOf('ip=');
  const portStart = line.indexOf('port=');
  if (portStart < 0) return null;
  const ip = line.slice(ipStart + 3).split(',')[0] ?? '';
  const port = atoi(line.slice(portStart + 5).split(',')[0] ?? '');
  return { ip, port };
}

/** A replica line naming an address nobody can connect to is dropped (see `infoProblems`). */
function usableReplica(r: ReportedReplica): boolean {
  return r.port >= 1 && r.port <= 65535 && r.ip !== '' && !(isIpLiteral(r.ip) && /^[0:.]+$/.test(r.ip));
}

/** Fields whose value decides something: each must appear once at most, and read as expected. */
const CHECKED_FIELDS: Record<string, RegExp> = {
  run_id: /^[0-9a-fA-F]{40}$/,
  role: /^(master|slave)$/,
  master_host: /^\S+$/,
  master_port: /^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$/,
  master_link_status: /^(up|down)$/,
  master_link_down_since_seconds: /^(-1|[0-9]{1,12})$/,
  slave_priority: /^[0-9]{1,10}$/,
  slave_repl_offset: /^[0-9]{1,19}$/,
  replica_announced: /^[01]$/,
};

export interface InfoProblems {
  /** Why the whole reply must be ignored, or null. */
  fatal: string | null;
  /** Replica lines that are dropped, each with why. */
  dropped: string[];
}

/**
 * What is wrong with an INFO text: missing, duplicated or absurd fields make it useless (a
 * broken or hostile instance must not move a replica or a master); replica lines naming an
 * unusable address are dropped. `resolveHostnames` as the sentinel is configured.
 */
export function infoProblems(text: string, resolveHostnames: boolean): InfoProblems {
  const seen = new Map<string, string>();
  const dropped: string[] = [];
  let fatal: string | null = null;
  for (const l of text.split('\r\n')) {
    const colon = l.indexOf(':');
    const key = l.slice(0, colon);
    const value = l.slice(colon + 1);
    const pattern = colon > 0 ? CHECKED_FIELDS[key] : undefined;
    if (pattern) {
      if (seen.has(key)) fatal ??= `${key} appears twice`;
      else if (!pattern.test(value)) fatal ??= `${key}:${value.slice(0, 64)} is not valid`;
      seen.set(key, value);
    }
    if (/^slave[0-9]+:/.test(l)) {
      const r = parseReplicaLine(l);
      if (r && !usableReplica(r)) dropped.push(`${l.slice(0, 96)}: address cannot be used`);
      else if (r && !resolveHostnames && !isIpLiteral(r.ip)) {
        dropped.push(`${l.slice(0, 96)}: a hostname while resolve-hostnames is off`);
      }
    }
  }
  if (!seen.has('role')) fatal ??= 'no role field';
  else if (seen.get('role') === 'slave' && !(seen.has('master_host') && seen.has('master_port'))) {
    fatal ??= 'a replica without master_host and master_port';
  }
  return { fatal, dropped };
}

/**
 * A copy of `s` that shares no memory with the text it was cut from: V8 keeps a slice's whole
 * parent string alive, and the run ID, master host and replica addresses outlive the INFO reply
 * (a run ID read from the first INFO would otherwise keep that 5 kB reply for good).
 */
function detached(s: string): string {
  return [...s].join('');
}

export function parseInfo(text: string): ParsedInfo {
  const out: ParsedInfo = {
    runid: null,
    role: null,
    replicas: [],
    masterLinkDownTimeMs: 0,
    masterHost: null,
    masterPort: null,
    masterLinkUp: null,
    priority: null,
    replOffset: null,
    announced: null,
    loading: false,
    syncInProgress: false,
    redisVersion: null,
    failoverState: null,
  };
  for (const l of text.split('\r\n')) {
    if (l.length >= 47 && l.startsWith('run_id:')) out.runid = l.slice(7, 47);
    if (l.length >= 7 && l.startsWith('slave') && /[0-9]/.test(l[5] ?? '')) {
      const r = parseReplicaLine(l);
      if (r && usableReplica(r)) out.replicas.push(r);
    }
    if (l.length >= 32 && l.startsWith('master_link_down_since_seconds')) {
      out.masterLinkDownTimeMs = atoi(l.slice(31)) * 1000;
    }
    if (l.startsWith('role:master')) out.role = 'master';
    else if (l.startsWith('role:slave')) out.role = 'slave';
    if (l.startsWith('loading:')) out.loading = l.slice(8) === '1';
    else if (l.startsWith('redis_version:')) out.redisVersion = l.slice(14);
    else if (l.startsWith('master_failover_state:')) out.failoverState = l.slice(22);
    if (out.role !== 'slave') continue;
    if (l.startsWith('master_host:')) out.masterHost = l.slice(12);
    else if (l.startsWith('master_port:')) out.masterPort = atoi(l.slice(12));
    else if (l.startsWith('master_link_status:')) out.masterLinkUp = l.slice(19, 21).toLowerCase() === 'up';
    else if (l.startsWith('slave_priority:')) out.priority = atoi(l.slice(15));
    else if (l.startsWith('slave_repl_offset:')) out.replOffset = strtoull(l.slice(18));
    else if (l.startsWith('replica_announced:')) out.announced = atoi(l.slice(18)) !== 0;
    else if (l.startsWith('master_sync_in_progress:')) out.syncInProgress = l.slice(24) === '1';
  }
  return {
    ...out,
    runid: out.runid === null ? null : detached(out.runid),
    masterHost: out.masterHost === null ? null : detached(out.masterHost),
    replicas: out.replicas.map(({ ip, port }) => ({ ip: detached(ip), port })),
  };
}
