/**
 * The failover state machine (§7): start, election wait, replica selection, promotion,
 * moving the other replicas, the end, and the switch to the promoted replica.
 */
import { type Outcome, failWith, succeed } from '../errors';
import { forceHelloUpdate, sendInfo, sendSlaveOf } from './commands';
import { electionSplit, getLeader } from './election';
import { abortStuckHandover, handoverBlocker, judgeHandover, sendHandover } from './handover';
import { resetMasterAndChangeAddress } from './instances';
import {
  type Address,
  type FailoverMode,
  FailoverState,
  type MasterInstance,
  type ReplicaInstance,
} from './model';
import { judgeReplicas, promotionCandidates } from './selection';
import { type CoreState, announceAddr, emit, note, push, requestFlush } from './state';
import { MAX_DESYNC_MS } from './tunables';

/** Starts a failover of an ODOWN master unless one ran too recently; true when started. */
export function startFailoverIfNeeded(state: CoreState, master: MasterInstance, now: number): boolean {
  if (!master.oDown || master.failoverInProgress) return false;
  if (now - master.failoverStartTime < master.options.failoverTimeoutMs * 2) {
    if (master.failoverDelayLogged !== master.failoverStartTime) {
      master.failoverDelayLogged = master.failoverStartTime;
      const notBefore = master.failoverStartTime + master.options.failoverTimeoutMs * 2;
      note(state, 'warning', { name: 'failover-delay', detail: { notBefore } });
    }
    return false;
  }
  if (now - master.oDownSinceTime < startStagger(state, master)) return false;
  startFailover(state, master, now, waveEpoch(state, master, now));
  return true;
}

/** How much later than the previous sentinel in run ID order each one starts its failover. */
const START_STAGGER_MS = 20;

/**
 * How long after ODOWN this sentinel waits before starting a failover: START_STAGGER_MS for each
 * reachable peer whose run ID sorts before ours. Sentinels that saw the same connections break
 * reach ODOWN within milliseconds of each other; starting together, each votes for itself and
 * nobody wins the epoch (a split vote, retried in the next one). Staggered, the first one's vote
 * requests arrive while the others still wait, and they vote for it. The first one waits for
 * nobody; when it is not the first to reach ODOWN, the failover starts later by up to its own
 * wait (the README's failover figures give what it cost). Peers only see ordinary vote requests.
 */
function startStagger(state: CoreState, master: MasterInstance): number {
  const mine = state.myid.toLowerCase();
  let before = 0;
  for (const peer of master.sentinels.values()) {
    if (!peer.sDown && !peer.link.disconnected && peer.runid.toLowerCase() < mine) before++;
  }
  return before * START_STAGGER_MS;
}

/**
 * How long failovers started after another one may share its epoch: masters that die together
 * reach ODOWN within a few ask round trips of each other.
 */
const WAVE_EPOCH_MS = 1000;

/**
 * The epoch a failover started now may share with the ones started just before it, or null
 * for a new one. Peers vote once per master and epoch (§6.1), so one epoch can elect a leader
 * for each master of a wave; an epoch of its own per failover would move every peer's current
 * epoch past the earlier ones, which peers then refuse to vote in. Only while that epoch is
 * still the current one, and never for a master that already voted, failed over or took its
 * configuration in it.
 */
function waveEpoch(state: CoreState, master: MasterInstance, now: number): bigint | null {
  const wave = state.waveEpoch;
  if (wave === null || wave.epoch !== state.currentEpoch || now - wave.openedAt > WAVE_EPOCH_MS) return null;
  if (master.leaderEpoch >= wave.epoch || master.failoverEpoch >= wave.epoch) return null;
  if (master.configEpoch >= wave.epoch) return null;
  return wave.epoch;
}

