/** Waiting for a condition, always with a deadline, never on a fixed sleep where a condition exists. */

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between probes (default 100 ms). */
  intervalMs?: number;
  /** Names the condition in the timeout message, e.g. "replica 6381 to report role:slave". */
  what: string;
}

/** Thrown from a waitFor probe to stop waiting at once (e.g. the process being waited on died). */
export class GiveUpError extends Error {}

type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

/**
 * Polls `probe` until it returns a value other than undefined/null/false, and returns it. Errors
 * thrown by the probe count as "not yet" (connection refused during a restart is normal) and are
 * quoted in the timeout message. A probe that hangs is cut off at the deadline.
 */
export async function waitFor<T>(probe: Probe<T>, opts: WaitOptions): Promise<T> {
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    const remaining = deadline - Date.now();
    const outcome = await withDeadline(Promise.resolve().then(probe), Math.max(remaining, 1));
    if (outcome.kind === 'value') {
      const v = outcome.value;
      if (v !== undefined && v !== null && v !== false) return v;
      last = `last result: ${String(v)}`;
    } else if (outcome.kind === 'error') {
      if (outcome.error instanceof GiveUpError) {
        throw new Error(`Gave up waiting for ${opts.what}: ${outcome.error.message}`);
      }
      last = `last error: ${errorText(outcome.error)}`;
    } else {
      last = 'last probe still running at the deadline';
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${opts.what} (${last})`);
    await sleep(Math.min(intervalMs, left));
  }
}

export type Outcome<T> =
  | { kind: 'value'; value: T }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' };

/** How `p` settled, or 'timeout' if it had not after `ms`; never rejects. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

/**
 * A pause, for the few places that must let time pass rather than wait for a condition: a
 * steady-state period before a fault, or "nothing happens within N ms".
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The message of an error, or the thrown value as text. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
