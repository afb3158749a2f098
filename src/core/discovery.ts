/**
 * Hellos in (§4.3). A hello is a claim: anyone who may PUBLISH on a monitored Redis can send
 * one, with any sender's address and run ID. So a hello from the data Redis only names a
 * candidate, which counts for nothing until its announced address answers SENTINEL MYID with
 * the claimed run ID over a link of ours; newer epochs and configuration updates are taken
 * only from hellos a verified peer PUBLISHes on our own port, and a new master address only
 * once that address answers INFO as a master. README "Reliability" says what each set-up
 * guarantees.
 */
import type { LinkReply } from './actions';
import { sameAddress } from './address';
import { announcedPort, reconnect, sendInfo } from './commands';
import { epochClaimProblem } from './epochs';
import { clientReconfigScript } from './failover';
import { type Hello, checkHello } from './hello';
import {
  awaitingAnswer,
  createPeer,
  createReplica,
  currentMasterAddress,
  hostMatches,
  lookupReplica,
  makeAddress,
  peerRecord,
  releaseInstance,
  removePeer,
  resetMasterAndChangeAddress,
} from './instances';
import { closeConnection, send } from './links';
import type { HeldSwitch, Instance, MasterInstance, PeerSentinel, ReplicaInstance } from './model';
import { claimRefusedWithin, refuse } from './refusals';
import { type CoreState, announceAddr, emit, note, requestFlush } from './state';

/** Bounds what hellos naming unknown hostnames can make us hold. */
const MAX_DEFERRED_HELLOS = 256;
/** Bounds the links that invented sentinels can make us open. */
const MAX_CANDIDATES = 8;
/** How long a claimed sentinel has to answer SENTINEL MYID. */
const VERIFY_TIMEOUT_MS = 5000;
/** A refused claim is checked again after this long (a peer restarting, a healed partition). */
const RECHECK_CLAIM_MS = 10_000;
/** A config update whose new master never answers as one is dropped after this long. */
const HOLD_SWITCH_MS = 60_000;

/** Where a hello came from: a monitored instance's pub/sub link, or a PUBLISH on our port. */
export type HelloSource = Instance | 'own-port';

function sourceText(source: HelloSource): string {
  return source === 'own-port' ? 'a client of our port' : `${source.kind} ${source.name}`;
}

/**
 * Applies one hello. A hello naming a hostname never looked up yet is kept in `deferred` and
 * applied again when the answer comes, so that no configuration update is lost to the wait.
 */
export function processHello(
  state: CoreState,
  payload: string,
  source: HelloSource,
  deferred: Map<string, HelloSource>,
): void {
  const h = checkHello(payload);
  if (typeof h === 'string') {
    return refuse(state, { name: 'hello-refused', detail: { from: sourceText(source), reason: h } });
  }
  const master = state.masters.get(h.masterName);
  if (!master) return;
  if (awaitingAnswer(state, h.sentinelIp) || awaitingAnswer(state, h.masterHost)) {
    makeAddress(state, h.sentinelIp, h.sentinelPort, true);
    makeAddress(state, h.masterHost, h.masterPort, true);
    if (deferred.size < MAX_DEFERRED_HELLOS) deferred.set(payload, source);
    return;
  }
  const forged = identityProblem(state, h);
  if (forged) {
    return refuse(state, { name: 'hello-refused', detail: { from: sourceText(source), reason: forged } });
  }
  const si = findPeer(state, master, h.sentinelIp, h.sentinelPort, h.runid);
  if (!si) return claimPeer(state, master, h);
  si.lastHelloTime = state.env.now();
  if (source === master) si.helloViaMasterTime = si.lastHelloTime;
  // Only the peer itself, over a link to our port, may move our epoch or its master.
  if (source === 'own-port') applyPeerHello(state, master, si, h);
}

