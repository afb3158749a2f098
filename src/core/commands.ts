/**
 * What the core sends and when: connection upkeep and handshakes (§2.2), the PING / INFO /
 * hello schedule (§3), and the SLAVEOF transaction (§7.3). Replies come back by purpose.
 */
import { formatHello } from './hello';
import { currentMasterAddress, lookupHost } from './instances';
import { NO_DECISION, closeConnection, openConnection, send } from './links';
import {
  type Address,
  FailoverState,
  type Instance,
  type MasterInstance,
  type ReplicaInstance,
} from './model';
import { type CoreState, announceAddr, emit, masterOf } from './state';
import { HELLO_CHANNEL, MAX_PENDING_COMMANDS } from './tunables';

function credentials(state: CoreState, inst: Instance): { user?: string; pass?: string } {
  if (inst.kind === 'sentinel') {
    const { sentinelUser, sentinelPass } = state.settings;
    if (sentinelPass !== undefined) return { user: sentinelUser, pass: sentinelPass };
    return { pass: state.options.requirepass };
  }
  const m = masterOf(inst);
  return { user: m.options.authUser, pass: m.options.authPass };
}

function sendHandshake(state: CoreState, inst: Instance, channel: 'cmd' | 'pubsub'): void {
  const { user, pass } = credentials(state, inst);
  if (pass !== undefined) {
    send(state, inst, channel, user !== undefined ? ['AUTH', user, pass] : ['AUTH', pass], NO_DECISION);
  }
  const name = `sentinel-${state.myid.slice(0, 8)}-${channel}`;
  send(state, inst, channel, ['CLIENT', 'SETNAME', name], NO_DECISION);
}

/**
 * §2.2: at most one attempt per ping-period, counted for each connection on its own (redis-
 * sentinel counts the pair: a pub/sub connection dropped just after its command connection was
 * reopened then waits a whole period, and no PING goes out meanwhile); handshake commands are
 * queued at once.
 */
export function reconnect(state: CoreState, inst: Instance, now: number): void {
  const link = inst.link;
  if (!link.disconnected) return;
  if (inst.addr.port === 0) return;
  const period = state.tunables.pingPeriod;
  if (link.cmdConn === null && now - link.cmdReconnTime >= period) {
    link.cmdReconnTime = now;
    if (state.settings.resolveHostnames) {
      const ip = lookupHost(state, inst.addr.host);
      if (ip !== null) inst.addr.ip = ip;
    }
    if (inst.addr.ip === '') {
      emit(state, '-cmd-link-reconnection', { inst, reason: 'Failed to resolve hostname' });
      return;
    }
    openConnection(state, inst, 'cmd');
    link.pendingCommands = 0;
    link.cmdConnTime = now;
    sendHandshake(state, inst, 'cmd');
    sendPing(state, inst, now);
    // A returning instance (a restarted or healed old master) is looked at now, not at the
    // next info-period: the sooner its role is known, the shorter a second master lives.
    if (inst.kind !== 'sentinel' && inst.infoRefresh !== 0) sendInfo(state, inst);
  }
  if (inst.kind !== 'sentinel' && link.pubsubConn === null && now - link.pubsubReconnTime >= period) {
    link.pubsubReconnTime = now;
    openConnection(state, inst, 'pubsub');
    link.pubsubConnTime = now;
    sendHandshake(state, inst, 'pubsub');
    send(state, inst, 'pubsub', ['SUBSCRIBE', HELLO_CHANNEL], { kind: 'subscribe', inst });
  }
  if (link.cmdConn !== null && (inst.kind === 'sentinel' || link.pubsubConn !== null)) {
    link.disconnected = false;
  }
}

/** A refused SUBSCRIBE (e.g. NOAUTH) makes the pub/sub link useless: drop it, as hiredis does. */
export function onSubscribeReply(state: CoreState, inst: Instance, ok: boolean): void {
  const link = inst.link;
  link.pubsubLastActivity = state.env.now();
  if (!ok && link.pubsubConn !== null) closeConnection(state, link, 'pubsub');
}

export function sendPing(state: CoreState, inst: Instance, now: number): void {
  if (!send(state, inst, 'cmd', ['PING'], { kind: 'ping', inst })) return;
  inst.link.lastPingTime = now;
  if (inst.link.actPingTime === 0) inst.link.actPingTime = now;
}

export function sendInfo(state: CoreState, inst: MasterInstance | ReplicaInstance): void {
  inst.infoPending = true;
  send(state, inst, 'cmd', ['INFO'], { kind: 'info', inst });
}

/** The promoted replica while we wait for it, and replicas being moved to it. */
function drivesFailover(r: ReplicaInstance): boolean {
  const m = r.master;
  if (!m.failoverInProgress) return false;
  if (r.promoted)
    return m.failoverState === FailoverState.WaitPromotion || m.failoverState === FailoverState.WaitHandover;
  return m.failoverState === FailoverState.ReconfSlaves && (r.reconf === 'sent' || r.reconf === 'inprog');
}

