/**
 * The sentinel core's one door. No sockets, timers or files: the edge calls `tick()` and the
 * `on*` methods, then carries out the actions taken with `drain()`. Replies are routed here by
 * the purpose their command was sent for; the parts (detection, failover, ...) decide.
 * Behaviour follows redis-sentinel 7.0 (shared/docs/SENTINEL-PROTOCOL.md; § in comments).
 */
import type { SentinelConfig } from '../config/types';
import type { Outcome } from '../errors';
import type { Action, ConnId, LinkReply } from './actions';
import * as admin from './admin';
import { announcedPort, onSubscribeReply, reconnect, sendInfo, sendPeriodicCommands } from './commands';
import {
  askPeers,
  checkObjectivelyDown,
  checkSubjectivelyDown,
  checkTilt,
  onIsMasterDownReply,
  onPingReply,
  stillInTilt,
} from './detection';
import { type MasterDownAnswer, isMasterDownByAddr } from './election';
import { failoverStateMachine, joinCurrentEpoch, startFailoverIfNeeded, switchToPromoted } from './failover';
import { fenceMinority } from './fencing';
import { onHandoverReply } from './handover';
import { currentMasterAddress, recordAnswer } from './instances';
import { dropConnection } from './links';
import {
  type FailoverMode,
  FailoverState,
  type Instance,
  type MasterInstance,
  type ReplicaInstance,
} from './model';
import { loadMaster, snapshot } from './persistence';
import { refreshInfo } from './replication';
import {
  type HelloSource,
  checkCandidates,
  checkHeldSwitch,
  expireHeldSwitch,
  onHeldTargetClosed,
  onVerifyReply,
  processHello,
} from './discovery';
import { infoProblems } from './info';
import { refuse, replyType } from './refusals';
import {
  type CoreEnv,
  type CoreOptions,
  type CoreState,
  type Purpose,
  announceAddr,
  drainOutbox,
  emit,
  note,
  requestFlush,
} from './state';
import { HELLO_CHANNEL, defaultTunables } from './tunables';
import type { CoreView, MasterView } from './view';

export type { CoreEnv, CoreOptions } from './state';

export class Sentinel {
  private readonly state: CoreState;
  private readonly myidGenerated: boolean;
  /** Hellos waiting for a hostname's first answer. */
  private readonly deferredHellos = new Map<string, HelloSource>();
  readonly view: CoreView;

  constructor(config: SentinelConfig, env: CoreEnv, options: CoreOptions) {
    this.myidGenerated = config.myid === undefined;
    const now = env.now();
    this.state = {
      env,
      options,
      myid: config.myid ?? randomHex(40, () => env.random()),
      currentEpoch: config.currentEpoch,
      tilt: false,
      tiltStartTime: 0,
      totalTilt: 0,
      previousTime: now,
      masters: new Map(),
      tunables: defaultTunables(),
      simFailure: { crashAfterElection: false, crashAfterPromotion: false },
      settings: {
        announceIp: config.announceIp,
        announcePort: config.announcePort,
        denyScriptsReconfig: config.denyScriptsReconfig,
        resolveHostnames: config.resolveHostnames,
        announceHostnames: config.announceHostnames,
        sentinelUser: config.sentinelUser,
        sentinelPass: config.sentinelPass,
      },
      conns: new Map(),
      pending: new Map(),
      hosts: new Map(),
      ids: { link: 1, conn: 1, token: 1 },
      outbox: { actions: [], flush: false },
      waveEpoch: null,
      sdownDeadline: Infinity,
      refusals: new Map(),
      startTime: now,
    };
    for (const [host, ip] of options.knownHosts ?? []) {
      this.state.hosts.set(host.toLowerCase(), { ip, fetchedAt: now, inFlight: false });
    }
    for (const m of config.masters) loadMaster(this.state, m);
    this.view = makeView(this.state);
  }

  // ---------------------------------------------------------------- the edge's calls

  /** Announces the configured masters; flushes at once when the ID was just generated (§1.1). */
  start(): void {
    if (this.myidGenerated) requestFlush(this.state);
    note(this.state, 'warning', { name: 'sentinel-id', detail: { myid: this.state.myid } });
    for (const m of this.state.masters.values())
      emit(this.state, '+monitor', { inst: m, quorum: m.options.quorum });
  }

  drain(): readonly Action[] {
    return drainOutbox(this.state);
  }

