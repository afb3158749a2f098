/**
 * How the core's state reads on the wire: SENTINEL MASTER / REPLICAS / SENTINELS fields
 * (§10.4), INFO-CACHE entries, and the INFO sentinel section (§10.5). Read-only.
 */
import { FAILOVER_STATE_NAMES, instanceFlags } from '../../core/model';
import type { CoreView, InstanceView } from '../../core/view';
import { type Reply, reply } from '../../protocol/reply';

/** The field list of §10.4, in redis-sentinel's order; every value is a bulk string. */
export function instanceFields(core: CoreView, inst: InstanceView, now: number): [string, string][] {
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
      ['quorum', String(inst.options.quorum)],
      ['failover-timeout', String(inst.options.failoverTimeoutMs)],
      ['parallel-syncs', String(inst.options.parallelSyncs)],
    );
    if (inst.options.notificationScript) f.push(['notification-script', inst.options.notificationScript]);
    if (inst.options.clientReconfigScript)
      f.push(['client-reconfig-script', inst.options.clientReconfigScript]);
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

export function instanceReply(core: CoreView, inst: InstanceView): Reply {
  return reply.bulkMap(instanceFields(core, inst, core.now()));
}

/** SENTINEL INFO-CACHE: each named master once, with its INFO and its replicas'. */
export function infoCacheReply(core: CoreView, names: readonly string[]): Reply {
  const now = core.now();
  const seen = new Set<string>();
  const out: Reply[] = [];
  for (const name of names) {
    const m = core.masters.get(name);
    if (!m || seen.has(name)) continue;
    seen.add(name);
    const entry = (inst: InstanceView): Reply =>
      reply.array([
        reply.int(inst.infoRefresh ? now - inst.infoRefresh : 0),
        inst.info === null ? reply.null : reply.bulk(inst.info),
      ]);
    out.push(reply.bulk(m.name), reply.array([entry(m), ...[...m.replicas.values()].map(entry)]));
  }
  return reply.array(out);
}

/** INFO sentinel body (§10.5). */
export function infoSentinelLines(core: CoreView, scripts: { running: number; queued: number }): string[] {
  const now = core.now();
  const sim = core.simFailure;
  const simFlags = (sim.crashAfterElection ? 1 : 0) | (sim.crashAfterPromotion ? 2 : 0);
  const lines = [
    `sentinel_masters:${core.masters.size}`,
    `sentinel_tilt:${core.tilt ? 1 : 0}`,
    `sentinel_tilt_since_seconds:${core.tilt ? Math.floor((now - core.tiltStartTime) / 1000) : -1}`,
    // Redis 8.0 and Valkey 9.0 (key:value parsers such as redis-py's take a new integer as is).
    `sentinel_total_tilt:${core.totalTilt}`,
    `sentinel_running_scripts:${scripts.running}`,
    `sentinel_scripts_queue_length:${scripts.queued}`,
    `sentinel_simulate_failure_flags:${simFlags}`,
  ];
  // ts-sentinel only, and only when asked for: INFO stays redis-sentinel's otherwise.
  if (core.fenceMinority) {
    const fenced = [...core.masters.values()].filter((m) => m.fencePausedAt !== null).length;
    lines.push('sentinel_fence_minority:1', `sentinel_fenced_masters:${fenced}`);
  }
  let i = 0;
  for (const m of core.masters.values()) {
    const status = m.oDown ? 'odown' : m.sDown ? 'sdown' : 'ok';
    lines.push(
      `master${i++}:name=${m.name},status=${status},address=${core.announceAddr(m.addr)}:${m.addr.port},` +
        `slaves=${m.replicas.size},sentinels=${m.sentinels.size + 1}`,
    );
  }
  return lines;
}
