/**
 * One config write per event-loop turn. Every drain of the core whose changes must be on disk
 * holds its actions here until the write; the drains of the same turn (a tick, the replies and
 * hellos that arrived together) share that write, made once this turn's I/O callbacks are done.
 * A caller that must know now whether the write worked (SENTINEL SET, FLUSHCONFIG) has it made
 * at once instead, with everything held before it. Actions always leave in the
 * order the core decided them, and never before the write of their drain. Replies to clients
 * (the server's output) call `release` before they leave, so a vote held here is on disk first.
 */
import type { Action } from '../core/actions';

export type CarriedAction = Exclude<Action, { kind: 'flush-config' }>;

export interface FlushGateHooks {
  /** Writes the config from the core's current state; false when the write failed. */
  write(): boolean;
  execute(action: CarriedAction): void;
  /** Runs `fn` after the I/O callbacks of this event-loop turn (setImmediate). */
  defer(fn: () => void): void;
}

export class FlushGate {
  private held: CarriedAction[] = [];
  private writeDue = false;
  private deferred = false;

  constructor(private readonly hooks: FlushGateHooks) {}

  /**
   * Carries out one drain. `writeNow`: the caller must know whether the write worked, so it is
   * made now. False when a write made here failed.
   */
  carryOut(actions: readonly Action[], writeNow: boolean): boolean {
    if (actions.length === 0 && !this.writeDue) return true;
    const carried: CarriedAction[] = [];
    for (const a of actions) {
      if (a.kind === 'flush-config') this.writeDue = true;
      else carried.push(a);
    }
    if (!this.writeDue) {
      for (const a of carried) this.hooks.execute(a);
      return true;
    }
    this.held.push(...carried);
    if (writeNow) return this.release();
    if (!this.deferred) {
      this.deferred = true;
      this.hooks.defer(() => {
        this.deferred = false;
        this.release();
      });
    }
    return true;
  }

  /** Writes once for everything held (or anyway, when `force`), then lets it go. */
  release(force = false): boolean {
    if (!this.writeDue && !force && this.held.length === 0) return true;
    let ok = true;
    if (this.writeDue || force) {
      this.writeDue = false;
      ok = this.hooks.write();
    }
    const held = this.held;
    this.held = [];
    for (const a of held) this.hooks.execute(a);
    return ok;
  }
}
