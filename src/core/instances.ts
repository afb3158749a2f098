/**
 * Instance records: creating masters, replicas and peer sentinels, sharing and releasing
 * their links, resolving and comparing their addresses (§13), and resetting a master.
 */
import { defaultMasterOptions } from '../config/master-options';
import { isIpLiteral } from '../util/ip';
import { sameAddress, sameHost } from './address';
import { allowReconnectNow, closeLink, newLink } from './links';
import {
  type Address,
  FailoverState,
  type Instance,
  type MasterInstance,
  type PeerSentinel,
  type ReplicaInstance,
} from './model';
import { type CoreState, announceAddr, emit, push, requestFlush } from './state';
import { DEFAULT_SLAVE_PRIORITY } from './tunables';

/** A hostname's answer is asked again when used this long after it came. */
export const RESOLVE_REFRESH_MS = 1000;

/**
 * The last known IP of `host` (itself for an IP literal), or null. An unknown or stale name
 * is looked up by the edge, whose answer arrives as `onResolved`: nothing here waits.
 */
export function lookupHost(state: CoreState, host: string): string | null {
  if (isIpLiteral(host)) return host;
  const key = host.toLowerCase();
  let entry = state.hosts.get(key);
  if (!entry) {
    entry = { ip: null, fetchedAt: 0, inFlight: false };
    state.hosts.set(key, entry);
  }
  const now = state.env.now();
  if (!entry.inFlight && (entry.fetchedAt === 0 || now - entry.fetchedAt >= RESOLVE_REFRESH_MS)) {
    entry.inFlight = true;
    push(state, { kind: 'resolve', host: key });
  }
  return entry.ip;
}

/** True while a name has never been answered: decisions that need it wait for the answer. */
export function awaitingAnswer(state: CoreState, host: string): boolean {
  if (isIpLiteral(host) || !state.settings.resolveHostnames) return false;
  const entry = state.hosts.get(host.toLowerCase());
  return entry === undefined || (entry.ip === null && entry.fetchedAt === 0);
}

/** Records a lookup's answer; true when the name had no address before. A failure keeps the last one. */
export function recordAnswer(state: CoreState, host: string, ip: string | null): boolean {
  const key = host.toLowerCase();
  const entry = state.hosts.get(key) ?? { ip: null, fetchedAt: 0, inFlight: false };
  state.hosts.set(key, entry);
  const wasUnknown = entry.ip === null;
  entry.inFlight = false;
  entry.fetchedAt = state.env.now();
  if (ip !== null) entry.ip = ip;
  return wasUnknown && ip !== null;
}

/** Builds an address; null when the host cannot be used (§13). */
export function makeAddress(
  state: CoreState,
  host: string,
  port: number,
  acceptUnresolved: boolean,
): Address | null {
  if (port < 0 || port > 65535) return null;
  if (isIpLiteral(host)) return { host, ip: host, port };
  if (!state.settings.resolveHostnames) return null;
  const ip = lookupHost(state, host);
  if (ip === null && !acceptUnresolved) return null;
  return { host, ip: ip ?? '', port };
}

/** Compares a reported host string with an address, resolution-aware (§13). */
export function hostMatches(state: CoreState, addr: Address, reported: string | null): boolean {
  if (reported === null) return false;
  const resolve = state.settings.resolveHostnames;
  const ip = isIpLiteral(reported) ? reported : resolve ? lookupHost(state, reported) : null;
  if (ip !== null) return ip === addr.ip || sameHost(reported, addr.host);
  return resolve ? sameHost(reported, addr.host) : reported === addr.ip;
}

/** The master address everybody should use now: the promoted replica once promotion is confirmed. */
export function currentMasterAddress(master: MasterInstance): Address {
  if (
    master.failoverInProgress &&
    master.promotedReplica &&
    (master.failoverState === FailoverState.ReconfSlaves ||
      master.failoverState === FailoverState.UpdateConfig)
  ) {
    return master.promotedReplica.addr;
  }
  return master.addr;
}

function base(state: CoreState, now: number, addr: Address, downAfterMs: number) {
  return {
    addr,
    runid: '',
    link: newLink(state, now),
    sDown: false,
    sDownSinceTime: 0,
    downAfterMs,
    infoRefresh: 0,
    info: null,
    infoPending: false,
    roleReportedTime: now,
    lastPubTime: now,
    lastHelloTime: now,
    scriptKillSent: false,
    released: false,
  };
}

