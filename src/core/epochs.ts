/**
 * Which epoch claims may be adopted. Every epoch an honest quorum produces is one failover
 * attempt more than an epoch some sentinel already had, so a peer is ahead of us by the
 * attempts we missed; a jump bigger than MAX_EPOCH_JUMP would need more than a million
 * attempts we never heard of, and is refused. Nothing above EPOCH_MAX is ever adopted: a
 * redis-sentinel peer reads epochs as signed 64-bit numbers and refuses to vote above it.
 * tests/sim/chaos.test.ts checks that no real election ever meets these limits.
 */
import type { CoreState } from './state';

/** The largest epoch a redis-sentinel peer can parse (2^63-1). */
export const EPOCH_MAX = 0x7fffffffffffffffn;

/** Failover attempts a sentinel may have missed; far beyond any real history. */
export const MAX_EPOCH_JUMP = 1n << 20n;

/**
 * Why `claimed` cannot become the current epoch, or null when it can. Claims at or below the
 * current epoch change nothing and are always fine.
 */
export function epochClaimProblem(state: CoreState, claimed: bigint): string | null {
  if (claimed <= state.currentEpoch) return null;
  if (claimed > EPOCH_MAX) return 'above 2^63-1, which redis-sentinel peers cannot parse';
  if (claimed - state.currentEpoch > MAX_EPOCH_JUMP) {
    return `a jump of more than ${MAX_EPOCH_JUMP} epochs past ${state.currentEpoch}`;
  }
  return null;
}
