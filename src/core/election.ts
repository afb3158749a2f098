/** Counting of leader votes for one master in one epoch (sentinelGetLeader, without the own vote). */
import type { MasterInstance } from './model';

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
  if (tally.maxVotes < majority || tally.maxVotes < master.quorum) return null;
  return tally.winner;
}
