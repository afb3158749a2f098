/**
 * Hellos in (§4.3): peers found and their address changes, newer epochs, and configuration
 * updates (a newer config epoch naming another master address).
 */
import { sameAddress } from './address';
import { clientReconfigScript } from './failover';
import { parseHello, type Hello } from './hello';
import {
  awaitingAnswer,
  createPeer,
  currentMasterAddress,
  hostMatches,
  makeAddress,
  removePeer,
  resetMasterAndChangeAddress,
} from './instances';
import { closeConnection } from './links';
import type { MasterInstance, PeerSentinel } from './model';
import { type CoreState, announceAddr, emit, requestFlush } from './state';

/** Bounds what hellos naming unknown hostnames can make us hold. */
const MAX_DEFERRED_HELLOS = 256;

/**
 * Applies one hello. A hello naming a hostname never looked up yet is kept in `deferred` and
 * applied again when the answer comes, so that no configuration update is lost to the wait.
 */
export function processHello(state: CoreState, payload: string, deferred: Set<string>): void {
  const h = parseHello(payload);
  if (!h) return;
  const master = state.masters.get(h.masterName);
  if (!master) return;
  if (awaitingAnswer(state, h.sentinelIp) || awaitingAnswer(state, h.masterHost)) {
    makeAddress(state, h.sentinelIp, h.sentinelPort, true);
    makeAddress(state, h.masterHost, h.masterPort, true);
    if (deferred.size < MAX_DEFERRED_HELLOS) deferred.add(payload);
    return;
  }
  const si = findOrAddPeer(state, master, h);
  if (h.currentEpoch > state.currentEpoch) {
    state.currentEpoch = h.currentEpoch;
    requestFlush(state);
    emit(state, '+new-epoch', { inst: master, epoch: state.currentEpoch });
  }
  if (si && master.configEpoch < h.masterConfigEpoch) applyConfigUpdate(state, master, si, h);
  if (si) recordHelloView(state, si, h, state.env.now());
}

/**
 * Remembers what a peer says of the master, and since when it says the same thing without a
 * silence longer than two hello periods (a silence may hide a change).
 */
function recordHelloView(state: CoreState, si: PeerSentinel, h: Hello, now: number): void {
  const unbroken = now - si.lastHelloTime <= state.tunables.publishPeriod * 2;
  si.lastHelloTime = now;
  const v = si.helloView;
  const same =
    v !== null && v.port === h.masterPort && v.host === h.masterHost && v.configEpoch === h.masterConfigEpoch;
  const since = same && unbroken ? v.since : now;
  si.helloView = { host: h.masterHost, port: h.masterPort, configEpoch: h.masterConfigEpoch, since };
}

function findOrAddPeer(state: CoreState, master: MasterInstance, h: Hello): PeerSentinel | null {
  const known = findPeer(state, master, h.sentinelIp, h.sentinelPort, h.runid);
  if (known) return known;
  const removed = removePeer(state, master, h.runid);
  if (removed) {
    emit(state, '+sentinel-address-switch', {
      inst: master,
      ip: h.sentinelIp,
      port: h.sentinelPort,
      runid: h.runid,
    });
  } else {
    const other = findPeer(state, master, h.sentinelIp, h.sentinelPort, null);
    if (other) {
      emit(state, '+sentinel-invalid-addr', { inst: other });
      const obsolete = other.runid;
      for (const m of state.masters.values()) removePeer(state, m, obsolete);
    }
  }
  const addr = makeAddress(state, h.sentinelIp, h.sentinelPort, true);
  const si = addr ? createPeer(state, master, h.runid, addr) : null;
  if (!si) return null;
  if (removed) updatePeerAddressInAllMasters(state, si);
  else emit(state, '+sentinel', { inst: si });
  requestFlush(state);
  return si;
}

function applyConfigUpdate(state: CoreState, master: MasterInstance, si: PeerSentinel, h: Hello): void {
  master.configEpoch = h.masterConfigEpoch;
  // Compared with the address we now advertise, not the configured one: redis-sentinel compares
  // with the latter, so a leader whose promotion was overtaken by a newer epoch naming the old
  // master keeps its stale choice under the new epoch and never converges (found by tests/sim).
  const current = currentMasterAddress(master);
  if (h.masterPort === current.port && hostMatches(state, current, h.masterHost)) return;
  emit(state, '+config-update-from', { inst: si });
  emit(state, '+switch-master', {
    inst: master,
    from: { host: announceAddr(state, master.addr), port: master.addr.port },
    to: { host: h.masterHost, port: h.masterPort },
  });
  const oldAddr = { ...master.addr };
  if (resetMasterAndChangeAddress(state, master, h.masterHost, h.masterPort)) {
    clientReconfigScript(state, master, 'observer', oldAddr, master.addr);
  }
}

function findPeer(
  state: CoreState,
  master: MasterInstance,
  ip: string,
  port: number,
  runid: string | null,
): PeerSentinel | null {
  const addr = makeAddress(state, ip, port, true);
  if (!addr) return null;
  for (const s of master.sentinels.values()) {
    if (runid !== null && s.runid !== runid) continue;
    if (sameAddress(s.addr, addr)) return s;
  }
  return null;
}

/** After an address switch, other masters' records of the same peer follow (§4.3). */
function updatePeerAddressInAllMasters(state: CoreState, si: PeerSentinel): void {
  let count = 0;
  for (const m of state.masters.values()) {
    if (m === si.master) continue;
    const other = m.sentinels.get(si.runid);
    if (!other) continue;
    closeConnection(state, other.link, 'cmd');
    other.addr = { ...si.addr };
    count++;
  }
  if (count > 0) emit(state, '+sentinel-address-update', { inst: si, count });
}