/** `epoch` null: a new epoch, which opens a wave. */
function startFailover(state: CoreState, master: MasterInstance, now: number, epoch: bigint | null): void {
  master.failoverState = FailoverState.WaitStart;
  master.failoverInProgress = true;
  if (epoch === null) {
    state.currentEpoch++;
    state.waveEpoch = { epoch: state.currentEpoch, openedAt: now };
    emit(state, '+new-epoch', { inst: master, epoch: state.currentEpoch });
  }
  master.failoverEpoch = state.currentEpoch;
  emit(state, '+try-failover', { inst: master });
  master.failoverStartTime = now + Math.floor(state.env.random() * MAX_DESYNC_MS);
  master.failoverStateChangeTime = now;
  master.failoverMode = 'plain';
  master.handover = null;
  // Replica selection uses only INFO answered from now on; ask now so it is there when the
  // election ends (an INFO already pending is answered after this moment too).
  master.failoverInfoAskedTime = now;
  for (const r of master.replicas.values()) {
    if (!r.link.disconnected && !r.infoPending) sendInfo(state, r);
  }
}

/**
 * SENTINEL FAILOVER (§7.9): a forced failover that needs no ODOWN and no election. COORDINATED
 * refuses at once when the old master cannot hand over, unless a plain failover is welcome.
 */
export function userFailover(state: CoreState, master: MasterInstance, mode: FailoverMode): Outcome {
  if (master.failoverInProgress) return failWith('SNT_ERR_FAILOVER_IN_PROGRESS');
  const now = state.env.now();
  if (promotionCandidates(master, now, state.tunables).length === 0)
    return failWith('SNT_ERR_NO_GOOD_REPLICA');
  const blocker = mode === 'plain' ? null : handoverBlocker(master);
  if (blocker && mode === 'coordinated') {
    return blocker.kind === 'unreachable'
      ? failWith('SNT_ERR_COORDINATED_MASTER_DOWN')
      : failWith('SNT_ERR_COORDINATED_MASTER_TOO_OLD', blocker.version);
  }
  note(state, 'warning', { name: 'user-failover', detail: { master: master.name } });
  startFailover(state, master, now, null);
  master.forceFailover = true;
  if (blocker) emit(state, '+failover-fallback-plain', { inst: master });
  else master.failoverMode = mode;
  return succeed();
}

/**
 * Runs the failover state machine; a step that completes moves on in the same tick
 * (redis-sentinel takes one state per tick, ~100 ms each, for no benefit).
 */
export function failoverStateMachine(state: CoreState, master: MasterInstance, now: number): void {
  for (let steps = 0; steps < 4 && master.failoverInProgress; steps++) {
    const before = master.failoverState;
    failoverStep(state, master, now);
    if (master.failoverState === before || master.failoverState === FailoverState.UpdateConfig) return;
  }
}

/** Before SLAVEOF NO ONE leaves, nothing of a failover has happened yet that must be finished. */
const UNDONE_STATES: ReadonlySet<FailoverState> = new Set([
  FailoverState.WaitStart,
  FailoverState.SelectSlave,
  FailoverState.SendSlaveofNoOne,
]);

function failoverStep(state: CoreState, master: MasterInstance, now: number): void {
  if (!master.sDown && !master.forceFailover && UNDONE_STATES.has(master.failoverState)) {
    // The master answers us again before any replica was promoted: failing it over now would
    // only cost its writes (redis-sentinel goes on). Peers that voted for us keep their pause.
    emit(state, '-failover-abort-master-back', { inst: master });
    return abortFailover(master, now);
  }
  switch (master.failoverState) {
    case FailoverState.WaitStart:
      return waitStart(state, master, now);
    case FailoverState.SelectSlave:
      return selectReplica(state, master, now);
    case FailoverState.SendSlaveofNoOne:
      return sendSlaveOfNoOne(state, master, now);
    case FailoverState.WaitPromotion:
      return waitPromotion(state, master, now);
    case FailoverState.ReconfSlaves:
      return reconfNextReplicas(state, master, now);
    case FailoverState.WaitHandover:
      return waitHandover(state, master, now);
    case FailoverState.None:
    case FailoverState.UpdateConfig:
      return;
  }
}

/**
 * A failover still waiting for votes moves to the current epoch once another sentinel's failover
 * has raised it: peers refuse votes below their current epoch, so the old one can no longer be
 * won. Only when we have not voted for this master in that epoch; no epoch is created, so
 * sentinels competing in a wave do not push each other's epochs up. True when it moved: the
 * votes are to be asked again at once.
 */
