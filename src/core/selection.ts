/** Choice of the replica to promote (sentinelSelectSlave and its ordering). */
import type { MasterInstance, ReplicaInstance } from './model';
import type { Tunables } from './tunables';

/** Lower priority first, then larger replication offset, then run ID; no run ID sorts last. */
export function compareForPromotion(a: ReplicaInstance, b: ReplicaInstance): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.replOffset !== b.replOffset) return a.replOffset > b.replOffset ? -1 : 1;
  const ra = a.runid.toLowerCase();
  const rb = b.runid.toLowerCase();
  if (ra === '' || rb === '') {
    if (ra === rb) return 0;
    return ra === '' ? 1 : -1;
  }
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/** Replicas fit for promotion right now, best first. */
export function promotionCandidates(master: MasterInstance, now: number, t: Tunables): ReplicaInstance[] {
  let maxMasterDownTime = master.downAfterMs * 10;
  if (master.sDown) maxMasterDownTime += now - master.sDownSinceTime;
  // INFO is polled every second while the master is down, every info-period otherwise.
  const infoValidity = master.sDown ? t.pingPeriod * 5 : t.infoPeriod * 3;
  const fit = [...master.replicas.values()].filter(
    (r) =>
      !r.sDown &&
      !r.link.disconnected &&
      now - r.link.lastAvailTime <= t.pingPeriod * 5 &&
      r.priority !== 0 &&
      now - r.infoRefresh <= infoValidity &&
      r.masterLinkDownTimeMs <= maxMasterDownTime,
  );
  return fit.sort(compareForPromotion);
}
