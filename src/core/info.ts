/** Parsing of the INFO text of a monitored master or replica (the data half of sentinelRefreshInstanceInfo). */
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
      if (r) out.replicas.push(r);
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
  return out;
}