export function joinCurrentEpoch(state: CoreState, master: MasterInstance): boolean {
  if (master.failoverState !== FailoverState.WaitStart || master.forceFailover) return false;
  if (master.failoverEpoch >= state.currentEpoch || master.leaderEpoch >= state.currentEpoch) return false;
  master.failoverEpoch = state.currentEpoch;
  return true;
}

function setFailoverState(master: MasterInstance, s: FailoverState, now: number): void {
  master.failoverState = s;
  master.failoverStateChangeTime = now;
}

function waitStart(state: CoreState, master: MasterInstance, now: number): void {
  const leader = getLeader(state, master, master.failoverEpoch);
  const isLeader = leader !== null && leader.toLowerCase() === state.myid.toLowerCase();
  if (!isLeader && !master.forceFailover) {
    if (electionSplit(state, master, master.failoverEpoch)) {
      // Nobody was elected: try again in a new epoch after a random pause, rather than 2 x
      // failover-timeout later; whoever asks first then gets the others' votes. (A failover
      // somebody else may have won keeps the long pause: its leader is at work.)
      emit(state, '-failover-abort-not-elected', { inst: master });
      abortFailover(master, now);
      const pause = Math.floor(state.env.random() * MAX_DESYNC_MS);
      master.failoverStartTime = now + pause - master.options.failoverTimeoutMs * 2;
      return;
    }
    const electionTimeout = Math.min(state.tunables.electionTimeout, master.options.failoverTimeoutMs);
    if (now - master.failoverStartTime > electionTimeout) {
      emit(state, '-failover-abort-not-elected', { inst: master });
      abortFailover(master, now);
    }
    return;
  }
  emit(state, '+elected-leader', { inst: master });
  if (state.simFailure.crashAfterElection) return simulatedCrash(state);
  setFailoverState(master, FailoverState.SelectSlave, now);
  emit(state, '+failover-state-select-slave', { inst: master });
}

function selectReplica(state: CoreState, master: MasterInstance, now: number): void {
  // An election won within a tick can come before the replicas' INFO replies: wait for those
  // (up to a ping period) and choose on this failover's answers, never on older ones.
  const infoComing = [...master.replicas.values()].some((r) => r.infoPending && !r.link.disconnected);
  if (infoComing && now - master.failoverStateChangeTime < state.tunables.pingPeriod) return;
  const judged = judgeReplicas(master, now, state.tunables, master.failoverInfoAskedTime);
  const chosen = judged[0]?.rejection === null ? judged[0].replica : null;
  if (!chosen) {
    emit(state, '-failover-abort-no-good-slave', { inst: master });
    for (const j of judged) {
      if (j.rejection === null) continue;
      const detail = { master: master.name, replica: j.replica.name, reason: j.rejection };
      note(state, 'warning', { name: 'replica-rejected', detail });
    }
    abortFailover(master, now);
    return;
  }
  emit(state, '+selected-slave', { inst: chosen });
  chosen.promoted = true;
  master.promotedReplica = chosen;
  if (master.failoverMode !== 'plain') return startHandover(state, master, chosen, now);
  toSlaveOfNoOne(state, master, chosen, now);
}

function toSlaveOfNoOne(
  state: CoreState,
  master: MasterInstance,
  chosen: ReplicaInstance,
  now: number,
): void {
  setFailoverState(master, FailoverState.SendSlaveofNoOne, now);
  emit(state, '+failover-state-send-slaveof-noone', { inst: chosen });
}

/** COORDINATED: the old master is asked to hand over to the chosen replica (handover.ts). */
function startHandover(state: CoreState, master: MasterInstance, chosen: ReplicaInstance, now: number): void {
  const blocker = handoverBlocker(master);
  if (blocker?.kind === 'unreachable') {
    emit(state, '-failover-abort-master-unreachable', { inst: master });
    return handoverFailed(state, master, now);
  }
  if (blocker?.kind === 'too-old') {
    emit(state, '-failover-abort-master-too-old', { inst: master, version: blocker.version });
    return handoverFailed(state, master, now);
  }
  const h = sendHandover(state, master, chosen, now);
  setFailoverState(master, FailoverState.WaitHandover, now);
  emit(state, '+failover-state-handover', { inst: chosen, timeoutMs: h.timeoutMs });
}

