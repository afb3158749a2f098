/**
 * Minority fencing, opt-in (`--fence-minority`): a master cut off together with a minority of
 * the sentinels keeps acknowledging writes that the majority's failover will throw away. A
 * sentinel that still reaches its master but sees fewer than a majority of the sentinels it
 * knows (itself included) pauses writes there with `CLIENT PAUSE <ms> WRITE`, renewed every
 * second while that lasts. The pause is short, so it lapses by itself if this sentinel dies or
 * loses the master; it is lifted at once when the master turns out to be a replica or the
 * majority confirms it as the master again.
 *
 * A peer is lost to us when it has not answered our PING for down-after-milliseconds while the
 * master went on answering after it fell silent (a sentinel cut off from everything loses the
 * master at the same time as the peers, and fences nothing), and no hello of its reached us
 * through the master's pub/sub lately (then it sees the master too): so a master that a
 * majority still sees is never paused, whatever our own links to peers do.
 */
import { NO_DECISION, send } from './links';
import type { MasterInstance, PeerSentinel } from './model';
import { viewConfirmed } from './replication';
import { type CoreState, emit } from './state';

/** How long each pause lasts; renewed every ping period, so it outlives one missed renewal. */
export const FENCE_PAUSE_MS = 2000;

function lostPeer(state: CoreState, master: MasterInstance, peer: PeerSentinel, now: number): boolean {
  const silentSince = peer.link.lastAvailTime;
  if (now - silentSince <= master.downAfterMs) return false;
  if (master.link.lastAvailTime - silentSince <= state.tunables.pingPeriod * 1.5) return false;
  // A hello every publish period: one and a half of them make a late hello no false alarm.
  const helloWindow = Math.max(master.downAfterMs, state.tunables.publishPeriod * 1.5);
  return now - peer.helloViaMasterTime > helloWindow;
}

/** Sentinels (this one included) that see the master, as far as this sentinel can tell. */
export function sentinelsSeen(state: CoreState, master: MasterInstance, now: number): number {
  let seen = 1;
  for (const peer of master.sentinels.values()) if (!lostPeer(state, master, peer, now)) seen++;
  return seen;
}

function inMinority(state: CoreState, master: MasterInstance, now: number): boolean {
  const known = master.sentinels.size + 1;
  return sentinelsSeen(state, master, now) <= known / 2;
}

function reachable(master: MasterInstance, now: number): boolean {
  return (
    master.link.cmdConn !== null &&
    !master.sDown &&
    now - master.link.lastAvailTime <= master.downAfterMs &&
    master.roleReported === 'master'
  );
}

/** Every tick, for each master: pause, renew, lift or let lapse. */
export function fenceMinority(state: CoreState, master: MasterInstance, now: number): void {
  if (state.options.fenceMinority !== true) return;
  const fence = reachable(master, now) && !master.failoverInProgress && inMinority(state, master, now);
  if (fence) {
    if (master.fencePausedAt !== null && now - master.fencePausedAt < state.tunables.pingPeriod) return;
    const ms = String(FENCE_PAUSE_MS);
    if (!send(state, master, 'cmd', ['CLIENT', 'PAUSE', ms, 'WRITE'], NO_DECISION)) return;
    if (master.fencePausedAt === null) {
      const seen = sentinelsSeen(state, master, now);
      emit(state, '+fence-minority', { inst: master, seen, known: master.sentinels.size + 1 });
    }
    master.fencePausedAt = now;
    return;
  }
  const pausedAt = master.fencePausedAt;
  if (pausedAt === null) return;
  // Lifted only when it is safe to let the held writes through: the master is one for the
  // majority too, or a replica (where they fail). Otherwise the pause runs out by itself.
  const lift =
    master.link.cmdConn !== null &&
    (master.roleReported === 'slave' || (!master.sDown && viewConfirmed(state, master, now)));
  if (lift) send(state, master, 'cmd', ['CLIENT', 'UNPAUSE'], NO_DECISION);
  if (lift || now - pausedAt >= FENCE_PAUSE_MS) {
    master.fencePausedAt = null;
    emit(state, '-fence-minority', { inst: master });
  }
}
