/**
 * Is it down? PING replies, SDOWN (§5.1), peers' opinions and ODOWN (§5.2-5.3), and TILT,
 * the clock check that stops all judging for a while after a jump or a stall (§8).
 */
import type { LinkReply } from './actions';
import { sendScriptKill } from './commands';
import { closeConnection, send } from './links';
import {
  FailoverState,
  type Instance,
  type MasterInstance,
  type PeerSentinel,
  type ReadonlyDeep,
} from './model';
import { epochClaimProblem } from './epochs';
import { refuse, replyType } from './refusals';
import { type CoreState, announceAddr, emit, note } from './state';
import type { Tunables } from './tunables';

export function checkTilt(state: CoreState): void {
  const now = state.env.now();
  const delta = now - state.previousTime;
  if (delta < 0 || delta > state.tunables.tiltTrigger) {
    state.tilt = true;
    state.tiltStartTime = now;
    state.totalTilt += 1;
    emit(state, '+tilt', {});
  }
  state.previousTime = now;
}

/** Leaves TILT once tilt-period has passed; true while still in it. */
export function stillInTilt(state: CoreState, now: number): boolean {
  if (!state.tilt) return false;
  if (now - state.tiltStartTime < state.tunables.tiltPeriod) return true;
  state.tilt = false;
  emit(state, '-tilt', {});
  return false;
}

export function onPingReply(state: CoreState, inst: Instance, r: LinkReply): void {
  const link = inst.link;
  const now = state.env.now();
  if (r.ok && typeof r.value !== 'string') {
    const reason = `${replyType(r.value)} instead of a status`;
    refuse(state, {
      name: 'reply-refused',
      detail: { from: `${inst.kind} ${inst.name}`, command: 'PING', reason },
    });
  }
  const text = r.ok ? (typeof r.value === 'string' ? r.value : '') : r.error;
  if (text.startsWith('PONG') || text.startsWith('LOADING') || text.startsWith('MASTERDOWN')) {
    link.lastAvailTime = now;
    link.actPingTime = 0;
    if (inst.kind === 'master' && inst.masterReboot && text.startsWith('PONG')) inst.masterReboot = false;
  } else if (!r.ok && text.startsWith('BUSY') && inst.sDown && !inst.scriptKillSent) {
    sendScriptKill(state, inst);
  }
  link.lastPongTime = now;
}

export function checkSubjectivelyDown(state: CoreState, inst: Instance, now: number): void {
  const link = inst.link;
  let elapsed = 0;
  if (link.actPingTime !== 0) elapsed = now - link.actPingTime;
  else if (link.disconnected) elapsed = now - link.lastAvailTime;
  const t = state.tunables;
  // A link that looks connected but stays silent is reconnected (§2.3).
  if (
    link.cmdConn !== null &&
    now - link.cmdConnTime > t.minLinkReconnectPeriod &&
    link.actPingTime !== 0 &&
    now - link.actPingTime > inst.downAfterMs / 2 &&
    now - link.lastPongTime > inst.downAfterMs / 2
  ) {
    closeConnection(state, link, 'cmd');
  }
  if (
    link.pubsubConn !== null &&
    now - link.pubsubConnTime > t.minLinkReconnectPeriod &&
    now - link.pubsubLastActivity > t.publishPeriod * 3
  ) {
    closeConnection(state, link, 'pubsub');
  }
  const down =
    elapsed > inst.downAfterMs ||
    (inst.kind === 'master' &&
      inst.roleReported === 'slave' &&
      now - inst.roleReportedTime > inst.downAfterMs + t.infoPeriod * 2) ||
    (inst.kind === 'master' &&
      inst.masterReboot &&
      now - inst.masterRebootSinceTime > inst.options.masterRebootDownAfterPeriodMs);
  if (!down && inst.kind === 'master' && elapsed > 0) {
    const deadline = now - elapsed + inst.downAfterMs + 1;
    if (deadline < state.sdownDeadline) state.sdownDeadline = deadline;
  }
  if (down && !inst.sDown) {
    emit(state, '+sdown', { inst });
    inst.sDownSinceTime = now;
    inst.sDown = true;
  } else if (!down && inst.sDown) {
    emit(state, '-sdown', { inst });
    inst.sDown = false;
    inst.scriptKillSent = false;
  }
}

export function checkObjectivelyDown(state: CoreState, master: MasterInstance, now: number): void {
  let votes = 0;
  let odown = false;
  if (master.sDown) {
    votes = 1;
    for (const s of master.sentinels.values()) if (s.masterDown) votes++;
    odown = votes >= master.options.quorum;
  }
  if (odown && !master.oDown) {
    emit(state, '+odown', { inst: master, votes, quorum: master.options.quorum });
    master.oDown = true;
    master.oDownSinceTime = now;
  } else if (!odown && master.oDown) {
    emit(state, '-odown', { inst: master });
    master.oDown = false;
  }
}