function waitHandover(state: CoreState, master: MasterInstance, now: number): void {
  const verdict = judgeHandover(state, master, now);
  switch (verdict.kind) {
    case 'wait':
      return;
    case 'refused':
      emit(state, '-failover-abort-handover-refused', { inst: master, error: verdict.error });
      break;
    case 'failed':
      emit(state, '-failover-abort-handover-failed', { inst: master });
      break;
    case 'timeout':
      abortStuckHandover(state, master, verdict.state);
      emit(state, '-failover-abort-handover-timeout', { inst: master, state: verdict.state });
      break;
  }
  handoverFailed(state, master, now);
}

/** The handover did not happen: a plain failover if the user said FORCE, else the end. */
function handoverFailed(state: CoreState, master: MasterInstance, now: number): void {
  master.handover = null;
  const chosen = master.promotedReplica;
  if (master.failoverMode !== 'coordinated-or-plain' || !chosen) return abortFailover(master, now);
  master.failoverMode = 'plain';
  emit(state, '+failover-fallback-plain', { inst: master });
  toSlaveOfNoOne(state, master, chosen, now);
}

function sendSlaveOfNoOne(state: CoreState, master: MasterInstance, now: number): void {
  const promoted = master.promotedReplica;
  if (!promoted) return;
  if (promoted.link.disconnected) {
    if (now - master.failoverStateChangeTime > master.options.failoverTimeoutMs) {
      emit(state, '-failover-abort-slave-timeout', { inst: master });
      abortFailover(master, now);
    }
    return;
  }
  if (!sendSlaveOf(state, promoted, null)) return;
  // Answered right after the transaction on the same link: the promotion is seen at once,
  // not at the next tick's INFO.
  sendInfo(state, promoted);
  emit(state, '+failover-state-wait-promotion', { inst: promoted });
  setFailoverState(master, FailoverState.WaitPromotion, now);
}

function waitPromotion(state: CoreState, master: MasterInstance, now: number): void {
  if (now - master.failoverStateChangeTime > master.options.failoverTimeoutMs) {
    emit(state, '-failover-abort-slave-timeout', { inst: master });
    abortFailover(master, now);
  }
}

/** Whether an INFO saying "master" from this replica confirms our promotion. */
export function awaitsPromotion(master: MasterInstance, replica: ReplicaInstance): boolean {
  return (
    replica.promoted &&
    master.failoverInProgress &&
    (master.failoverState === FailoverState.WaitPromotion ||
      master.failoverState === FailoverState.WaitHandover)
  );
}

/** §7.5. */
export function promotionConfirmed(
  state: CoreState,
  master: MasterInstance,
  promoted: ReplicaInstance,
  now: number,
): void {
  master.configEpoch = master.failoverEpoch;
  master.handover = null;
  setFailoverState(master, FailoverState.ReconfSlaves, now);
  requestFlush(state);
  emit(state, '+promoted-slave', { inst: promoted });
  if (state.simFailure.crashAfterPromotion) return simulatedCrash(state);
  emit(state, '+failover-state-reconf-slaves', { inst: master });
  clientReconfigScript(state, master, 'leader', master.addr, promoted.addr);
  forceHelloUpdate(state, master);
  demoteOldMaster(state, master, promoted);
  // Start moving the other replicas at once instead of at the next tick.
  reconfNextReplicas(state, master, now);
}

/**
 * Beyond redis-sentinel: a reachable old master (a user failover, a handover) is demoted now
 * with the replicas' transaction, instead of ~10 s later by the stray-master rule, so clients
 * stop writing into it as soon as the promotion is confirmed. A handed-over master already
 * follows the new one; the transaction also rewrites its config and drops its clients.
 */