export function createMaster(state: CoreState, name: string, addr: Address, quorum: number): MasterInstance {
  const now = state.env.now();
  const t = state.tunables;
  const m: MasterInstance = {
    kind: 'master',
    name,
    ...base(state, now, addr, t.defaultDownAfter),
    roleReported: 'master',
    // SENTINEL DEBUG default-down-after / default-failover-timeout apply to masters created later.
    options: {
      ...defaultMasterOptions(quorum),
      downAfterMs: t.defaultDownAfter,
      failoverTimeoutMs: t.defaultFailoverTimeout,
    },
    masterRebootSinceTime: 0,
    masterReboot: false,
    oDown: false,
    oDownSinceTime: 0,
    configEpoch: 0n,
    leader: '',
    leaderEpoch: 0n,
    failoverState: FailoverState.None,
    failoverInProgress: false,
    forceFailover: false,
    failoverEpoch: 0n,
    failoverStartTime: 0,
    failoverStateChangeTime: 0,
    failoverDelayLogged: 0,
    promotedReplica: null,
    failoverInfoAskedTime: 0,
    failoverMode: 'plain',
    handover: null,
    fencePausedAt: null,
    redisVersion: null,
    failoverStateReported: null,
    replicas: new Map(),
    sentinels: new Map(),
    candidates: new Map(),
    heldSwitch: null,
  };
  state.masters.set(name, m);
  return m;
}

export function replicaName(state: CoreState, addr: Address): string {
  const host = announceAddr(state, addr);
  return host.includes(':') ? `[${host}]:${addr.port}` : `${host}:${addr.port}`;
}

/** Null when a replica with that name already exists. */
export function createReplica(
  state: CoreState,
  master: MasterInstance,
  addr: Address,
): ReplicaInstance | null {
  const name = replicaName(state, addr);
  if (master.replicas.has(name)) return null;
  const now = state.env.now();
  const r: ReplicaInstance = {
    kind: 'slave',
    name,
    master,
    ...base(state, now, addr, master.downAfterMs),
    roleReported: 'slave',
    masterLinkDownTimeMs: 0,
    masterLinkUp: false,
    reportedMasterHost: null,
    reportedMasterPort: 0,
    slaveConfChangeTime: now,
    priority: DEFAULT_SLAVE_PRIORITY,
    replOffset: 0n,
    announced: true,
    promoted: false,
    reconf: 'none',
    reconfSentTime: 0,
    syncInProgress: false,
    loading: false,
  };
  master.replicas.set(name, r);
  return r;
}

/**
 * Null when a sentinel with that run ID already exists. A verified candidate brings its
 * record, whose link is already connected.
 */
export function createPeer(
  state: CoreState,
  master: MasterInstance,
  runid: string,
  addr: Address,
  verified?: PeerSentinel,
): PeerSentinel | null {
  if (master.sentinels.has(runid)) return null;
  const s = verified ?? peerRecord(state, master, runid, addr);
  master.sentinels.set(runid, s);
  shareLink(state, s);
  return s;
}

/** A peer record that belongs to no list yet. */
export function peerRecord(
  state: CoreState,
  master: MasterInstance,
  runid: string,
  addr: Address,
): PeerSentinel {
  const now = state.env.now();
  return {
    kind: 'sentinel',
    name: runid,
    master,
    ...base(state, now, addr, master.downAfterMs),
    runid,
    // A sentinel never reports a role; 'slave' is what SENTINEL SENTINELS would not show anyway.
    roleReported: 'slave',
    masterDown: false,
    lastMasterDownReplyTime: now,
    masterDownAskedTime: 0,
    leader: '',
    leaderEpoch: 0n,
    helloView: null,
    helloViaMasterTime: 0,
  };
}

/** N peers watching M masters cost N links, not N x M (§2.4). */
function shareLink(state: CoreState, s: PeerSentinel): void {
  for (const m of state.masters.values()) {
    if (m === s.master) continue;
    const other = m.sentinels.get(s.runid);
    if (!other || other.link === s.link) continue;
    releaseLink(state, s);
    s.link = other.link;
    s.link.refcount++;
    return;
  }
}

function releaseLink(state: CoreState, inst: Instance): void {
  const link = inst.link;
  link.refcount--;
  if (link.refcount <= 0) closeLink(state, link);
}

export function releaseInstance(state: CoreState, inst: Instance): void {
  inst.released = true;
  releaseLink(state, inst);
  if (inst.kind === 'master') {
    for (const r of inst.replicas.values()) releaseInstance(state, r);
    for (const s of inst.sentinels.values()) releaseInstance(state, s);
    for (const c of inst.candidates.values()) releaseInstance(state, c.peer);
    inst.replicas.clear();
    inst.sentinels.clear();
    inst.candidates.clear();
  }
}

