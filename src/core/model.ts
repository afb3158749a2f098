/**
 * The sentinel's memory: monitored masters, their replicas and peer sentinels, links,
 * flags and epochs. Field names follow the observable names (SENTINEL MASTER fields)
 * where one exists. Times are wall-clock milliseconds; 0 means "never".
 */
import type { MasterOptions } from '../config/master-options';

export type InstanceKind = 'master' | 'slave' | 'sentinel';

export type LinkId = number;
/** `cmd` carries commands; `pubsub` (masters and replicas only) is subscribed to the hello channel. */
export type LinkChannel = 'cmd' | 'pubsub';
/** Identifies one TCP connection; a reconnect gets a new one. */
export type ConnId = number;

export enum FailoverState {
  None = 0,
  WaitStart = 1,
  SelectSlave = 2,
  SendSlaveofNoOne = 3,
  WaitPromotion = 4,
  ReconfSlaves = 5,
  UpdateConfig = 6,
  /** COORDINATED: the old master was asked to hand over with FAILOVER TO (after SelectSlave). */
  WaitHandover = 7,
}

export const FAILOVER_STATE_NAMES: Record<FailoverState, string> = {
  [FailoverState.None]: 'none',
  [FailoverState.WaitStart]: 'wait_start',
  [FailoverState.SelectSlave]: 'select_slave',
  [FailoverState.SendSlaveofNoOne]: 'send_slaveof_noone',
  [FailoverState.WaitPromotion]: 'wait_promotion',
  [FailoverState.ReconfSlaves]: 'reconf_slaves',
  [FailoverState.UpdateConfig]: 'update_config',
  [FailoverState.WaitHandover]: 'wait_handover',
};

/** An address as configured (`host`, maybe a hostname) and as resolved (`ip`, '' if unresolved). */
export interface Address {
  host: string;
  ip: string;
  port: number;
}

/** One connection pair to an instance; shared by sentinel records of the same peer. */
export interface Link {
  readonly id: LinkId;
  refcount: number;
  /** True whenever a required connection is missing. */
  disconnected: boolean;
  cmdConn: ConnId | null;
  pubsubConn: ConnId | null;
  pendingCommands: number;
  cmdConnTime: number;
  pubsubConnTime: number;
  pubsubLastActivity: number;
  /** Last valid PING reply (PONG, LOADING, MASTERDOWN). */
  lastAvailTime: number;
  /** Time of the oldest unanswered PING, 0 when none is pending. */
  actPingTime: number;
  lastPingTime: number;
  /** Last reply of any kind to a PING. */
  lastPongTime: number;
  /** Last connection attempt of each channel: each is rate-limited on its own. */
  cmdReconnTime: number;
  pubsubReconnTime: number;
}

export type ReplicaReconfState = 'none' | 'sent' | 'inprog' | 'done';

/** Fields every kind of instance record has. */
export interface InstanceBase {
  readonly kind: InstanceKind;
  /** Master name, `ip:port` for a replica, run ID for a sentinel. */
  name: string;
  addr: Address;
  runid: string;
  link: Link;
  sDown: boolean;
  sDownSinceTime: number;
  downAfterMs: number;
  /** Last INFO reply time (masters and replicas). */
  infoRefresh: number;
  /** Last INFO text, for SENTINEL INFO-CACHE. */
  info: string | null;
  /** An INFO is awaiting its reply (only consulted when polling fast). */
  infoPending: boolean;
  roleReported: 'master' | 'slave';
  roleReportedTime: number;
  lastPubTime: number;
  lastHelloTime: number;
  scriptKillSent: boolean;
  /** Set when the record is dropped, so late replies addressed to it are ignored. */
  released: boolean;
}

export interface ReplicaInstance extends InstanceBase {
  readonly kind: 'slave';
  readonly master: MasterInstance;
  masterLinkDownTimeMs: number;
  masterLinkUp: boolean;
  /** Master host reported by INFO, null if never reported. */
  reportedMasterHost: string | null;
  reportedMasterPort: number;
  slaveConfChangeTime: number;
  priority: number;
  replOffset: bigint;
  announced: boolean;
  promoted: boolean;
  reconf: ReplicaReconfState;
  reconfSentTime: number;
  /** INFO says a full sync (`master_sync_in_progress:1`) or a load (`loading:1`) is under way. */
  syncInProgress: boolean;
  loading: boolean;
}

export interface PeerSentinel extends InstanceBase {
  readonly kind: 'sentinel';
  readonly master: MasterInstance;
  /** The peer said yes to our last IS-MASTER-DOWN-BY-ADDR. */
  masterDown: boolean;
  lastMasterDownReplyTime: number;
  /** When we last sent it IS-MASTER-DOWN-BY-ADDR. */
  masterDownAskedTime: number;
  /** The peer's recorded vote, '' when none. */
  leader: string;
  leaderEpoch: bigint;
  /** What the peer's last hello said of this master (since: first hello saying so), null before any. */
  helloView: { host: string; port: number; configEpoch: bigint; since: number; seenAt: number } | null;
  /** When its last hello reached us through the master's pub/sub: it saw the master then. */
  helloViaMasterTime: number;
}

