/**
 * Administrative operations (§10): SENTINEL MONITOR / REMOVE / RESET / FAILOVER / SET /
 * CONFIG SET / DEBUG / SIMULATE-FAILURE, typed in and out. Arguments arrive parsed; failures
 * leave as error codes, which the server renders in Redis's words.
 */
import { type ErrorCode, type Outcome, failWith, succeed } from '../errors';
import { isIpLiteral } from './address';
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
import type { MasterInstance } from './model';
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
  emit(state, '+monitor', { inst: m, quorum: m.quorum });
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

export function failover(state: CoreState, name: string): Outcome {
  const m = state.masters.get(name);
  if (!m) return failWith('SNT_ERR_NO_SUCH_MASTER');
  const refused = userFailover(state, m);
  return refused === null ? succeed() : failWith(refused);
}

/** One parsed SENTINEL SET option. */
export type MasterSetting =
  | {
      readonly key:
        | 'down-after-milliseconds'
        | 'failover-timeout'
        | 'parallel-syncs'
        | 'quorum'
        | 'master-reboot-down-after-period';
      readonly value: number;
    }
  | {
      readonly key: 'notification-script' | 'client-reconfig-script';
      /** Undefined clears it. */
      readonly value: string | undefined;
      /** Checked by the edge, which may look at the file system. */
      readonly executable: boolean;
    }
  | { readonly key: 'auth-pass' | 'auth-user'; readonly value: string | undefined }
  | { readonly key: 'rename-command'; readonly from: string; readonly to: string };

export interface SettingChange {
  readonly setting: MasterSetting;
  /** The option as typed, and its value as the `+set` event shows it. */
  readonly option: string;
  readonly shown: string;
}

/**
 * SENTINEL SET (§10.6): applies left to right and stops at the first refusal; the options
 * applied before it stay applied and are saved.
 */
export function setMasterOptions(state: CoreState, name: string, changes: readonly SettingChange[]): Outcome {
  const m = state.masters.get(name);
  if (!m) return failWith('SNT_ERR_NO_SUCH_MASTER');
  for (const change of changes) {
    const refused = applySetting(state, m, change.setting);
    if (refused !== null) return failWith(refused);
    requestFlush(state);
    emit(state, '+set', { inst: m, option: change.option, shown: change.shown });
  }
  requestFlush(state);
  return succeed();
}

function applySetting(state: CoreState, m: MasterInstance, s: MasterSetting): ErrorCode | null {
  switch (s.key) {
    case 'down-after-milliseconds':
      setDownAfter(m, s.value);
      return null;
    case 'failover-timeout':
      m.failoverTimeoutMs = s.value;
      return null;
    case 'parallel-syncs':
      m.parallelSyncs = s.value;
      return null;
    case 'quorum':
      m.quorum = s.value;
      return null;
    case 'master-reboot-down-after-period':
      m.masterRebootDownAfterPeriodMs = s.value;
      return null;
    case 'notification-script':
    case 'client-reconfig-script':
      if (state.settings.denyScriptsReconfig) return 'SNT_ERR_SCRIPTS_RECONFIG_DENIED';
      if (s.value !== undefined && !s.executable) {
        return s.key === 'notification-script'
          ? 'SNT_ERR_NOTIFICATION_SCRIPT_UNUSABLE'
          : 'SNT_ERR_RECONFIG_SCRIPT_UNUSABLE';
      }
      if (s.key === 'notification-script') m.notificationScript = s.value;
      else m.clientReconfigScript = s.value;
      return null;
    case 'auth-pass':
    case 'auth-user':
      if (s.key === 'auth-pass') m.authPass = s.value;
      else m.authUser = s.value;
      // Reconnect with the new credentials.
      dropLinks(state, [m, ...m.replicas.values()]);
      return null;
    case 'rename-command': {
      const from = s.from.toLowerCase();
      m.renamedCommands.delete(from);
      if (from !== s.to.toLowerCase()) m.renamedCommands.set(from, s.to);
      return null;
    }
  }
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