/**
 * Why peers are asked: the regular schedule of a tick, a failover starting (asked now), or a
 * peer's own question showing that another sentinel has reached SDOWN (see askDue).
 */
export type AskReason = 'tick' | 'failover' | 'prompted';

/** §5.3: ask every peer about a master we see down. */
export function askPeers(state: CoreState, master: MasterInstance, reason: AskReason, now: number): void {
  const t = state.tunables;
  for (const peer of master.sentinels.values()) {
    if (now - peer.lastMasterDownReplyTime > t.askPeriod * 5) {
      peer.masterDown = false;
      peer.leader = '';
    }
    if (!master.sDown) continue;
    if (peer.link.disconnected) continue;
    if (reason !== 'failover' && !askDue(t, master, peer, now, reason === 'prompted')) continue;
    peer.masterDownAskedTime = now;
    const asksVote = master.failoverState > FailoverState.None;
    const runid = asksVote ? state.myid : '*';
    // A vote is asked for the epoch it is counted in (election.ts getLeader).
    const epoch = asksVote ? master.failoverEpoch : state.currentEpoch;
    const addr = master.addr;
    send(
      state,
      peer,
      'cmd',
      [
        'SENTINEL',
        'is-master-down-by-addr',
        announceAddr(state, addr),
        String(addr.port),
        String(epoch),
        runid,
      ],
      { kind: 'is-master-down', inst: peer },
    );
  }
}

/**
 * Once an ask period, as redis-sentinel. Beyond it: in the first ask period of our SDOWN, a peer
 * that answered "not down" is asked again once its answer is in, a twentieth of the period
 * later, or at once when a peer's own question shows that somebody else has reached SDOWN
 * since (`prompted`). Sentinels that saw the same connections break reach SDOWN within
 * milliseconds of each other, so the first asks often come just before the peers' own SDOWN;
 * waiting a whole period after them made the ODOWN of a 40-master wave about half a second
 * late on every sentinel.
 */
function askDue(
  t: Tunables,
  master: MasterInstance,
  peer: PeerSentinel,
  now: number,
  prompted: boolean,
): boolean {
  // Prompted asks never go beyond one in flight per peer, whoever sends us questions.
  if (!prompted && now - peer.lastMasterDownReplyTime >= t.askPeriod) return true;
  const answered = peer.lastMasterDownReplyTime >= peer.masterDownAskedTime;
  return (
    !peer.masterDown &&
    answered &&
    now - master.sDownSinceTime < t.askPeriod &&
    (prompted || now - peer.masterDownAskedTime >= t.askPeriod / 20)
  );
}

/** An integer reply as a bigint; null for any other type. */
function integerReply(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : null;
}

/** Records a peer's opinion and vote; true when it may complete an ODOWN or an election. */
export function onIsMasterDownReply(state: CoreState, peer: PeerSentinel, r: LinkReply): boolean {
  if (!r.ok) return false;
  const from = `sentinel ${peer.runid}`;
  const [down, leader, epoch] = Array.isArray(r.value) ? (r.value as unknown[]) : [];
  const e = integerReply(epoch);
  if (
    !Array.isArray(r.value) ||
    r.value.length !== 3 ||
    integerReply(down) === null ||
    typeof leader !== 'string' ||
    e === null
  ) {
    const reason = `${replyType(r.value)} is not [integer, bulk, integer]`;
    refuse(state, { name: 'reply-refused', detail: { from, command: 'IS-MASTER-DOWN-BY-ADDR', reason } });
    return false;
  }
  // A vote in an epoch no history explains (or none could parse) is not a vote at all.
  const problem = leader === '*' ? null : epochClaimProblem(state, e);
  if (problem) {
    refuse(state, { name: 'epoch-refused', detail: { epoch: e, from, reason: problem } });
    return false;
  }
  peer.lastMasterDownReplyTime = state.env.now();
  peer.masterDown = integerReply(down) === 1n;
  if (leader !== '*') {
    if (peer.leaderEpoch !== e)
      note(state, 'warning', { name: 'peer-voted', detail: { peer: peer.name, leader, epoch: e } });
    peer.leader = leader;
    peer.leaderEpoch = e;
  }
  return !state.tilt && peer.master.sDown;
}

/** SENTINEL CKQUORUM (§5.5): usable voters, and which of quorum and majority they miss. */
export interface QuorumCheck {
  usable: number;
  quorumReachable: boolean;
  majorityReachable: boolean;
}

export function checkQuorum(master: ReadonlyDeep<MasterInstance>): QuorumCheck {
  let usable = 1;
  for (const s of master.sentinels.values()) if (!s.sDown) usable++;
  const voters = master.sentinels.size + 1;
  return {
    usable,
    quorumReachable: usable >= master.options.quorum,
    majorityReachable: usable >= Math.floor(voters / 2) + 1,
  };
}
