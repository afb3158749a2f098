/**
 * What INFO replies tell (§3.2): run IDs and reboots, replicas discovered from a master,
 * a replica's view of its master, and the corrections that follow (§7.7): a stray master
 * turned back into a replica, a replica pointed at the right master, reconfiguration progress.
 */
import { isIpLiteral } from '../util/ip';
import { sendSlaveOf } from './commands';
import { awaitsPromotion, promotionConfirmed } from './failover';
import { type ParsedInfo, parseInfo } from './info';
import { createReplica, hostMatches, lookupReplica, makeAddress } from './instances';
import type { MasterInstance, ReplicaInstance } from './model';
import { type CoreState, emit, note, requestFlush } from './state';

export function refreshInfo(state: CoreState, inst: MasterInstance | ReplicaInstance, text: string): void {
  const now = state.env.now();
  const info = parseInfo(text);
  inst.info = text;
  if (info.runid !== null) {
    if (inst.runid === '') {
      inst.runid = info.runid;
    } else if (inst.runid !== info.runid) {
      emit(state, '+reboot', { inst });
      if (inst.kind === 'master' && inst.options.masterRebootDownAfterPeriodMs !== 0) {
        inst.masterReboot = true;
        inst.masterRebootSinceTime = now;
      }
      inst.runid = info.runid;
    }
  }
  if (inst.kind === 'master') {
    discoverReplicas(state, inst, info.replicas);
    recordMasterInfo(inst, info);
  }
  if (inst.kind === 'slave') {
    inst.masterLinkDownTimeMs = info.masterLinkDownTimeMs;
    inst.loading = info.loading;
    inst.syncInProgress = info.role === 'slave' && info.syncInProgress;
    if (info.role === 'slave') updateReplicaView(inst, info, now);
  }
  inst.infoRefresh = now;

  const role = info.role;
  if (role !== null && role !== inst.roleReported) {
    inst.roleReportedTime = now;
    inst.roleReported = role;
    if (inst.kind === 'slave' && role === 'slave') inst.slaveConfChangeTime = now;
    emit(state, inst.kind === role ? '+role-change' : '-role-change', { inst, role });
  }
  if (state.tilt || inst.kind !== 'slave' || role === null) return;
  if (role === 'master') replicaReportsMaster(state, inst, now);
  else replicaReportsReplica(state, inst, now);
}

/** What a coordinated handover needs to know of the old master. */
function recordMasterInfo(master: MasterInstance, info: ParsedInfo): void {
  master.redisVersion = info.redisVersion;
  master.failoverStateReported = info.failoverState;
  const h = master.handover;
  if (h?.acked) {
    h.reportedState = info.failoverState ?? 'no-failover';
    h.reportedRole = info.role;
  }
}

/** What a replica says of its master and itself. */
function updateReplicaView(inst: ReplicaInstance, info: ParsedInfo, now: number): void {
  if (info.masterHost !== null && info.masterHost.toLowerCase() !== inst.reportedMasterHost?.toLowerCase()) {
    inst.reportedMasterHost = info.masterHost;
    inst.slaveConfChangeTime = now;
  }
  if (info.masterPort !== null && info.masterPort !== inst.reportedMasterPort) {
    inst.reportedMasterPort = info.masterPort;
    inst.slaveConfChangeTime = now;
  }
  if (info.masterLinkUp !== null) inst.masterLinkUp = info.masterLinkUp;
  if (info.priority !== null) inst.priority = info.priority;
  if (info.replOffset !== null) inst.replOffset = info.replOffset;
  if (info.announced !== null) inst.announced = info.announced;
}

function discoverReplicas(
  state: CoreState,
  master: MasterInstance,
  seen: readonly { ip: string; port: number }[],
): void {
  for (const rep of seen) {
    if (lookupReplica(state, master, rep.ip, rep.port)) continue;
    const addr = makeAddress(state, rep.ip, rep.port, false);
    if (!addr) {
      // A name still being looked up is retried when its answer comes (see the facade).
      const entry = state.hosts.get(rep.ip.toLowerCase());
      if (!isIpLiteral(rep.ip) && (entry === undefined || entry.fetchedAt !== 0)) {
        note(state, 'warning', { name: 'resolve-failed', detail: { host: rep.ip } });
      }
      continue;
    }
    const r = createReplica(state, master, addr);
    if (r) {
      emit(state, '+slave', { inst: r });
      requestFlush(state);
    }
  }
}