/**
 * Whether an instance's next regular INFO is due. Each link gets its own phase within the
 * period, so that hundreds of instances connected together do not send (and parse the answers
 * to) all their INFO in one tick, which stalls the event loop; each still sends once a period,
 * never sooner than half a period after the last time. Hellos keep redis-sentinel's schedule:
 * spread the same way, the hellos of 50 names on one server cost 50% more idle CPU (unbatched
 * deliveries to every subscription) for no shorter stall in the wave benchmark.
 */
function periodDue(inst: Instance, last: number, now: number, period: number): boolean {
  if (now - last <= period / 2) return false;
  const phase = ((inst.link.id * GOLDEN_RATIO) % 1) * period;
  return Math.floor((now + phase) / period) > Math.floor((last + phase) / period);
}

/** Spreads consecutive link IDs evenly over a period. */
const GOLDEN_RATIO = 0.6180339887498949;

/** §3: PING every second, INFO every info-period (1 s near a failover), a hello every publish-period. */
export function sendPeriodicCommands(state: CoreState, inst: Instance, now: number): void {
  const link = inst.link;
  if (link.disconnected) return;
  if (link.pendingCommands >= MAX_PENDING_COMMANDS * link.refcount) return;
  const t = state.tunables;
  let infoPeriod = t.infoPeriod;
  if (
    inst.kind === 'slave' &&
    (inst.master.oDown || inst.master.failoverInProgress || inst.masterLinkDownTimeMs !== 0)
  ) {
    infoPeriod = 1000;
  }
  // Faster than redis-sentinel where nobody can tell: a replica whose role change drives the
  // failover forward is polled every tick, one INFO at a time.
  const fast =
    (inst.kind === 'slave' && drivesFailover(inst)) ||
    (inst.kind === 'master' && inst.handover?.acked === true);
  if (fast) infoPeriod = 0;
  const pingPeriod = Math.min(inst.downAfterMs, t.pingPeriod);
  const infoDue =
    inst.infoRefresh === 0 ||
    (infoPeriod === t.infoPeriod
      ? periodDue(inst, inst.infoRefresh, now, infoPeriod)
      : now - inst.infoRefresh > infoPeriod);
  if (inst.kind !== 'sentinel' && infoDue && !(fast && inst.infoPending)) sendInfo(state, inst);
  if (now - link.lastPongTime > pingPeriod && now - link.lastPingTime > pingPeriod / 2) {
    sendPing(state, inst, now);
  }
  // A master handing over or fenced pauses writes, PUBLISH included: a hello would hold up
  // everything behind it on the link, FAILOVER ABORT and the PINGs too.
  const paused = inst.kind === 'master' && (inst.handover !== null || inst.fencePausedAt !== null);
  if (now - inst.lastPubTime > t.publishPeriod && !paused) sendHello(state, inst);
}

/** The port we advertise in hellos. */
export function announcedPort(state: CoreState): number {
  const { announcePort } = state.settings;
  return announcePort !== 0 ? announcePort : state.options.serverPort;
}

function sendHello(state: CoreState, inst: Instance): void {
  const link = inst.link;
  if (link.disconnected || link.cmdConn === null) return;
  const master = masterOf(inst);
  const localIp = state.conns.get(link.cmdConn)?.localIp ?? null;
  const ip = state.settings.announceIp ?? localIp;
  if (ip === null) return;
  const maddr = currentMasterAddress(master);
  const payload = formatHello({
    sentinelIp: ip,
    sentinelPort: announcedPort(state),
    runid: state.myid,
    currentEpoch: state.currentEpoch,
    masterName: master.name,
    masterHost: announceAddr(state, maddr),
    masterPort: maddr.port,
    masterConfigEpoch: master.configEpoch,
  });
  send(state, inst, 'cmd', ['PUBLISH', HELLO_CHANNEL, payload], { kind: 'hello', inst });
}

/** Announces the new configuration everywhere now rather than at the next tick. */
export function forceHelloUpdate(state: CoreState, master: MasterInstance): void {
  const back = state.env.now() - state.tunables.publishPeriod - 1;
  for (const inst of [master, ...master.replicas.values(), ...master.sentinels.values()]) {
    inst.lastPubTime = back;
    sendHello(state, inst);
  }
}

/** The six-command reconfiguration transaction of §7.3; `to` null means SLAVEOF NO ONE. */
export function sendSlaveOf(
  state: CoreState,
  inst: MasterInstance | ReplicaInstance,
  to: Address | null,
): boolean {
  if (inst.link.cmdConn === null) return false;
  const target = to ? [announceAddr(state, to), String(to.port)] : ['NO', 'ONE'];
  for (const command of [
    ['MULTI'],
    ['SLAVEOF', ...target],
    ['CONFIG', 'REWRITE'],
    ['CLIENT', 'KILL', 'TYPE', 'normal'],
    ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
    ['EXEC'],
  ]) {
    send(state, inst, 'cmd', command, NO_DECISION);
  }
  return true;
}

/** A busy script makes the instance look down: try to kill it, once per SDOWN. */
export function sendScriptKill(state: CoreState, inst: Instance): void {
  send(state, inst, 'cmd', ['SCRIPT', 'KILL'], NO_DECISION);
  inst.scriptKillSent = true;
}