export function lookupReplica(
  state: CoreState,
  master: MasterInstance,
  host: string,
  port: number,
): ReplicaInstance | null {
  const addr = makeAddress(state, host, port, true);
  if (!addr) return null;
  return master.replicas.get(replicaName(state, addr)) ?? null;
}

export function removePeer(state: CoreState, master: MasterInstance, runid: string): boolean {
  const s = master.sentinels.get(runid);
  if (!s) return false;
  master.sentinels.delete(runid);
  releaseInstance(state, s);
  return true;
}

/** Forget replicas, links and failover state; keep sentinels unless `dropSentinels` (§7.8, RESET). */
export function resetMaster(
  state: CoreState,
  master: MasterInstance,
  dropSentinels: boolean,
  generateEvent: boolean,
): void {
  const now = state.env.now();
  for (const r of master.replicas.values()) releaseInstance(state, r);
  master.replicas.clear();
  if (dropSentinels) {
    for (const s of master.sentinels.values()) releaseInstance(state, s);
    for (const c of master.candidates.values()) releaseInstance(state, c.peer);
    master.sentinels.clear();
    master.candidates.clear();
  }
  closeLink(state, master.link);
  master.sDown = false;
  master.oDown = false;
  master.failoverInProgress = false;
  master.forceFailover = false;
  master.masterReboot = false;
  master.scriptKillSent = false;
  master.leader = '';
  master.failoverState = FailoverState.None;
  master.failoverStateChangeTime = 0;
  master.failoverStartTime = 0;
  master.promotedReplica = null;
  master.heldSwitch = null;
  master.failoverMode = 'plain';
  master.handover = null;
  // A pause on the old address lapses by itself (fencing.ts renews it no more).
  if (master.fencePausedAt !== null) emit(state, '-fence-minority', { inst: master });
  master.fencePausedAt = null;
  master.runid = '';
  master.link.actPingTime = now;
  master.link.lastPingTime = 0;
  master.link.lastAvailTime = now;
  master.link.lastPongTime = now;
  // Two departures from redis-sentinel, both found by tests/integration/quorum.test.ts: the
  // master (often at a new address) is reconnected at the next tick rather than up to a ping
  // period later, so down-after is not eaten by the wait; and peers' "master is down" answers,
  // which were about the old address, are forgotten instead of counting towards an ODOWN of
  // the new master for five more seconds.
  allowReconnectNow(master.link);
  for (const peer of master.sentinels.values()) peer.masterDown = false;
  master.roleReportedTime = now;
  master.roleReported = 'master';
  if (generateEvent) emit(state, '+reset-master', { inst: master });
}

/** Moves a master to a new address; its old address and other replicas become its replicas (§7.8). */
export function resetMasterAndChangeAddress(
  state: CoreState,
  master: MasterInstance,
  host: string,
  port: number,
): boolean {
  const newAddr = makeAddress(state, host, port, false);
  if (!newAddr) return false;
  const keep: Address[] = [];
  for (const r of master.replicas.values()) {
    if (!sameAddress(r.addr, newAddr)) keep.push({ ...r.addr });
  }
  if (!sameAddress(newAddr, master.addr)) keep.push({ ...master.addr });
  resetMaster(state, master, false, false);
  master.addr = newAddr;
  master.oDownSinceTime = 0;
  master.sDownSinceTime = 0;
  for (const a of keep) {
    const r = createReplica(state, master, a);
    if (r) emit(state, '+slave', { inst: r });
  }
  requestFlush(state);
  return true;
}

/** Applies down-after-milliseconds to the master and every record below it. */
export function setDownAfter(master: MasterInstance, ms: number): void {
  master.options.downAfterMs = ms;
  master.downAfterMs = ms;
  for (const r of master.replicas.values()) r.downAfterMs = ms;
  for (const s of master.sentinels.values()) s.downAfterMs = ms;
}

/**
 * Drops a connection pair so it reconnects with new credentials at the next tick. A departure
 * from redis-sentinel, which waits up to a ping period: meanwhile down-after keeps counting the
 * old credentials' refusals, so SDOWN and a failover can follow a password already fixed (the
 * upstream 03-runtime-reconf ACL test, in TLS mode, loses that race at times with either).
 */
export function dropLinks(state: CoreState, insts: Iterable<Instance>): void {
  for (const inst of insts) {
    closeLink(state, inst.link);
    allowReconnectNow(inst.link);
  }
}