/** Hellos that cannot be true whoever sent them: ours from elsewhere, or another at our address. */
function identityProblem(state: CoreState, h: Hello): string | null {
  if (h.runid.toLowerCase() === state.myid.toLowerCase()) return 'our own run ID from another address';
  if (h.sentinelPort !== announcedPort(state)) return null;
  const ours = state.settings.announceIp ?? null;
  const local = [...state.conns.values()].some((c) => c.localIp === h.sentinelIp);
  return h.sentinelIp === ours || local ? `another run ID (${h.runid}) at our own address` : null;
}

function applyPeerHello(state: CoreState, master: MasterInstance, si: PeerSentinel, h: Hello): void {
  const problem = epochClaimProblem(state, h.currentEpoch);
  if (problem) {
    const detail = { epoch: h.currentEpoch, from: `sentinel ${si.runid}`, reason: problem };
    return refuse(state, { name: 'epoch-refused', detail });
  }
  if (h.currentEpoch > state.currentEpoch) {
    state.currentEpoch = h.currentEpoch;
    requestFlush(state);
    emit(state, '+new-epoch', { inst: master, epoch: state.currentEpoch });
  }
  if (master.configEpoch < h.masterConfigEpoch) applyConfigUpdate(state, master, si, h);
  recordHelloView(state, si, h, state.env.now());
}

/**
 * Remembers what a peer says of the master over its own link to us, and since when it says the
 * same thing without a silence longer than two hello periods (a silence may hide a change).
 */
function recordHelloView(state: CoreState, si: PeerSentinel, h: Hello, now: number): void {
  const v = si.helloView;
  const unbroken = v !== null && now - v.seenAt <= state.tunables.publishPeriod * 2;
  const same =
    v !== null && v.port === h.masterPort && v.host === h.masterHost && v.configEpoch === h.masterConfigEpoch;
  const since = same && unbroken ? v.since : now;
  si.helloView = {
    host: h.masterHost,
    port: h.masterPort,
    configEpoch: h.masterConfigEpoch,
    since,
    seenAt: now,
  };
}

// ------------------------------------------------------------------ claimed sentinels

function claimKey(h: Hello): string {
  return `${h.runid} ${h.sentinelIp}:${h.sentinelPort}`;
}

/** Records a sentinel known only from a hello; the tick checks it (`checkCandidates`). */
function claimPeer(state: CoreState, master: MasterInstance, h: Hello): void {
  const key = claimKey(h);
  if (master.candidates.has(key) || claimRefusedWithin(state, key, RECHECK_CLAIM_MS)) return;
  const detail = { runid: h.runid, addr: `${h.sentinelIp}:${h.sentinelPort}` };
  const addr = makeAddress(state, h.sentinelIp, h.sentinelPort, true);
  if (!addr) {
    const reason = 'a hostname while resolve-hostnames is off';
    return refuse(state, { name: 'peer-refused', detail: { ...detail, reason } }, key);
  }
  if (master.candidates.size >= MAX_CANDIDATES) {
    const reason = `${MAX_CANDIDATES} claimed sentinels are being checked already`;
    return refuse(state, { name: 'peer-refused', detail: { ...detail, reason } }, key);
  }
  const peer = peerRecord(state, master, h.runid, addr);
  // Verified already for another master: the same process, no need to ask again.
  const checked = [...state.masters.values()].some((m) => {
    const s = m.sentinels.get(h.runid);
    return s !== undefined && sameAddress(s.addr, addr);
  });
  if (checked) return admitPeer(state, master, peer);
  master.candidates.set(key, { peer, since: state.env.now(), asked: false });
}

/** Every tick: connect to claimed sentinels, ask who they are, give up on the silent ones. */
export function checkCandidates(state: CoreState, master: MasterInstance, now: number): void {
  for (const [key, c] of master.candidates) {
    if (now - c.since > VERIFY_TIMEOUT_MS) {
      dropCandidate(state, master, key, `no answer to SENTINEL MYID within ${VERIFY_TIMEOUT_MS} ms`);
      continue;
    }
    // A MYID lost with its connection is asked again on the next one.
    if (c.peer.link.cmdConn === null) c.asked = false;
    reconnect(state, c.peer, now);
    if (!c.asked && c.peer.link.cmdConn !== null) {
      c.asked = send(state, c.peer, 'cmd', ['SENTINEL', 'MYID'], { kind: 'verify-peer', inst: c.peer });
    }
  }
}