/** Our promotion confirmed, or a replica that should not be a master (§7.7). */
function replicaReportsMaster(state: CoreState, inst: ReplicaInstance, now: number): void {
  const master = inst.master;
  if (awaitsPromotion(master, inst)) return promotionConfirmed(state, master, inst, now);
  // redis-sentinel waits 4 hello periods for a newer configuration to arrive; a view that a
  // majority of the sentinels confirmed within the last hello period needs no such wait.
  const wait = viewConfirmed(state, master, now) ? 0 : state.tunables.publishPeriod * 4;
  if (
    !inst.promoted &&
    !configSuperseded(master) &&
    masterLooksSane(state, master, now) &&
    noDownFor(inst, wait, now) &&
    (wait === 0 || now - inst.roleReportedTime > wait) &&
    sendSlaveOf(state, inst, master.addr)
  ) {
    emit(state, '+convert-to-slave', { inst });
  }
}

function replicaReportsReplica(state: CoreState, inst: ReplicaInstance, now: number): void {
  const master = inst.master;
  if (
    inst.reportedMasterPort !== master.addr.port ||
    !hostMatches(state, master.addr, inst.reportedMasterHost)
  ) {
    const wait = master.options.failoverTimeoutMs;
    if (
      !configSuperseded(master) &&
      masterLooksSane(state, master, now) &&
      noDownFor(inst, wait, now) &&
      now - inst.slaveConfChangeTime > wait &&
      sendSlaveOf(state, inst, master.addr)
    ) {
      emit(state, '+fix-slave-config', { inst });
    }
  }
  if (inst.reconf !== 'sent' && inst.reconf !== 'inprog') return;
  const promoted = master.promotedReplica;
  if (
    inst.reconf === 'sent' &&
    promoted &&
    inst.reportedMasterHost !== null &&
    hostMatches(state, promoted.addr, inst.reportedMasterHost) &&
    inst.reportedMasterPort === promoted.addr.port
  ) {
    inst.reconf = 'inprog';
    emit(state, '+slave-reconf-inprog', { inst });
  }
  if (inst.reconf === 'inprog' && inst.masterLinkUp) {
    inst.reconf = 'done';
    emit(state, '+slave-reconf-done', { inst });
  }
}

/**
 * Whether this sentinel's view of `master` is current: hellos from a majority of the known
 * sentinels (counting ourselves) within the last hello period carry our config epoch and master,
 * and have said so for a hello period at least. That second part matters: hellos held back by
 * a partition arrive in a burst when it heals, as fresh as a current one but saying old things
 * (found by tests/sim/demotion.test.ts). And no election newer than that view may be under way.
 */
export function viewConfirmed(state: CoreState, master: MasterInstance, now: number): boolean {
  if (electionUnderWay(master, now)) return false;
  // Alone, nobody can confirm: hellos of unknown peers had time to arrive after 4 periods.
  if (master.sentinels.size === 0) return now - state.startTime > state.tunables.publishPeriod * 4;
  let agreeing = 1;
  for (const s of master.sentinels.values()) {
    const v = s.helloView;
    const period = state.tunables.publishPeriod;
    if (v === null || now - v.seenAt > period || now - v.since < period) continue;
    if (v.configEpoch !== master.configEpoch || v.port !== master.addr.port) continue;
    if (hostMatches(state, master.addr, v.host)) agreeing++;
  }
  return agreeing > (master.sentinels.size + 1) / 2;
}

/**
 * We voted in (or started) an election for `master` newer than its configuration, less than
 * failover-timeout ago: a leader may be promoting a replica right now, and hellos sent before
 * the election confirm nothing about a replica that answers as a master.
 */
function electionUnderWay(master: MasterInstance, now: number): boolean {
  // failoverStartTime is also set when we vote for another sentinel (election.ts voteLeader).
  return (
    master.leaderEpoch > master.configEpoch &&
    now - master.failoverStartTime < master.options.failoverTimeoutMs
  );
}

/**
 * A verified peer has told us of a newer configuration, held until its master answers as one
 * (discovery.ts): ours is known to be stale, and enforcing it would undo that failover, e.g.
 * SLAVEOF the old master to the new one. redis-sentinel switches at once, so never does this.
 */
function configSuperseded(master: MasterInstance): boolean {
  return master.heldSwitch !== null;
}

function masterLooksSane(state: CoreState, master: MasterInstance, now: number): boolean {
  return (
    master.roleReported === 'master' &&
    !master.sDown &&
    !master.oDown &&
    now - master.infoRefresh < state.tunables.infoPeriod * 2
  );
}

/** "Did not go down recently": the SDOWN start time is never cleared (replicas never reach ODOWN). */
function noDownFor(inst: ReplicaInstance, ms: number, now: number): boolean {
  return inst.sDownSinceTime === 0 || now - inst.sDownSinceTime > ms;
}
