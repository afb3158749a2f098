/** Leader elections (§6): votes asked of us, and the counting of votes for one master in one epoch. */
import { sameAddress } from './address';
import { askPeers } from './detection';
import { epochClaimProblem } from './epochs';
import { makeAddress } from './instances';
import { refuse } from './refusals';
import type { MasterInstance } from './model';
import { type CoreState, emit, requestFlush } from './state';
import { MAX_DESYNC_MS } from './tunables';

export interface Tally {
  /** Run ID -> votes, in the order first met. */
  votes: Map<string, number>;
  winner: string | null;
  maxVotes: number;
}

/** Peers' recorded votes for `epoch`. Ties go to whichever candidate was met first. */
export function tallyPeerVotes(master: MasterInstance, epoch: bigint): Tally {
  const votes = new Map<string, number>();
  for (const peer of master.sentinels.values()) {
    if (peer.leader !== '' && peer.leaderEpoch === epoch) {
      votes.set(peer.leader, (votes.get(peer.leader) ?? 0) + 1);
    }
  }
  let winner: string | null = null;
  let maxVotes = 0;
  for (const [runid, n] of votes) {
    if (n > maxVotes) {
      maxVotes = n;
      winner = runid;
    }
  }
  return { votes, winner, maxVotes };
}

export function addVote(tally: Tally, runid: string): void {
  const n = (tally.votes.get(runid) ?? 0) + 1;
  tally.votes.set(runid, n);
  if (n > tally.maxVotes) {
    tally.maxVotes = n;
    tally.winner = runid;
  }
}

/** A winner needs an absolute majority of all known sentinels (self included) and at least the quorum. */
export function electedLeader(master: MasterInstance, tally: Tally): string | null {
  const voters = master.sentinels.size + 1;
  const majority = Math.floor(voters / 2) + 1;
  if (tally.winner === null) return null;
  if (tally.maxVotes < majority || tally.maxVotes < master.options.quorum) return null;
  return tally.winner;
}

/** §6.1: one vote per master per epoch, persisted before the answer leaves. */
export function voteLeader(
  state: CoreState,
  master: MasterInstance,
  reqEpoch: bigint,
  reqRunid: string,
): { leader: string; epoch: bigint } {
  const problem = epochClaimProblem(state, reqEpoch);
  if (problem) {
    refuse(state, {
      name: 'epoch-refused',
      detail: { epoch: reqEpoch, from: `vote request of ${reqRunid.slice(0, 64)}`, reason: problem },
    });
    return { leader: master.leader, epoch: master.leaderEpoch };
  }
  if (reqEpoch > state.currentEpoch) {
    state.currentEpoch = reqEpoch;
    requestFlush(state);
    emit(state, '+new-epoch', { inst: master, epoch: state.currentEpoch });
  }
  if (master.leaderEpoch < reqEpoch && state.currentEpoch <= reqEpoch) {
    master.leader = reqRunid;
    master.leaderEpoch = state.currentEpoch;
    requestFlush(state);
    emit(state, '+vote-for-leader', { inst: master, leader: master.leader, epoch: master.leaderEpoch });
    // Voting for someone else keeps us from starting our own failover for a while.
    if (master.leader.toLowerCase() !== state.myid.toLowerCase()) {
      master.failoverStartTime = state.env.now() + Math.floor(state.env.random() * MAX_DESYNC_MS);
    }
  }
  return { leader: master.leader, epoch: master.leaderEpoch };
}

/**
 * The leader of `epoch` for this master, our own vote included; null when nobody won (yet).
 * Only votes cast in `epoch` count. redis-sentinel tallies its peers' votes of the current
 * epoch with its own vote of the failover epoch: once a wave of failovers has moved the
 * current epoch past a failover's, two sentinels can each add their own old vote to peers'
 * newer ones and both win the same master (tests/sim/wave.test.ts met it). Every voter
 * votes once per master and epoch, so counting one epoch elects at most one leader.
 */
export function getLeader(state: CoreState, master: MasterInstance, epoch: bigint): string | null {
  const tally = tallyPeerVotes(master, epoch);
  const mine = voteLeader(state, master, epoch, tally.winner ?? state.myid);
  if (mine.leader !== '' && mine.epoch === epoch) addVote(tally, mine.leader);
  return electedLeader(master, tally);
}

/**
 * Whether nobody can win `epoch` for this master any more: the best candidate's votes, plus every
 * vote of it we do not know (a sentinel that has not voted in it, or whose last vote we saw is of
 * another epoch), fall short of a majority or the quorum. Sentinels that started the same
 * failover at once split the votes this way.
 */
export function electionSplit(state: CoreState, master: MasterInstance, epoch: bigint): boolean {
  const tally = tallyPeerVotes(master, epoch);
  let unknown = 0;
  for (const peer of master.sentinels.values())
    if (peer.leader === '' || peer.leaderEpoch !== epoch) unknown++;
  if (master.leader !== '' && master.leaderEpoch === epoch) addVote(tally, master.leader);
  else unknown++;
  const majority = Math.floor((master.sentinels.size + 1) / 2) + 1;
  return tally.maxVotes + unknown < Math.max(majority, master.options.quorum);
}

export interface MasterDownAnswer {
  down: boolean;
  /** '*' when no vote was asked or none was cast. */
  leader: string;
  leaderEpoch: bigint;
}

/** SENTINEL IS-MASTER-DOWN-BY-ADDR (§5.4): our opinion, and our vote when one is asked for. */
export function isMasterDownByAddr(
  state: CoreState,
  host: string,
  port: number,
  reqEpoch: bigint,
  runid: string,
): MasterDownAnswer {
  const addr = makeAddress(state, host, port, true);
  let master: MasterInstance | null = null;
  if (addr) {
    for (const m of state.masters.values()) if (sameAddress(m.addr, addr)) master = master ?? m;
  }
  const down = !state.tilt && master !== null && master.sDown;
  // A peer asks only about a master it sees down: those of our peers that said "not down" a
  // moment ago are asked again now, rather than at a later tick.
  if (down && master) askPeers(state, master, 'prompted', state.env.now());
  if (master && runid !== '*') {
    const v = voteLeader(state, master, reqEpoch, runid);
    return { down, leader: v.leader === '' ? '*' : v.leader, leaderEpoch: v.epoch };
  }
  return { down, leader: '*', leaderEpoch: 0n };
}
