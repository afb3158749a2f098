/**
 * V8 heap policy for a long-running daemon whose live heap is small (10 MB with one master,
 * about 30 kB more per monitored master) but whose allocation rate can be high: every hello a
 * sentinel receives and every INFO reply is short-lived garbage.
 */
import * as v8 from 'v8';
import * as vm from 'vm';

/** Removals closer together than this share one collection (a script removing 200 masters). */
const COLLECT_DELAY_MS = 1000;

/**
 * Keeps the young generation at its start-up size. V8 doubles the semi-spaces under a high
 * allocation rate up to 16 MB each and, on a process that never goes quite idle, keeps them:
 * 32 MB of RSS at 50 or 200 monitored masters. At their initial size a scavenge runs more
 * often but has as little to copy (measured: 200 masters 102 -> 74 MB RSS, throughput and
 * idle CPU unchanged within the noise). `--max-semi-space-size` would need the command line;
 * the growth factor is read at each scavenge, so setting it here takes effect.
 */
export function limitYoungGeneration(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

let fullCollection: (() => void) | undefined;
let collectTimer: NodeJS.Timeout | undefined;

/**
 * A full collection shortly after the last of a run of removals (SENTINEL REMOVE). Without it
 * the heap the removed masters used stays mapped until old-space allocation next reaches its
 * limit, which on an idle sentinel takes a minute or more (measured: 60-90 s after removing 200
 * masters).
 */
export function collectSoon(): void {
  clearTimeout(collectTimer);
  collectTimer = setTimeout(collectNow, COLLECT_DELAY_MS);
  collectTimer.unref();
}

function collectNow(): void {
  if (fullCollection === undefined) {
    // --expose-gc only applies to contexts created after it: fetch `gc` from a fresh one, once.
    v8.setFlagsFromString('--expose-gc');
    fullCollection = vm.runInNewContext('gc') as () => void;
  }
  // A plain full collection frees the objects but moves none, and the removed masters' objects
  // sit on pages shared with live ones, so no page would come free: compact this one time.
  v8.setFlagsFromString('--compact-on-every-full-gc');
  fullCollection();
  v8.setFlagsFromString('--no-compact-on-every-full-gc');
}