  /**
   * 10-19 Hz, randomised so sentinels started together do not stay in lock-step (§1.2); sooner
   * when a master's down-after runs out before that.
   */
  nextTickDelay(): number {
    const regular = Math.floor(1000 / (10 + Math.floor(this.state.env.random() * 10)));
    const untilSdown = this.state.sdownDeadline - this.state.env.now();
    return Math.max(1, Math.min(regular, untilSdown));
  }

  tick(): void {
    checkTilt(this.state);
    this.state.sdownDeadline = Infinity;
    // Every failover that ended is switched in this tick (redis-sentinel switches one per
    // tick, which makes the last of a 40-master wave wait 40 ticks).
    const switchTo: MasterInstance[] = [];
    for (const master of [...this.state.masters.values()]) {
      this.handleInstance(master);
      for (const r of [...master.replicas.values()]) this.handleInstance(r);
      for (const s of [...master.sentinels.values()]) this.handleInstance(s);
      if (master.released) continue;
      checkCandidates(this.state, master, this.state.env.now());
      expireHeldSwitch(this.state, master, this.state.env.now());
      if (master.failoverState === FailoverState.UpdateConfig) switchTo.push(master);
    }
    for (const master of switchTo) switchToPromoted(this.state, master);
  }

  onConnected(conn: ConnId, localIp: string): void {
    const c = this.state.conns.get(conn);
    if (c) c.localIp = localIp;
  }

  onReply(token: number, reply: LinkReply): void {
    const p = this.state.pending.get(token);
    if (!p) return;
    this.state.pending.delete(token);
    const c = this.state.conns.get(p.conn);
    if (!c) return;
    if (p.counted) c.link.pendingCommands = Math.max(0, c.link.pendingCommands - 1);
    this.route(p.purpose, reply);
  }

  onConnectionClosed(conn: ConnId, reason: string): void {
    const c = this.state.conns.get(conn);
    if (!c) return;
    if (c.localIp === null) {
      const name = c.channel === 'cmd' ? '-cmd-link-reconnection' : '-pubsub-link-reconnection';
      emit(this.state, name, { inst: c.owner, reason });
    }
    // Unanswered from the moment the command connection broke, not from the next tick's
    // reconnection attempt (redis-sentinel's start): down-after counts from the kill itself.
    if (c.channel === 'cmd' && c.link.actPingTime === 0) c.link.actPingTime = this.state.env.now();
    dropConnection(this.state, c.link, c.channel);
    onHeldTargetClosed(this.state, c.owner);
  }

  onPubsubMessage(conn: ConnId, channel: string, message: string): void {
    const c = this.state.conns.get(conn);
    if (!c) return;
    c.link.pubsubLastActivity = this.state.env.now();
    if (channel !== HELLO_CHANNEL) return;
    // Our own hellos come back through every master: nothing to learn from them.
    if (message.includes(this.state.myid)) return;
    processHello(this.state, message, c.owner, this.deferredHellos);
  }

  /** PUBLISH __sentinel__:hello received on our own port (§4.2); no self-filter on this path. */
  onHelloPublish(payload: string): void {
    processHello(this.state, payload, 'own-port', this.deferredHellos);
  }

  /** The answer to a `resolve` action (null: the lookup failed). */
  onResolved(host: string, ip: string | null): void {
    const learned = recordAnswer(this.state, host, ip);
    const waiting = [...this.deferredHellos];
    this.deferredHellos.clear();
    for (const [payload, source] of waiting) processHello(this.state, payload, source, this.deferredHellos);
    if (!learned) return;
    // Replicas a master reported under this name can be added now: ask again rather than wait.
    for (const m of this.state.masters.values()) {
      if (!m.link.disconnected && !m.infoPending) sendInfo(this.state, m);
    }
  }

  /** What a flush writes. */
  snapshot(): SentinelConfig {
    return snapshot(this.state);
  }

  // ---------------------------------------------------------------- administrative operations

  monitor(name: string, host: string, port: number, quorum: number): Outcome {
    return admin.monitor(this.state, name, host, port, quorum);
  }

  remove(name: string): Outcome {
    return admin.remove(this.state, name);
  }

  reset(matches: (name: string) => boolean): number {
    return admin.reset(this.state, matches);
  }

  failover(name: string, mode?: FailoverMode): Outcome {
    return admin.failover(this.state, name, mode);
  }

  setMasterOptions(name: string, requests: readonly admin.SetRequest[]): Outcome {
    return admin.setMasterOptions(this.state, name, requests);
  }

  configSet(setting: admin.GlobalSetting): void {
    admin.configSet(this.state, setting);
  }