function demoteOldMaster(state: CoreState, master: MasterInstance, promoted: ReplicaInstance): void {
  if (master.sDown || master.link.disconnected) return;
  if (!sendSlaveOf(state, master, promoted.addr)) return;
  emit(state, '+demote-old-master', {
    inst: master,
    to: { host: announceAddr(state, promoted.addr), port: promoted.addr.port },
  });
}

/** §7.6. */
function reconfNextReplicas(state: CoreState, master: MasterInstance, now: number): void {
  const promoted = master.promotedReplica;
  if (!promoted) return;
  let inProgress = 0;
  for (const r of master.replicas.values()) if (r.reconf === 'sent' || r.reconf === 'inprog') inProgress++;
  for (const r of master.replicas.values()) {
    if (inProgress >= master.options.parallelSyncs) break;
    if (r.promoted || r.reconf === 'done') continue;
    if (r.reconf === 'sent' && now - r.reconfSentTime > state.tunables.slaveReconfTimeout) {
      emit(state, '-slave-reconf-sent-timeout', { inst: r });
      r.reconf = 'done';
    }
    if (r.reconf === 'sent' || r.reconf === 'inprog' || r.reconf === 'done') continue;
    if (r.link.disconnected) continue;
    if (sendSlaveOf(state, r, promoted.addr)) {
      r.reconf = 'sent';
      r.reconfSentTime = now;
      emit(state, '+slave-reconf-sent', { inst: r });
      inProgress++;
    }
  }
  detectEnd(state, master, now);
}

function detectEnd(state: CoreState, master: MasterInstance, now: number): void {
  const promoted = master.promotedReplica;
  if (!promoted || promoted.sDown) return;
  let notReconfigured = 0;
  for (const r of master.replicas.values()) {
    if (r.promoted || r.reconf === 'done' || r.sDown) continue;
    notReconfigured++;
  }
  let timeout = false;
  if (now - master.failoverStateChangeTime > master.options.failoverTimeoutMs) {
    notReconfigured = 0;
    timeout = true;
    emit(state, '+failover-end-for-timeout', { inst: master });
  }
  if (notReconfigured === 0) {
    emit(state, '+failover-end', { inst: master });
    setFailoverState(master, FailoverState.UpdateConfig, now);
  }
  if (!timeout) return;
  // Best effort for the replicas left behind.
  for (const r of master.replicas.values()) {
    if (r.promoted || r.reconf === 'done' || r.reconf === 'sent') continue;
    if (r.link.disconnected) continue;
    if (sendSlaveOf(state, r, promoted.addr)) {
      emit(state, '+slave-reconf-sent-be', { inst: r });
      r.reconf = 'sent';
    }
  }
}

function abortFailover(master: MasterInstance, now: number): void {
  master.failoverInProgress = false;
  master.forceFailover = false;
  master.failoverMode = 'plain';
  master.handover = null;
  setFailoverState(master, FailoverState.None, now);
  if (master.promotedReplica) {
    master.promotedReplica.promoted = false;
    master.promotedReplica = null;
  }
}

/** §7.8: the failover is over; the promoted replica becomes the master we watch. */
export function switchToPromoted(state: CoreState, master: MasterInstance): void {
  const ref = master.promotedReplica ?? master;
  emit(state, '+switch-master', {
    inst: master,
    from: { host: announceAddr(state, master.addr), port: master.addr.port },
    to: { host: announceAddr(state, ref.addr), port: ref.addr.port },
  });
  resetMasterAndChangeAddress(state, master, ref.addr.host, ref.addr.port);
}

export function clientReconfigScript(
  state: CoreState,
  master: MasterInstance,
  role: 'leader' | 'observer',
  from: Address,
  to: Address,
): void {
  if (!master.options.clientReconfigScript) return;
  push(state, {
    kind: 'script',
    argv: [
      master.options.clientReconfigScript,
      master.name,
      role,
      'start',
      announceAddr(state, from),
      String(from.port),
      announceAddr(state, to),
      String(to.port),
    ],
  });
}

function simulatedCrash(state: CoreState): void {
  note(state, 'warning', { name: 'simulated-crash', detail: {} });
  push(state, { kind: 'exit', code: 99 });
}