export interface MasterInstance extends InstanceBase {
  readonly kind: 'master';
  /** Its settings as SENTINEL SET changes them and a flush writes them (src/config/master-options.ts). */
  options: MasterOptions;
  masterRebootSinceTime: number;
  masterReboot: boolean;
  oDown: boolean;
  oDownSinceTime: number;
  configEpoch: bigint;
  /** Our vote for this master: run ID and the epoch it was cast in. */
  leader: string;
  leaderEpoch: bigint;
  failoverState: FailoverState;
  failoverInProgress: boolean;
  forceFailover: boolean;
  failoverEpoch: bigint;
  failoverStartTime: number;
  failoverStateChangeTime: number;
  failoverDelayLogged: number;
  promotedReplica: ReplicaInstance | null;
  /** When this failover asked its replicas for INFO: selection uses only answers since. */
  failoverInfoAskedTime: number;
  /** How SENTINEL FAILOVER asked for the switch (plain unless COORDINATED). */
  failoverMode: FailoverMode;
  /** The COORDINATED handover under way, null otherwise. */
  handover: Handover | null;
  /** Minority fencing (fencing.ts): when the running CLIENT PAUSE was last sent, null if none. */
  fencePausedAt: number | null;
  /** From INFO: `redis_version` and `master_failover_state` (null when absent). */
  redisVersion: string | null;
  failoverStateReported: string | null;
  /** Keyed by `ip:port` name, in creation order. */
  replicas: Map<string, ReplicaInstance>;
  /** Keyed by run ID, in creation order. */
  sentinels: Map<string, PeerSentinel>;
  /** Sentinels known only from hellos, until they answer SENTINEL MYID (src/core/discovery.ts). */
  candidates: Map<string, Candidate>;
  /** A config update naming a new address, until that address answers INFO as a master. */
  heldSwitch: HeldSwitch | null;
}

/** A claimed sentinel: counts for nothing, is neither listed nor saved. */
export interface Candidate {
  readonly peer: PeerSentinel;
  readonly since: number;
  asked: boolean;
}

export interface HeldSwitch {
  readonly host: string;
  readonly port: number;
  readonly configEpoch: bigint;
  readonly from: PeerSentinel;
  readonly since: number;
}

export type Instance = MasterInstance | ReplicaInstance | PeerSentinel;

/** A record as the edge may see it: no field, map or nested record can be written through it. */
export type ReadonlyDeep<T> =
  T extends Map<infer K, infer V>
    ? ReadonlyMap<K, ReadonlyDeep<V>>
    : T extends (...args: never[]) => unknown
      ? T
      : T extends object
        ? { readonly [P in keyof T]: ReadonlyDeep<T[P]> }
        : T;

/** Flags as SENTINEL MASTER prints them, in Redis's order. */
export function instanceFlags(inst: ReadonlyDeep<Instance>): string[] {
  const flags: string[] = [];
  if (inst.sDown) flags.push('s_down');
  if (inst.kind === 'master' && inst.oDown) flags.push('o_down');
  flags.push(inst.kind);
  if (inst.link.disconnected) flags.push('disconnected');
  if (inst.kind === 'sentinel' && inst.masterDown) flags.push('master_down');
  if (inst.kind === 'master' && inst.failoverInProgress) flags.push('failover_in_progress');
  if (inst.kind === 'slave') {
    if (inst.promoted) flags.push('promoted');
    if (inst.reconf === 'sent') flags.push('reconf_sent');
    if (inst.reconf === 'inprog') flags.push('reconf_inprog');
    if (inst.reconf === 'done') flags.push('reconf_done');
  }
  if (inst.kind === 'master' && inst.forceFailover) flags.push('force_failover');
  if (inst.scriptKillSent) flags.push('script_kill_sent');
  // Shown by Redis 7.2+ while a rebooted master's master-reboot-down-after-period runs.
  if (inst.kind === 'master' && inst.masterReboot) flags.push('master_reboot');
  return flags;
}

/** `plain`, or COORDINATED with (`fallback`) or without a plain failover when the handover fails. */
export type FailoverMode = 'plain' | 'coordinated' | 'coordinated-or-plain';

/** A `FAILOVER TO` handover of the old master (COORDINATED). */
export interface Handover {
  /** 0 until FAILOVER TO was sent. */
  sentTime: number;
  /** The TIMEOUT given to FAILOVER TO. */
  timeoutMs: number;
  /** FAILOVER TO answered +OK: INFO replies from now on describe the handover. */
  acked: boolean;
  /** The error FAILOVER TO answered, if it did. */
  refused: string | null;
  /** master_failover_state and role of the old master in INFO since the acknowledgement. */
  reportedState: string | null;
  reportedRole: 'master' | 'slave' | null;
}
