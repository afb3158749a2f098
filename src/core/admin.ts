/**
 * Administrative operations (§10): SENTINEL MONITOR / REMOVE / RESET / FAILOVER / SET /
 * CONFIG SET / DEBUG / SIMULATE-FAILURE, typed in and out. Arguments arrive parsed; failures
 * leave as error codes, which the server renders in Redis's words.
 */
import { type MasterOption, applyMasterOption, setEventText } from '../config/master-options';
import { type Outcome, failWith, succeed } from '../errors';
import { isIpLiteral } from '../util/ip';
import { userFailover } from './failover';
import {
  createMaster,
  dropLinks,
  lookupHost,
  makeAddress,
  releaseInstance,
  resetMaster,
  setDownAfter,
} from './instances';
import type { FailoverMode } from './model';
import { type CoreState, emit, note, requestFlush } from './state';
import type { Tunables } from './tunables';

export function monitor(state: CoreState, name: string, host: string, port: number, quorum: number): Outcome {
  if (quorum <= 0) return failWith('SNT_ERR_QUORUM_TOO_SMALL');
  if (!isIpLiteral(host) && (!state.settings.resolveHostnames || lookupHost(state, host) === null)) {
    return failWith('SNT_ERR_INVALID_HOST');
  }
  const addr = makeAddress(state, host, port, false);
  if (!addr) return failWith('SNT_ERR_INVALID_PORT_NUMBER');
  if (state.masters.has(name)) return failWith('SNT_ERR_DUPLICATE_MASTER');
  const m = createMaster(state, name, addr, quorum);
  requestFlush(state);
  emit(state, '+monitor', { inst: m, quorum: m.options.quorum });
  return succeed();
}

export function remove(state: CoreState, name: string): Outcome {
  const m = state.masters.get(name);
  if (!m) return failWith('SNT_ERR_NO_SUCH_MASTER');
  emit(state, '-monitor', { inst: m });
  state.masters.delete(name);
  releaseInstance(state, m);
  requestFlush(state);
  return succeed();
}

/** SENTINEL RESET: how many masters matched. */
export function reset(state: CoreState, matches: (name: string) => boolean): number {
  let n = 0;
  for (const m of state.masters.values()) {
    if (!matches(m.name)) continue;
    resetMaster(state, m, true, true);
    n++;
  }
  return n;
}

export function failover(state: CoreState, name: string, mode: FailoverMode = 'plain'): Outcome {
  const m = state.masters.get(name);
  if (!m) return failWith('SNT_ERR_NO_SUCH_MASTER');
  return userFailover(state, m, mode);
}

/** One SENTINEL SET option, as typed, with the values it takes. */
export interface SetRequest {
  readonly option: MasterOption;
  readonly typed: string;
  readonly values: readonly string[];
  /** For a script path: whether the file is executable (the edge looks at the file system). */
  readonly executable: boolean;
}

/**
 * SENTINEL SET (§10.6): applies left to right and stops at the first refusal; the options
 * applied before it stay applied and are saved.
 */
export function setMasterOptions(state: CoreState, name: string, requests: readonly SetRequest[]): Outcome {
  const m = state.masters.get(name);
  if (!m) return failWith('SNT_ERR_NO_SUCH_MASTER');
  for (const r of requests) {
    const parsed = r.option.fromSet(r.values, m.options);
    if (!parsed.ok) return failWith('SNT_ERR_SET_INVALID_ARGUMENT', parsed.argument, r.typed);
    if (r.option.scriptError !== undefined) {
      if (state.settings.denyScriptsReconfig) return failWith('SNT_ERR_SCRIPTS_RECONFIG_DENIED');
      if ((r.values[0] ?? '') !== '' && !r.executable) return failWith(r.option.scriptError);
    }
    m.options = applyMasterOption(m.options, parsed.change);
    if (r.option.afterSet === 'propagate-down-after') setDownAfter(m, m.options.downAfterMs);
    // New credentials: reconnect with them.
    if (r.option.afterSet === 'drop-links') dropLinks(state, [m, ...m.replicas.values()]);
    requestFlush(state);
    emit(state, '+set', { inst: m, setting: setEventText(r.option, r.typed, r.values) });
  }
  return succeed();
}

/** One SENTINEL CONFIG SET parameter that the core holds (loglevel lives at the edge). */
export type GlobalSetting =
  | { readonly key: 'resolve-hostnames' | 'announce-hostnames'; readonly value: boolean }
  | { readonly key: 'announce-ip' | 'sentinel-user' | 'sentinel-pass'; readonly value: string | undefined }
  | { readonly key: 'announce-port'; readonly value: number };

export function configSet(state: CoreState, s: GlobalSetting): void {
  const g = state.settings;
  switch (s.key) {
    case 'resolve-hostnames':
      g.resolveHostnames = s.value;
      break;
    case 'announce-hostnames':
      g.announceHostnames = s.value;
      break;
    case 'announce-ip':
      g.announceIp = s.value;
      break;
    case 'announce-port':
      g.announcePort = s.value;
      break;
    case 'sentinel-user':
    case 'sentinel-pass':
      if (s.key === 'sentinel-user') g.sentinelUser = s.value;
      else g.sentinelPass = s.value;
      // Peers are asked again with the new credentials.
      for (const m of state.masters.values()) dropLinks(state, m.sentinels.values());
      break;
  }
  requestFlush(state);
}

/** SENTINEL DEBUG: timers changed at runtime, never persisted. */
export function setTunables(state: CoreState, values: readonly (readonly [keyof Tunables, number])[]): void {
  for (const [key, value] of values) state.tunables[key] = value;
}

export type FailurePoint = 'crash-after-election' | 'crash-after-promotion';

/** SENTINEL SIMULATE-FAILURE: the named crash points replace the armed ones. */
export function simulateFailure(state: CoreState, points: readonly FailurePoint[]): void {
  state.simFailure.crashAfterElection = false;
  state.simFailure.crashAfterPromotion = false;
  for (const p of points) {
    if (p === 'crash-after-election') {
      state.simFailure.crashAfterElection = true;
      note(state, 'warning', { name: 'simulate-crash-after-election', detail: {} });
    } else {
      state.simFailure.crashAfterPromotion = true;
      note(state, 'warning', { name: 'simulate-crash-after-promotion', detail: {} });
    }
  }
}
