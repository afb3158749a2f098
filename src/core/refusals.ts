/**
 * Log lines for refused input (hostile or broken hellos, INFO and replies), and the memory of
 * claims refused lately. Each refusal is logged once a minute at most: whoever can publish on
 * a data Redis must not be able to flood the log with the same line.
 */
import type { Note } from './events';
import { type CoreState, note } from './state';

const REPEAT_AFTER_MS = 60_000;
/** Bounds what a flood of distinct refusals can make us remember. */
const MAX_REMEMBERED = 1024;

function remember(state: CoreState, key: string): void {
  if (state.refusals.size >= MAX_REMEMBERED) state.refusals.clear();
  state.refusals.set(key, state.env.now());
}

/** True when `key` was remembered less than `ms` ago. */
export function refusedWithin(state: CoreState, key: string, ms: number): boolean {
  const last = state.refusals.get(key);
  return last !== undefined && state.env.now() - last < ms;
}

export function refuse(state: CoreState, n: Note, claim?: string): void {
  if (claim !== undefined) remember(state, `claim ${claim}`);
  const key = JSON.stringify(n, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  if (refusedWithin(state, key, REPEAT_AFTER_MS)) return;
  remember(state, key);
  note(state, 'warning', n);
}

/** A claim refused this recently is not checked again yet. */
export function claimRefusedWithin(state: CoreState, claim: string, ms: number): boolean {
  return refusedWithin(state, `claim ${claim}`, ms);
}

/** A reply's RESP type with its article, for log lines ("an array"). */
export function replyType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'a null';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'object' ? 'a map' : 'an integer';
}