  setTunables(values: Parameters<typeof admin.setTunables>[1]): void {
    admin.setTunables(this.state, values);
  }

  simulateFailure(points: readonly admin.FailurePoint[]): void {
    admin.simulateFailure(this.state, points);
  }

  isMasterDownByAddr(host: string, port: number, epoch: bigint, runid: string): MasterDownAnswer {
    return isMasterDownByAddr(this.state, host, port, epoch, runid);
  }

  /** SENTINEL FLUSHCONFIG. */
  requestFlush(): void {
    requestFlush(this.state);
  }

  // ---------------------------------------------------------------- inside

  private route(purpose: Purpose, reply: LinkReply): void {
    const state = this.state;
    switch (purpose.kind) {
      case 'fire-and-forget':
        return;
      case 'subscribe':
        return onSubscribeReply(state, purpose.inst, reply.ok);
      default:
        break;
    }
    // Late replies to records dropped since (a reset, a removed peer) decide nothing.
    if (purpose.inst.released) return;
    switch (purpose.kind) {
      case 'ping':
        return onPingReply(state, purpose.inst, reply);
      case 'info':
        purpose.inst.infoPending = false;
        return this.onInfoReply(purpose.inst, reply);
      case 'verify-peer':
        return onVerifyReply(state, purpose.inst, reply);
      case 'hello':
        if (reply.ok) purpose.inst.lastPubTime = state.env.now();
        return;
      case 'handover':
        return onHandoverReply(purpose.inst, reply);
      case 'is-master-down':
        // A peer's opinion or vote can complete ODOWN or an election: act on it now rather
        // than at the next tick, exactly as the tick would.
        if (onIsMasterDownReply(state, purpose.inst, reply))
          this.judgeMaster(purpose.inst.master, state.env.now());
        return;
    }
  }

  /** INFO that is missing fields, repeats them or reads absurdly decides nothing. */
  private onInfoReply(inst: MasterInstance | ReplicaInstance, reply: LinkReply): void {
    const state = this.state;
    const from = `${inst.kind} ${inst.name}`;
    if (!reply.ok) return;
    if (typeof reply.value !== 'string') {
      const reason = `${replyType(reply.value)} instead of a bulk string`;
      return refuse(state, { name: 'reply-refused', detail: { from, command: 'INFO', reason } });
    }
    const problems = infoProblems(reply.value, state.settings.resolveHostnames);
    for (const line of problems.dropped)
      refuse(state, { name: 'info-refused', detail: { from, reason: line } });
    if (problems.fatal !== null) {
      return refuse(state, { name: 'info-refused', detail: { from, reason: problems.fatal } });
    }
    refreshInfo(state, inst, reply.value);
    checkHeldSwitch(state, inst);
  }

  private handleInstance(inst: Instance): void {
    if (inst.released) return;
    const state = this.state;
    const now = state.env.now();
    reconnect(state, inst, now);
    sendPeriodicCommands(state, inst, now);
    if (stillInTilt(state, now)) return;
    checkSubjectivelyDown(state, inst, now);
    if (inst.kind === 'master') {
      this.judgeMaster(inst, now);
      askPeers(state, inst, 'tick', now);
    }
  }

  /** ODOWN, failover start and the failover state machine for one master. */
  private judgeMaster(master: MasterInstance, now: number): void {
    if (master.released) return;
    checkObjectivelyDown(this.state, master, now);
    if (startFailoverIfNeeded(this.state, master, now) || joinCurrentEpoch(this.state, master))
      askPeers(this.state, master, 'failover', now);
    failoverStateMachine(this.state, master, now);
    fenceMinority(this.state, master, now);
  }
}

function makeView(state: CoreState): CoreView {
  // The views are the core's own records, typed read-only.
  const own = (m: MasterView): MasterInstance => m as MasterInstance;
  return {
    get myid() {
      return state.myid;
    },
    get currentEpoch() {
      return state.currentEpoch;
    },
    get tilt() {
      return state.tilt;
    },
    get tiltStartTime() {
      return state.tiltStartTime;
    },
    get totalTilt() {
      return state.totalTilt;
    },
    fenceMinority: state.options.fenceMinority === true,
    masters: state.masters,
    tunables: state.tunables,
    settings: state.settings,
    simFailure: state.simFailure,
    now: () => state.env.now(),
    announceAddr: (addr) => announceAddr(state, addr),
    currentMasterAddress: (m) => currentMasterAddress(own(m)),
    announcedPort: () => announcedPort(state),
  };
}

function randomHex(len: number, random: () => number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}
