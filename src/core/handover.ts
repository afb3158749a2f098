/**
 * The handover of a COORDINATED failover: the elected leader asks the old master itself to
 * switch with `FAILOVER TO <replica> TIMEOUT <ms>` (Redis >= 6.2), which pauses writes, waits
 * until the replica has every byte, and swaps the roles, so no acknowledged write is lost.
 * Progress is read from the old master's INFO (`master_failover_state`). The decisions here
 * are pure verdicts; failover.ts moves the state machine.
 */
import type { LinkReply } from './actions';
import { NO_DECISION, send } from './links';
import type { Handover, MasterInstance, ReplicaInstance } from './model';
import type { CoreState } from './state';

/** The longest TIMEOUT given to FAILOVER TO: writes stay paused at most this long. */
export const MAX_HANDOVER_TIMEOUT_MS = 10_000;

/** What Redis answers in master_failover_state while no handover runs. */
const NO_HANDOVER = 'no-failover';

/** Why the old master cannot hand over, or null when it can be asked. */
export type HandoverBlocker =
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'too-old'; readonly version: string };

export function handoverBlocker(master: MasterInstance): HandoverBlocker | null {
  if (master.link.disconnected || master.link.cmdConn === null || master.sDown)
    return { kind: 'unreachable' };
  const v = master.redisVersion;
  if (v !== null && !supportsFailover(v)) return { kind: 'too-old', version: v };
  return null;
}

/** FAILOVER exists from Redis 6.2 on (Valkey reports a redis_version of 7.2.4 or newer). */
function supportsFailover(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return major > 6 || (major === 6 && minor >= 2);
}

/** Sends FAILOVER TO; a handover somebody else left behind is aborted first (and only then). */
export function sendHandover(
  state: CoreState,
  master: MasterInstance,
  target: ReplicaInstance,
  now: number,
): Handover {
  const timeoutMs = Math.min(master.options.failoverTimeoutMs, MAX_HANDOVER_TIMEOUT_MS);
  if (master.failoverStateReported !== null && master.failoverStateReported !== NO_HANDOVER) {
    send(state, master, 'cmd', ['FAILOVER', 'ABORT'], NO_DECISION);
  }
  const handover: Handover = {
    sentTime: now,
    timeoutMs,
    acked: false,
    refused: null,
    reportedState: null,
    reportedRole: null,
  };
  master.handover = handover;
  send(
    state,
    master,
    'cmd',
    ['FAILOVER', 'TO', target.addr.host, String(target.addr.port), 'TIMEOUT', String(timeoutMs)],
    { kind: 'handover', inst: master },
  );
  return handover;
}

export function onHandoverReply(master: MasterInstance, reply: LinkReply): void {
  const h = master.handover;
  if (!h) return;
  if (!reply.ok) {
    h.refused = reply.error;
    return;
  }
  h.acked = true;
  // INFO answered before this reply describes the master before the handover began.
  h.reportedState = null;
  h.reportedRole = null;
}

/** Where a handover stands; `timeout` carries the state the old master last reported. */
export type HandoverVerdict =
  | { readonly kind: 'wait' }
  | { readonly kind: 'refused'; readonly error: string }
  | { readonly kind: 'failed' }
  | { readonly kind: 'timeout'; readonly state: string };

export function judgeHandover(state: CoreState, master: MasterInstance, now: number): HandoverVerdict {
  const h = master.handover;
  if (!h) return { kind: 'wait' };
  if (h.refused !== null) return { kind: 'refused', error: h.refused };
  // Redis gave up on its own (its TIMEOUT passed, or the replica refused PSYNC FAILOVER).
  if (h.acked && h.reportedState === NO_HANDOVER && h.reportedRole === 'master') return { kind: 'failed' };
  // Redis ends a handover within its TIMEOUT; two INFO polls later it is stuck.
  if (now - h.sentTime > h.timeoutMs + state.tunables.pingPeriod * 2) {
    return { kind: 'timeout', state: h.reportedState ?? 'unknown' };
  }
  return { kind: 'wait' };
}

/** A handover stuck past its deadline is aborted, but only if the master still runs one. */
export function abortStuckHandover(state: CoreState, master: MasterInstance, reportedState: string): void {
  if (reportedState === NO_HANDOVER || master.link.cmdConn === null) return;
  send(state, master, 'cmd', ['FAILOVER', 'ABORT'], NO_DECISION);
}
