/**
 * Choice of the replica to promote: redis-sentinel's rules (sentinelSelectSlave and its
 * ordering) and, beyond them, no replica that would become an empty master (redis/redis #13533).
 * Every rejection has a reason, so an aborted failover can say why.
 */
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

/** Why a replica is not promotable. */
export type Rejection =
  | 'sdown'
  | 'disconnected'
  | 'no-recent-ping'
  | 'priority-zero'
  | 'stale-info'
  | 'master-link-down-too-long'
  | 'full-sync-in-progress'
  | 'loading'
  | 'no-data';

export interface Judgement {
  readonly replica: ReplicaInstance;
  readonly rejection: Rejection | null;
}

/**
 * Every replica with its verdict, fit ones first and best first. `infoSince` (the time this
 * failover asked for INFO) makes older INFO answers count as stale.
 */
export function judgeReplicas(master: MasterInstance, now: number, t: Tunables, infoSince = 0): Judgement[] {
  let maxMasterDownTime = master.downAfterMs * 10;
  if (master.sDown) maxMasterDownTime += now - master.sDownSinceTime;
  // INFO is polled every second while the master is down, every info-period otherwise.
  const infoValidity = master.sDown ? t.pingPeriod * 5 : t.infoPeriod * 3;
  const firstRule = (r: ReplicaInstance): Rejection | null => {
    if (r.sDown) return 'sdown';
    if (r.link.disconnected) return 'disconnected';
    if (now - r.link.lastAvailTime > t.pingPeriod * 5) return 'no-recent-ping';
    if (r.priority === 0) return 'priority-zero';
    if (now - r.infoRefresh > infoValidity || r.infoRefresh < infoSince) return 'stale-info';
    if (r.masterLinkDownTimeMs > maxMasterDownTime) return 'master-link-down-too-long';
    if (r.syncInProgress) return 'full-sync-in-progress';
    if (r.loading) return 'loading';
    return null;
  };
  const judged = [...master.replicas.values()].map((replica) => ({ replica, rejection: firstRule(replica) }));
  // An offset of 0 is no data at all: never promoted while another candidate holds some.
  const someoneHoldsData = judged.some((j) => j.rejection === null && j.replica.replOffset > 0n);
  const final = judged.map((j) =>
    j.rejection === null && someoneHoldsData && j.replica.replOffset === 0n
      ? { ...j, rejection: 'no-data' as const }
      : j,
  );
  const fit = final
    .filter((j) => j.rejection === null)
    .sort((a, b) => compareForPromotion(a.replica, b.replica));
  return [...fit, ...final.filter((j) => j.rejection !== null)];
}

/** Replicas fit for promotion right now, best first. */
export function promotionCandidates(
  master: MasterInstance,
  now: number,
  t: Tunables,
  infoSince = 0,
): ReplicaInstance[] {
  return judgeReplicas(master, now, t, infoSince)
    .filter((j) => j.rejection === null)
    .map((j) => j.replica);
}