function dropCandidate(state: CoreState, master: MasterInstance, key: string, reason: string): void {
  const c = master.candidates.get(key);
  if (!c) return;
  master.candidates.delete(key);
  releaseInstance(state, c.peer);
  const detail = { runid: c.peer.runid, addr: `${c.peer.addr.host}:${c.peer.addr.port}`, reason };
  refuse(state, { name: 'peer-refused', detail }, key);
}

/** The answer to SENTINEL MYID: the claimed run ID makes the candidate a peer. */
export function onVerifyReply(state: CoreState, peer: PeerSentinel, r: LinkReply): void {
  const master = peer.master;
  const entry = [...master.candidates].find(([, c]) => c.peer === peer);
  if (!entry) return;
  const [key] = entry;
  if (!r.ok || r.value !== peer.runid) {
    const answer = r.ok ? JSON.stringify(r.value)?.slice(0, 64) : r.error.slice(0, 64);
    return dropCandidate(state, master, key, `SENTINEL MYID answered ${answer}`);
  }
  master.candidates.delete(key);
  admitPeer(state, master, peer);
}

/** A verified sentinel joins: it replaces records its run ID or its address had before (§4.3). */
function admitPeer(state: CoreState, master: MasterInstance, peer: PeerSentinel): void {
  const { runid, addr } = peer;
  const removed = removePeer(state, master, runid);
  if (removed) {
    emit(state, '+sentinel-address-switch', { inst: master, ip: addr.host, port: addr.port, runid });
  } else {
    const other = findPeer(state, master, addr.host, addr.port, null);
    if (other) {
      emit(state, '+sentinel-invalid-addr', { inst: other });
      const obsolete = other.runid;
      for (const m of state.masters.values()) removePeer(state, m, obsolete);
    }
  }
  const si = createPeer(state, master, runid, addr, peer);
  if (!si) return releaseInstance(state, peer);
  if (removed) updatePeerAddressInAllMasters(state, si);
  else emit(state, '+sentinel', { inst: si });
  requestFlush(state);
}

// ------------------------------------------------------------------ configuration updates

function applyConfigUpdate(state: CoreState, master: MasterInstance, si: PeerSentinel, h: Hello): void {
  // Compared with the address we now advertise, not the configured one: redis-sentinel compares
  // with the latter, so a leader whose promotion was overtaken by a newer epoch naming the old
  // master keeps its stale choice under the new epoch and never converges (found by tests/sim).
  const current = currentMasterAddress(master);
  if (h.masterPort === current.port && hostMatches(state, current, h.masterHost)) {
    master.configEpoch = h.masterConfigEpoch;
    return;
  }
  const held = master.heldSwitch;
  if (held && held.configEpoch >= h.masterConfigEpoch) return;
  master.heldSwitch = {
    host: h.masterHost,
    port: h.masterPort,
    configEpoch: h.masterConfigEpoch,
    from: si,
    since: state.env.now(),
  };
  const target = heldTarget(state, master);
  if (!target) return;
  note(state, 'notice', {
    name: 'switch-held',
    detail: {
      master: master.name,
      addr: `${h.masterHost}:${h.masterPort}`,
      configEpoch: h.masterConfigEpoch,
    },
  });
  askHeldTarget(state, target, true);
}

/**
 * Asks a held switch's address for its role now. The promotion's CLIENT KILL has often just
 * dropped our links to it: they are reopened at once rather than at the next tick. `fresh`: a
 * new INFO even if one is pending, as that one may have left before the promotion.
 */
function askHeldTarget(state: CoreState, target: ReplicaInstance, fresh: boolean): void {
  const wasOpen = target.link.cmdConn !== null;
  reconnect(state, target, state.env.now());
  if (target.link.cmdConn === null) return;
  if (wasOpen ? fresh : !target.infoPending) sendInfo(state, target);
}

