/**
 * One core with a hand-driven clock for unit tests: started, its first tick run and the PINGs
 * of that tick answered, so every instance counts as reachable from then on.
 */
import type { SentinelConfig } from '../../src/config/types';
import type { Action } from '../../src/core/actions';
import { Sentinel } from '../../src/core/sentinel';

export function startedCore(config: SentinelConfig) {
  const clock = { now: 1_000_000 };
  const core = new Sentinel(config, { now: () => clock.now, random: () => 0.5 }, { serverPort: 26379 });
  /** Every action drained so far, in order. */
  const seen: Action[] = [];
  const drain = () => {
    const out = core.drain();
    seen.push(...out);
    return out;
  };
  core.start();
  core.tick();
  for (const a of drain()) {
    if (a.kind === 'send' && a.command[0] === 'PING') core.onReply(a.token, { ok: true, value: 'PONG' });
  }
  return { core, clock, drain, seen };
}
