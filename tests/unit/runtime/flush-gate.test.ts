/** One config write per event-loop turn, and never an action before the write of its drain. */
import type { Action } from '../../../src/core/actions';
import { FlushGate } from '../../../src/runtime/flush-gate';

const flush: Action = { kind: 'flush-config' };
const send = (token: number): Action => ({ kind: 'send', conn: 1, token, command: ['PING'] });

function gate(writeOk = true) {
  const log: string[] = [];
  const deferred: (() => void)[] = [];
  const g = new FlushGate({
    write: () => {
      log.push('write');
      return writeOk;
    },
    execute: (a) => log.push(a.kind === 'send' ? `send ${a.token}` : a.kind),
    defer: (fn) => deferred.push(fn),
  });
  const endOfTurn = () => deferred.splice(0).forEach((fn) => fn());
  return { g, log, deferred, endOfTurn };
}

describe('the flush gate', () => {
  it('carries out a drain without a flush at once', () => {
    const { g, log, deferred } = gate();
    expect(g.carryOut([send(1), send(2)], false)).toBe(true);
    expect(log).toEqual(['send 1', 'send 2']);
    expect(deferred).toHaveLength(0);
  });

  it('writes once for all the drains of a turn, then lets their actions go in order', () => {
    const { g, log, deferred, endOfTurn } = gate();
    g.carryOut([flush, send(1)], false);
    g.carryOut([send(2)], false);
    g.carryOut([flush, send(3)], false);
    expect(log).toEqual([]);
    expect(deferred).toHaveLength(1);
    endOfTurn();
    expect(log).toEqual(['write', 'send 1', 'send 2', 'send 3']);
    g.carryOut([send(4)], false);
    expect(log.slice(4)).toEqual(['send 4']);
  });

  it('writes at once when asked to, with everything held before it', () => {
    const { g, log, endOfTurn } = gate();
    g.carryOut([flush, send(1)], false);
    expect(g.carryOut([flush, send(2)], true)).toBe(true);
    expect(log).toEqual(['write', 'send 1', 'send 2']);
    endOfTurn();
    expect(log).toEqual(['write', 'send 1', 'send 2']);
  });

  it('writes when asked to even when only an earlier drain changed the config', () => {
    const { g, log } = gate();
    g.carryOut([flush, send(1)], false);
    g.carryOut([send(2)], true);
    expect(log).toEqual(['write', 'send 1', 'send 2']);
  });

  it('says when a write made at once failed', () => {
    const { g } = gate(false);
    expect(g.carryOut([flush], true)).toBe(false);
    expect(g.carryOut([send(1)], true)).toBe(true);
  });

  it('lets held actions go when released early (a reply about to leave), and only once', () => {
    const { g, log, endOfTurn } = gate();
    g.carryOut([flush, send(1)], false);
    expect(g.release()).toBe(true);
    expect(log).toEqual(['write', 'send 1']);
    endOfTurn();
    g.release();
    expect(log).toEqual(['write', 'send 1']);
  });

  it('writes on a forced release even with nothing due (shutdown)', () => {
    const { g, log } = gate();
    g.release(true);
    expect(log).toEqual(['write']);
  });
});