/** A connection to a held switch's address closed: reopened now, the switch waits on it. */
export function onHeldTargetClosed(state: CoreState, inst: Instance): void {
  if (inst.kind !== 'slave') return;
  const held = inst.master.heldSwitch;
  if (held && lookupReplica(state, inst.master, held.host, held.port) === inst) {
    askHeldTarget(state, inst, false);
  }
}

/** The replica record of a held switch's address, made when we did not know it. */
function heldTarget(state: CoreState, master: MasterInstance): ReplicaInstance | null {
  const held = master.heldSwitch;
  if (!held) return null;
  const known = lookupReplica(state, master, held.host, held.port);
  if (known) return known;
  const addr = makeAddress(state, held.host, held.port, false);
  const r = addr ? createReplica(state, master, addr) : null;
  if (r) emit(state, '+slave', { inst: r });
  else master.heldSwitch = null;
  return r;
}

/** After every INFO of a replica: a held switch to it is applied once it answers as a master. */
export function checkHeldSwitch(state: CoreState, inst: MasterInstance | ReplicaInstance): void {
  if (inst.kind !== 'slave') return;
  const master = inst.master;
  const held = master.heldSwitch;
  if (!held || lookupReplica(state, master, held.host, held.port) !== inst) return;
  // Overtaken meanwhile (our own failover, a newer update): it no longer applies.
  if (held.configEpoch <= master.configEpoch) {
    master.heldSwitch = null;
    return;
  }
  if (inst.roleReported !== 'master') return;
  applyHeldSwitch(state, master, held);
}

function applyHeldSwitch(state: CoreState, master: MasterInstance, held: HeldSwitch): void {
  master.heldSwitch = null;
  master.configEpoch = held.configEpoch;
  emit(state, '+config-update-from', { inst: held.from });
  emit(state, '+switch-master', {
    inst: master,
    from: { host: announceAddr(state, master.addr), port: master.addr.port },
    to: { host: held.host, port: held.port },
  });
  const oldAddr = { ...master.addr };
  if (resetMasterAndChangeAddress(state, master, held.host, held.port)) {
    clientReconfigScript(state, master, 'observer', oldAddr, master.addr);
  }
}

/**
 * Every tick: a held switch whose address never answered as a master is given up, unless its
 * sender still announces it. A config epoch is won by a majority, so a verified peer that keeps
 * announcing one tells the quorum's history even when that master has since lost its role;
 * refusing it would leave this sentinel apart forever, and failure detection deals with a
 * master that answers as a replica.
 */
export function expireHeldSwitch(state: CoreState, master: MasterInstance, now: number): void {
  const held = master.heldSwitch;
  if (!held || now - held.since < HOLD_SWITCH_MS) return;
  const addr = `${held.host}:${held.port}`;
  if (stillAnnounced(state, master, held, now)) {
    note(state, 'warning', {
      name: 'switch-unconfirmed',
      detail: { master: master.name, addr, configEpoch: held.configEpoch },
    });
    return applyHeldSwitch(state, master, held);
  }
  master.heldSwitch = null;
  const reason = `${addr} did not answer as a master within ${HOLD_SWITCH_MS} ms`;
  refuse(state, {
    name: 'epoch-refused',
    detail: { epoch: held.configEpoch, from: `sentinel ${held.from.runid}`, reason },
  });
}

/** Whether the sender of a held switch announced it again within the last two hello periods. */
function stillAnnounced(state: CoreState, master: MasterInstance, held: HeldSwitch, now: number): boolean {
  const v = held.from.helloView;
  return (
    master.sentinels.get(held.from.runid) === held.from &&
    v !== null &&
    now - v.seenAt <= state.tunables.publishPeriod * 2 &&
    v.configEpoch === held.configEpoch &&
    v.port === held.port &&
    v.host === held.host
  );
}

// ------------------------------------------------------------------ lookups

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
