/**
 * The sentinel state machine. No sockets, timers or files: the edge calls `tick()` and the
 * `on*` methods, then executes the actions taken with `drain()`. Behaviour follows
 * redis-sentinel 7.0 (see shared/docs/SENTINEL-PROTOCOL.md; section numbers in comments).
 */
import type { MasterConfig, SentinelConfig } from '../config/types';
import type { Action, ConnId, EventLevel, LinkChannel, LinkReply } from './actions';
import { addVote, electedLeader, tallyPeerVotes } from './election';
import { formatHello, parseHello } from './hello';
import { parseInfo } from './info';
import {
  type Address,
  FailoverState,
  type Instance,
  type Link,
  type MasterInstance,
  type PeerSentinel,
  type ReplicaInstance,
} from './model';
import { promotionCandidates } from './selection';
import {
  DEFAULT_SLAVE_PRIORITY,
  HELLO_CHANNEL,
  MAX_DESYNC_MS,
  MAX_PENDING_COMMANDS,
  type Tunables,
  defaultTunables,
} from './tunables';
import { isIpLiteral, sameAddress, sameHost } from './address';

export interface CoreEnv {
  /** Wall-clock milliseconds (TILT relies on seeing clock jumps). */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  /** Hostname -> IP; IP literals return themselves; null when unknown. */
  resolve(host: string): string | null;
}

export interface CoreOptions {
  /** The port we announce when announce-port is 0. */
  serverPort: number;
  /** Our own requirepass, used towards peers when sentinel-pass is unset (as redis-sentinel does). */
  requirepass?: string;
}

type ReplyHandler = (reply: LinkReply) => void;

interface Conn {
  link: Link;
  channel: LinkChannel;
  /** The record that opened it, for event payloads. */
  owner: Instance;
  localIp: string | null;
}

interface PendingCommand {
  conn: ConnId;
  counted: boolean;
  handler: ReplyHandler | null;
}

export const UINT64_MAX = 0xffffffffffffffffn;

/** Result of a command that can fail with a Redis error text. */
export type AdminResult = { ok: true } | { ok: false; error: string };
const OK: AdminResult = { ok: true };
const fail = (error: string): AdminResult => ({ ok: false, error });

export class Sentinel {
  readonly myid: string;
  currentEpoch: bigint;
  tilt = false;
  tiltStartTime = 0;
  readonly masters = new Map<string, MasterInstance>();
  readonly tunables: Tunables = defaultTunables();
  readonly simFailure = { crashAfterElection: false, crashAfterPromotion: false };
  announceIp: string | undefined;
  announcePort: number;
  denyScriptsReconfig: boolean;
  resolveHostnames: boolean;
  announceHostnames: boolean;
  sentinelUser: string | undefined;
  sentinelPass: string | undefined;

  private previousTime: number;
  private readonly myidGenerated: boolean;
  private actions: Action[] = [];
  private nextLinkId = 1;
  private nextConnId = 1;
  private nextToken = 1;
  private readonly conns = new Map<ConnId, Conn>();
  private readonly pending = new Map<number, PendingCommand>();

  constructor(
    config: SentinelConfig,
    private readonly env: CoreEnv,
    private readonly options: CoreOptions,
  ) {
    this.myidGenerated = config.myid === undefined;
    this.myid = config.myid ?? randomHex(40, env.random);
    this.currentEpoch = config.currentEpoch;
    this.announceIp = config.announceIp;
    this.announcePort = config.announcePort;
    this.denyScriptsReconfig = config.denyScriptsReconfig;
    this.resolveHostnames = config.resolveHostnames;
    this.announceHostnames = config.announceHostnames;
    this.sentinelUser = config.sentinelUser;
    this.sentinelPass = config.sentinelPass;
    this.previousTime = env.now();
    for (const m of config.masters) this.loadMaster(m);
  }

  // ---------------------------------------------------------------- edge API

  /** Announces the configured masters; flushes at once when the ID was just generated (§1.1). */
  start(): void {
    if (this.myidGenerated) this.flush();
    this.log('warning', `Sentinel ID is ${this.myid}`);
    for (const m of this.masters.values()) this.emit('warning', '+monitor', m, `quorum ${m.quorum}`);
  }

  drain(): Action[] {
    const out = this.actions;
    this.actions = [];
    return out;
  }

  /** 10-19 Hz, randomised so sentinels started together do not stay in lock-step (§1.2). */
  nextTickDelay(): number {
    return Math.floor(1000 / (10 + Math.floor(this.env.random() * 10)));
  }

  tick(): void {
    this.checkTilt();
    let switchTo: MasterInstance | null = null;
    for (const master of [...this.masters.values()]) {
      this.handleInstance(master);
      for (const r of [...master.replicas.values()]) this.handleInstance(r);
      for (const s of [...master.sentinels.values()]) this.handleInstance(s);
      if (master.failoverState === FailoverState.UpdateConfig) switchTo = master;
    }
    if (switchTo) this.switchToPromoted(switchTo);
  }

  onConnected(conn: ConnId, localIp: string): void {
    const c = this.conns.get(conn);
    if (c) c.localIp = localIp;
  }

  onReply(token: number, reply: LinkReply): void {
    const p = this.pending.get(token);
    if (!p) return;
    this.pending.delete(token);
    const c = this.conns.get(p.conn);
    if (!c) return;
    if (p.counted) c.link.pendingCommands = Math.max(0, c.link.pendingCommands - 1);
    p.handler?.(reply);
  }

  onConnectionClosed(conn: ConnId, reason: string): void {
    const c = this.conns.get(conn);
    if (!c) return;
    if (c.localIp === null) {
      const type = c.channel === 'cmd' ? '-cmd-link-reconnection' : '-pubsub-link-reconnection';
      this.emit('debug', type, c.owner, `#${reason}`);
    }
    this.dropConnection(c.link, c.channel);
  }

  onPubsubMessage(conn: ConnId, channel: string, message: string): void {
    const c = this.conns.get(conn);
    if (!c) return;
    c.link.pubsubLastActivity = this.env.now();
    if (channel !== HELLO_CHANNEL) return;
    // Our own hellos come back through every master: nothing to learn from them.
    if (message.includes(this.myid)) return;
    this.processHello(message);
  }

  /** PUBLISH __sentinel__:hello received on our own port (§4.2); no self-filter on this path. */
  onHelloPublish(payload: string): void {
    this.processHello(payload);
  }

  masterNames(): string[] {
    return [...this.masters.keys()];
  }

  // ----------------------------------------------------------- instances

  private newLink(now: number): Link {
    return {
      id: this.nextLinkId++,
      refcount: 1,
      disconnected: true,
      cmdConn: null,
      pubsubConn: null,
      pendingCommands: 0,
      cmdConnTime: 0,
      pubsubConnTime: 0,
      pubsubLastActivity: 0,
      lastAvailTime: now,
      actPingTime: now,
      lastPingTime: 0,
      lastPongTime: now,
      lastReconnTime: 0,
    };
  }

  /** Builds an address; null when the host cannot be used (§13). */
  makeAddress(host: string, port: number, acceptUnresolved: boolean): Address | null {
    if (port < 0 || port > 65535) return null;
    if (isIpLiteral(host)) return { host, ip: host, port };
    if (!this.resolveHostnames) return null;
    const ip = this.env.resolve(host);
    if (ip === null && !acceptUnresolved) return null;
    return { host, ip: ip ?? '', port };
  }

  private base(now: number, addr: Address, downAfterMs: number) {
    return {
      addr,
      runid: '',
      link: this.newLink(now),
      sDown: false,
      sDownSinceTime: 0,
      downAfterMs,
      infoRefresh: 0,
      info: null,
      infoPending: false,
      roleReportedTime: now,
      lastPubTime: now,
      lastHelloTime: now,
      scriptKillSent: false,
      released: false,
    };
  }

  createMaster(name: string, addr: Address, quorum: number): MasterInstance {
    const now = this.env.now();
    const m: MasterInstance = {
      kind: 'master',
      name,
      ...this.base(now, addr, this.tunables.defaultDownAfter),
      roleReported: 'master',
      quorum,
      failoverTimeoutMs: this.tunables.defaultFailoverTimeout,
      parallelSyncs: 1,
      masterRebootDownAfterPeriodMs: 0,
      masterRebootSinceTime: 0,
      masterReboot: false,
      renamedCommands: new Map(),
      oDown: false,
      oDownSinceTime: 0,
      configEpoch: 0n,
      leader: '',
      leaderEpoch: 0n,
      failoverState: FailoverState.None,
      failoverInProgress: false,
      forceFailover: false,
      failoverEpoch: 0n,
      failoverStartTime: 0,
      failoverStateChangeTime: 0,
      failoverDelayLogged: 0,
      promotedReplica: null,
      replicas: new Map(),
      sentinels: new Map(),
    };
    this.masters.set(name, m);
    return m;
  }

  replicaName(addr: Address): string {
    const host = this.announceAddr(addr);
    return host.includes(':') ? `[${host}]:${addr.port}` : `${host}:${addr.port}`;
  }

  /** Null when a replica with that name already exists. */
  private createReplica(master: MasterInstance, addr: Address): ReplicaInstance | null {
    const name = this.replicaName(addr);
    if (master.replicas.has(name)) return null;
    const now = this.env.now();
    const r: ReplicaInstance = {
      kind: 'slave',
      name,
      master,
      ...this.base(now, addr, master.downAfterMs),
      roleReported: 'slave',
      masterLinkDownTimeMs: 0,
      masterLinkUp: false,
      reportedMasterHost: null,
      reportedMasterPort: 0,
      slaveConfChangeTime: now,
      priority: DEFAULT_SLAVE_PRIORITY,
      replOffset: 0n,
      announced: true,
      promoted: false,
      reconf: 'none',
      reconfSentTime: 0,
    };
    master.replicas.set(name, r);
    return r;
  }

  /** Null when a sentinel with that run ID already exists. */
  private createPeer(master: MasterInstance, runid: string, addr: Address): PeerSentinel | null {
    if (master.sentinels.has(runid)) return null;
    const now = this.env.now();
    const s: PeerSentinel = {
      kind: 'sentinel',
      name: runid,
      master,
      ...this.base(now, addr, master.downAfterMs),
      runid,
      // A sentinel never reports a role; 'slave' is what SENTINEL SENTINELS would not show anyway.
      roleReported: 'slave',
      masterDown: false,
      lastMasterDownReplyTime: now,
      leader: '',
      leaderEpoch: 0n,
    };
    master.sentinels.set(runid, s);
    this.shareLink(s);
    return s;
  }

  /** N peers watching M masters cost N links, not N x M (§2.4). */
  private shareLink(s: PeerSentinel): void {
    for (const m of this.masters.values()) {
      if (m === s.master) continue;
      const other = m.sentinels.get(s.runid);
      if (!other || other.link === s.link) continue;
      this.releaseLink(s);
      s.link = other.link;
      s.link.refcount++;
      return;
    }
  }

  private releaseLink(inst: Instance): void {
    const link = inst.link;
    link.refcount--;
    if (link.refcount <= 0) {
      this.closeConnection(link, 'cmd');
      this.closeConnection(link, 'pubsub');
    }
  }

  private releaseInstance(inst: Instance): void {
    inst.released = true;
    this.releaseLink(inst);
    if (inst.kind === 'master') {
      for (const r of inst.replicas.values()) this.releaseInstance(r);
      for (const s of inst.sentinels.values()) this.releaseInstance(s);
      inst.replicas.clear();
      inst.sentinels.clear();
    }
  }

  private loadMaster(cfg: MasterConfig): void {
    const addr = this.makeAddress(cfg.host, cfg.port, true) ?? { host: cfg.host, ip: '', port: cfg.port };
    const m = this.createMaster(cfg.name, addr, cfg.quorum);
    m.downAfterMs = cfg.downAfterMs;
    m.failoverTimeoutMs = cfg.failoverTimeoutMs;
    m.parallelSyncs = cfg.parallelSyncs;
    m.notificationScript = cfg.notificationScript;
    m.clientReconfigScript = cfg.clientReconfigScript;
    m.authPass = cfg.authPass;
    m.authUser = cfg.authUser;
    m.masterRebootDownAfterPeriodMs = cfg.masterRebootDownAfterPeriodMs;
    for (const [from, to] of cfg.renameCommands) m.renamedCommands.set(from.toLowerCase(), to);
    m.configEpoch = cfg.configEpoch;
    m.leaderEpoch = cfg.leaderEpoch;
    if (cfg.configEpoch > this.currentEpoch) this.currentEpoch = cfg.configEpoch;
    for (const kr of cfg.knownReplicas) {
      const a = this.makeAddress(kr.host, kr.port, true);
      if (a) this.createReplica(m, a);
    }
    for (const ks of cfg.knownSentinels) {
      const a = this.makeAddress(ks.host, ks.port, true);
      if (a) this.createPeer(m, ks.runid, a);
    }
  }

  // --------------------------------------------------------------- links

  private openConnection(inst: Instance, channel: LinkChannel): ConnId {
    const conn = this.nextConnId++;
    const link = inst.link;
    this.conns.set(conn, { link, channel, owner: inst, localIp: null });
    if (channel === 'cmd') link.cmdConn = conn;
    else link.pubsubConn = conn;
    this.actions.push({
      kind: 'connect',
      conn,
      link: link.id,
      channel,
      ip: inst.addr.ip,
      port: inst.addr.port,
    });
    return conn;
  }

  /** Forget a connection; the caller decides whether the edge must close it. */
  private dropConnection(link: Link, channel: LinkChannel): ConnId | null {
    const conn = channel === 'cmd' ? link.cmdConn : link.pubsubConn;
    if (conn === null) return null;
    this.conns.delete(conn);
    for (const [token, p] of this.pending) if (p.conn === conn) this.pending.delete(token);
    if (channel === 'cmd') {
      link.cmdConn = null;
      link.pendingCommands = 0;
    } else {
      link.pubsubConn = null;
    }
    link.disconnected = true;
    return conn;
  }

  private closeConnection(link: Link, channel: LinkChannel): void {
    const conn = this.dropConnection(link, channel);
    if (conn !== null) this.actions.push({ kind: 'close', conn });
  }

  /** Applies the master's rename-command table (also to commands sent to its peer sentinels, as Redis). */
  private mapCommand(inst: Instance, name: string): string {
    const master = inst.kind === 'master' ? inst : inst.master;
    return master.renamedCommands.get(name.toLowerCase()) ?? name;
  }

  /** Queues a command; returns false when the connection does not exist. */
  private send(
    inst: Instance,
    channel: LinkChannel,
    command: readonly string[],
    handler: ReplyHandler | null,
  ): boolean {
    const conn = channel === 'cmd' ? inst.link.cmdConn : inst.link.pubsubConn;
    if (conn === null) return false;
    const [name, ...args] = command;
    const token = this.nextToken++;
    const counted = channel === 'cmd';
    this.pending.set(token, { conn, counted, handler });
    if (counted) inst.link.pendingCommands++;
    this.actions.push({ kind: 'send', conn, token, command: [this.mapCommand(inst, name ?? ''), ...args] });
    return true;
  }

  private credentials(inst: Instance): { user?: string; pass?: string } {
    if (inst.kind === 'sentinel') {
      if (this.sentinelPass !== undefined) return { user: this.sentinelUser, pass: this.sentinelPass };
      return { pass: this.options.requirepass };
    }
    const m = inst.kind === 'master' ? inst : inst.master;
    return { user: m.authUser, pass: m.authPass };
  }

  private sendHandshake(inst: Instance, channel: LinkChannel): void {
    const { user, pass } = this.credentials(inst);
    if (pass !== undefined)
      this.send(inst, channel, user !== undefined ? ['AUTH', user, pass] : ['AUTH', pass], null);
    const suffix = channel === 'cmd' ? 'cmd' : 'pubsub';
    this.send(inst, channel, ['CLIENT', 'SETNAME', `sentinel-${this.myid.slice(0, 8)}-${suffix}`], null);
  }

  /** §2.2: at most one attempt per ping-period; handshake commands are queued at once. */
  private reconnect(inst: Instance, now: number): void {
    const link = inst.link;
    if (!link.disconnected) return;
    if (inst.addr.port === 0) return;
    if (now - link.lastReconnTime < this.tunables.pingPeriod) return;
    link.lastReconnTime = now;
    if (link.cmdConn === null) {
      if (this.resolveHostnames) {
        const ip = this.env.resolve(inst.addr.host);
        if (ip !== null) inst.addr.ip = ip;
      }
      if (inst.addr.ip === '') {
        this.emit('debug', '-cmd-link-reconnection', inst, '#Failed to resolve hostname');
        return;
      }
      this.openConnection(inst, 'cmd');
      link.pendingCommands = 0;
      link.cmdConnTime = now;
      this.sendHandshake(inst, 'cmd');
      this.sendPing(inst, now);
    }
    if (inst.kind !== 'sentinel' && link.pubsubConn === null) {
      this.openConnection(inst, 'pubsub');
      link.pubsubConnTime = now;
      this.sendHandshake(inst, 'pubsub');
      this.send(inst, 'pubsub', ['SUBSCRIBE', HELLO_CHANNEL], (r) => {
        link.pubsubLastActivity = this.env.now();
        // A refused SUBSCRIBE (e.g. NOAUTH) makes the link useless: drop it, as hiredis does,
        // so the instance shows as disconnected and the next attempt authenticates again.
        if (!r.ok && link.pubsubConn !== null) this.closeConnection(link, 'pubsub');
      });
    }
    if (link.cmdConn !== null && (inst.kind === 'sentinel' || link.pubsubConn !== null)) {
      link.disconnected = false;
    }
  }

  // ---------------------------------------------------- periodic commands

  private sendPing(inst: Instance, now: number): void {
    const sent = this.send(inst, 'cmd', ['PING'], (r) => this.onPingReply(inst, r));
    if (!sent) return;
    inst.link.lastPingTime = now;
    if (inst.link.actPingTime === 0) inst.link.actPingTime = now;
  }

  private onPingReply(inst: Instance, r: LinkReply): void {
    const link = inst.link;
    const now = this.env.now();
    const text = r.ok ? (typeof r.value === 'string' ? r.value : '') : r.error;
    if (text.startsWith('PONG') || text.startsWith('LOADING') || text.startsWith('MASTERDOWN')) {
      link.lastAvailTime = now;
      link.actPingTime = 0;
      if (inst.kind === 'master' && inst.masterReboot && text.startsWith('PONG')) inst.masterReboot = false;
    } else if (!r.ok && text.startsWith('BUSY') && inst.sDown && !inst.scriptKillSent && !inst.released) {
      // A busy script makes the instance look down: try to kill it, once per SDOWN.
      this.send(inst, 'cmd', ['SCRIPT', 'KILL'], null);
      inst.scriptKillSent = true;
    }
    link.lastPongTime = now;
  }

  private sendPeriodicCommands(inst: Instance, now: number): void {
    const link = inst.link;
    if (link.disconnected) return;
    if (link.pendingCommands >= MAX_PENDING_COMMANDS * link.refcount) return;
    const t = this.tunables;
    let infoPeriod = t.infoPeriod;
    if (
      inst.kind === 'slave' &&
      (inst.master.oDown || inst.master.failoverInProgress || inst.masterLinkDownTimeMs !== 0)
    ) {
      infoPeriod = 1000;
    }
    // Faster than redis-sentinel where nobody can tell: a replica whose role change drives the
    // failover forward is polled every tick, one INFO at a time.
    const fast = inst.kind === 'slave' && this.drivesFailover(inst);
    if (fast) infoPeriod = 0;
    const pingPeriod = Math.min(inst.downAfterMs, t.pingPeriod);
    const infoDue = inst.infoRefresh === 0 || now - inst.infoRefresh > infoPeriod;
    if (inst.kind !== 'sentinel' && infoDue && !(fast && inst.infoPending)) this.sendInfo(inst);
    if (now - link.lastPongTime > pingPeriod && now - link.lastPingTime > pingPeriod / 2) {
      this.sendPing(inst, now);
    }
    if (now - inst.lastPubTime > t.publishPeriod) this.sendHello(inst);
  }

  private sendInfo(inst: MasterInstance | ReplicaInstance): void {
    inst.infoPending = true;
    this.send(inst, 'cmd', ['INFO'], (r) => {
      inst.infoPending = false;
      if (r.ok && typeof r.value === 'string' && !inst.released) this.refreshInfo(inst, r.value);
    });
  }

  /** The promoted replica while we wait for it, and replicas being moved to it. */
  private drivesFailover(r: ReplicaInstance): boolean {
    const m = r.master;
    if (!m.failoverInProgress) return false;
    if (r.promoted) return m.failoverState === FailoverState.WaitPromotion;
    return m.failoverState === FailoverState.ReconfSlaves && (r.reconf === 'sent' || r.reconf === 'inprog');
  }

  /** The master address everybody should use now: the promoted replica once promotion is confirmed. */
  currentMasterAddress(master: MasterInstance): Address {
    if (
      master.failoverInProgress &&
      master.promotedReplica &&
      master.failoverState >= FailoverState.ReconfSlaves
    ) {
      return master.promotedReplica.addr;
    }
    return master.addr;
  }

  announceAddr(addr: Address): string {
    return this.announceHostnames ? addr.host : addr.ip;
  }

  /** The port we advertise in hellos. */
  announcedPort(): number {
    return this.announcePort !== 0 ? this.announcePort : this.options.serverPort;
  }

  private sendHello(inst: Instance): void {
    const link = inst.link;
    if (link.disconnected || link.cmdConn === null) return;
    const master = inst.kind === 'master' ? inst : inst.master;
    const localIp = this.conns.get(link.cmdConn)?.localIp ?? null;
    const ip = this.announceIp ?? localIp;
    if (ip === null) return;
    const maddr = this.currentMasterAddress(master);
    const payload = formatHello({
      sentinelIp: ip,
      sentinelPort: this.announcedPort(),
      runid: this.myid,
      currentEpoch: this.currentEpoch,
      masterName: master.name,
      masterHost: this.announceAddr(maddr),
      masterPort: maddr.port,
      masterConfigEpoch: master.configEpoch,
    });
    this.send(inst, 'cmd', ['PUBLISH', HELLO_CHANNEL, payload], (r) => {
      if (r.ok) inst.lastPubTime = this.env.now();
    });
  }

  /** Makes the next tick send hellos everywhere for this master (after a promotion). */
  /** Announces the new configuration everywhere now rather than at the next tick. */
  private forceHelloUpdate(master: MasterInstance): void {
    const back = this.env.now() - this.tunables.publishPeriod - 1;
    for (const inst of [master, ...master.replicas.values(), ...master.sentinels.values()]) {
      inst.lastPubTime = back;
      this.sendHello(inst);
    }
  }

  // ------------------------------------------------------------- INFO

  private refreshInfo(inst: MasterInstance | ReplicaInstance, text: string): void {
    const now = this.env.now();
    const info = parseInfo(text);
    inst.info = text;
    if (info.runid !== null) {
      if (inst.runid === '') {
        inst.runid = info.runid;
      } else if (inst.runid !== info.runid) {
        this.emit('notice', '+reboot', inst);
        if (inst.kind === 'master' && inst.masterRebootDownAfterPeriodMs !== 0) {
          inst.masterReboot = true;
          inst.masterRebootSinceTime = now;
        }
        inst.runid = info.runid;
      }
    }
    if (inst.kind === 'master') {
      for (const rep of info.replicas) {
        if (this.lookupReplica(inst, rep.ip, rep.port)) continue;
        const addr = this.makeAddress(rep.ip, rep.port, false);
        if (!addr) {
          if (!isIpLiteral(rep.ip)) this.log('warning', `Failed to resolve hostname '${rep.ip}'`);
          continue;
        }
        const r = this.createReplica(inst, addr);
        if (r) {
          this.emit('notice', '+slave', r);
          this.flush();
        }
      }
    }
    if (inst.kind === 'slave') {
      inst.masterLinkDownTimeMs = info.masterLinkDownTimeMs;
      if (info.role === 'slave') {
        if (
          info.masterHost !== null &&
          info.masterHost.toLowerCase() !== inst.reportedMasterHost?.toLowerCase()
        ) {
          inst.reportedMasterHost = info.masterHost;
          inst.slaveConfChangeTime = now;
        }
        if (info.masterPort !== null && info.masterPort !== inst.reportedMasterPort) {
          inst.reportedMasterPort = info.masterPort;
          inst.slaveConfChangeTime = now;
        }
        if (info.masterLinkUp !== null) inst.masterLinkUp = info.masterLinkUp;
        if (info.priority !== null) inst.priority = info.priority;
        if (info.replOffset !== null) inst.replOffset = info.replOffset;
        if (info.announced !== null) inst.announced = info.announced;
      }
    }
    inst.infoRefresh = now;

    // Acting half.
    const role = info.role;
    if (role !== null && role !== inst.roleReported) {
      inst.roleReportedTime = now;
      inst.roleReported = role;
      if (inst.kind === 'slave' && role === 'slave') inst.slaveConfChangeTime = now;
      const coherent = inst.kind === role;
      this.emit('verbose', coherent ? '+role-change' : '-role-change', inst, `new reported role is ${role}`);
    }
    if (this.tilt || inst.kind !== 'slave') return;
    const master = inst.master;
    if (role === 'master') {
      if (
        inst.promoted &&
        master.failoverInProgress &&
        master.failoverState === FailoverState.WaitPromotion
      ) {
        this.promotionConfirmed(master, inst, now);
      } else {
        const wait = this.tunables.publishPeriod * 4;
        if (
          !inst.promoted &&
          this.masterLooksSane(master, now) &&
          this.noDownFor(inst, wait, now) &&
          now - inst.roleReportedTime > wait
        ) {
          if (this.sendSlaveOf(inst, master.addr)) this.emit('notice', '+convert-to-slave', inst);
        }
      }
    }
    if (
      role === 'slave' &&
      (inst.reportedMasterPort !== master.addr.port ||
        !this.hostMatches(master.addr, inst.reportedMasterHost))
    ) {
      const wait = master.failoverTimeoutMs;
      if (
        this.masterLooksSane(master, now) &&
        this.noDownFor(inst, wait, now) &&
        now - inst.slaveConfChangeTime > wait
      ) {
        if (this.sendSlaveOf(inst, master.addr)) this.emit('notice', '+fix-slave-config', inst);
      }
    }
    if (role === 'slave' && (inst.reconf === 'sent' || inst.reconf === 'inprog')) {
      const promoted = master.promotedReplica;
      if (
        inst.reconf === 'sent' &&
        promoted &&
        inst.reportedMasterHost !== null &&
        this.hostMatches(promoted.addr, inst.reportedMasterHost) &&
        inst.reportedMasterPort === promoted.addr.port
      ) {
        inst.reconf = 'inprog';
        this.emit('notice', '+slave-reconf-inprog', inst);
      }
      if (inst.reconf === 'inprog' && inst.masterLinkUp) {
        inst.reconf = 'done';
        this.emit('notice', '+slave-reconf-done', inst);
      }
    }
  }

  /** Compares a reported host string with an address, resolution-aware (§13). */
  private hostMatches(addr: Address, reported: string | null): boolean {
    if (reported === null) return false;
    const ip = isIpLiteral(reported) ? reported : this.resolveHostnames ? this.env.resolve(reported) : null;
    if (ip !== null) return ip === addr.ip || sameHost(reported, addr.host);
    return this.resolveHostnames ? sameHost(reported, addr.host) : reported === addr.ip;
  }

  lookupReplica(master: MasterInstance, host: string, port: number): ReplicaInstance | null {
    const addr = this.makeAddress(host, port, true);
    if (!addr) return null;
    return master.replicas.get(this.replicaName(addr)) ?? null;
  }

  private masterLooksSane(master: MasterInstance, now: number): boolean {
    return (
      master.roleReported === 'master' &&
      !master.sDown &&
      !master.oDown &&
      now - master.infoRefresh < this.tunables.infoPeriod * 2
    );
  }

  /** "Did not go down recently": the SDOWN start time is never cleared (replicas never reach ODOWN). */
  private noDownFor(inst: ReplicaInstance, ms: number, now: number): boolean {
    return inst.sDownSinceTime === 0 || now - inst.sDownSinceTime > ms;
  }

  /** The six-command reconfiguration transaction of §7.3; `to` null means SLAVEOF NO ONE. */
  private sendSlaveOf(inst: ReplicaInstance, to: Address | null): boolean {
    if (inst.link.cmdConn === null) return false;
    const target = to ? [this.announceAddr(to), String(to.port)] : ['NO', 'ONE'];
    this.send(inst, 'cmd', ['MULTI'], null);
    this.send(inst, 'cmd', ['SLAVEOF', ...target], null);
    this.send(inst, 'cmd', ['CONFIG', 'REWRITE'], null);
    this.send(inst, 'cmd', ['CLIENT', 'KILL', 'TYPE', 'normal'], null);
    this.send(inst, 'cmd', ['CLIENT', 'KILL', 'TYPE', 'pubsub'], null);
    this.send(inst, 'cmd', ['EXEC'], null);
    return true;
  }

  // ------------------------------------------------------------ hellos

  /** §4.3. */
  private processHello(payload: string): void {
    const h = parseHello(payload);
    if (!h) return;
    const master = this.masters.get(h.masterName);
    if (!master) return;
    let si = this.findPeer(master, h.sentinelIp, h.sentinelPort, h.runid);
    if (!si) {
      const removed = this.removePeersWithRunid(master, h.runid);
      if (removed > 0) {
        this.emit(
          'notice',
          '+sentinel-address-switch',
          master,
          `ip ${h.sentinelIp} port ${h.sentinelPort} for ${h.runid}`,
        );
      } else {
        const other = this.findPeer(master, h.sentinelIp, h.sentinelPort, null);
        if (other) {
          this.emit('notice', '+sentinel-invalid-addr', other);
          const obsolete = other.runid;
          for (const m of this.masters.values()) this.removePeersWithRunid(m, obsolete);
        }
      }
      const addr = this.makeAddress(h.sentinelIp, h.sentinelPort, true);
      si = addr ? this.createPeer(master, h.runid, addr) : null;
      if (si) {
        if (removed === 0) this.emit('notice', '+sentinel', si);
        else this.updatePeerAddressInAllMasters(si);
        this.flush();
      }
    }
    if (h.currentEpoch > this.currentEpoch) {
      this.currentEpoch = h.currentEpoch;
      this.flush();
      this.emit('warning', '+new-epoch', master, String(this.currentEpoch), false);
    }
    if (si && master.configEpoch < h.masterConfigEpoch) {
      master.configEpoch = h.masterConfigEpoch;
      // Compared with the address we now advertise, not the configured one: redis-sentinel compares
      // with the latter, so a leader whose promotion was overtaken by a newer epoch naming the old
      // master keeps its stale choice under the new epoch and never converges (found by tests/sim).
      const current = this.currentMasterAddress(master);
      if (h.masterPort !== current.port || !this.hostMatches(current, h.masterHost)) {
        this.emit('warning', '+config-update-from', si);
        this.emit(
          'warning',
          '+switch-master',
          master,
          `${master.name} ${this.announceAddr(master.addr)} ${master.addr.port} ${h.masterHost} ${h.masterPort}`,
          false,
        );
        const oldAddr = { ...master.addr };
        if (this.resetMasterAndChangeAddress(master, h.masterHost, h.masterPort)) {
          this.clientReconfigScript(master, 'observer', oldAddr, master.addr);
        }
      }
    }
    if (si) si.lastHelloTime = this.env.now();
  }

  private findPeer(
    master: MasterInstance,
    ip: string,
    port: number,
    runid: string | null,
  ): PeerSentinel | null {
    const addr = this.makeAddress(ip, port, true);
    if (!addr) return null;
    for (const s of master.sentinels.values()) {
      if (runid !== null && s.runid !== runid) continue;
      if (sameAddress(s.addr, addr)) return s;
    }
    return null;
  }

  private removePeersWithRunid(master: MasterInstance, runid: string): number {
    const s = master.sentinels.get(runid);
    if (!s) return 0;
    master.sentinels.delete(runid);
    this.releaseInstance(s);
    return 1;
  }

  /** After an address switch, other masters' records of the same peer follow (§4.3). */
  private updatePeerAddressInAllMasters(si: PeerSentinel): void {
    let updated = 0;
    for (const m of this.masters.values()) {
      if (m === si.master) continue;
      const other = m.sentinels.get(si.runid);
      if (!other) continue;
      this.closeConnection(other.link, 'cmd');
      other.addr = { ...si.addr };
      updated++;
    }
    if (updated > 0)
      this.emit('notice', '+sentinel-address-update', si, `${updated} additional matching instances`);
  }

  // ------------------------------------------------- SDOWN / ODOWN / TILT

  private checkTilt(): void {
    const now = this.env.now();
    const delta = now - this.previousTime;
    if (delta < 0 || delta > this.tunables.tiltTrigger) {
      this.tilt = true;
      this.tiltStartTime = now;
      this.emit('warning', '+tilt', null, '#tilt mode entered');
    }
    this.previousTime = now;
  }

  private handleInstance(inst: Instance): void {
    if (inst.released) return;
    const now = this.env.now();
    this.reconnect(inst, now);
    this.sendPeriodicCommands(inst, now);
    if (this.tilt) {
      if (now - this.tiltStartTime < this.tunables.tiltPeriod) return;
      this.tilt = false;
      this.emit('warning', '-tilt', null, '#tilt mode exited');
    }
    this.checkSubjectivelyDown(inst, now);
    if (inst.kind === 'master') {
      this.judgeMaster(inst, now);
      this.askPeers(inst, false, now);
    }
  }

  /** ODOWN, failover start and the failover state machine for one master. */
  private judgeMaster(master: MasterInstance, now: number): void {
    this.checkObjectivelyDown(master, now);
    if (this.startFailoverIfNeeded(master, now)) this.askPeers(master, true, now);
    this.failoverStateMachine(master, now);
  }

  private checkSubjectivelyDown(inst: Instance, now: number): void {
    const link = inst.link;
    let elapsed = 0;
    if (link.actPingTime !== 0) elapsed = now - link.actPingTime;
    else if (link.disconnected) elapsed = now - link.lastAvailTime;
    const t = this.tunables;
    // A link that looks connected but stays silent is reconnected (§2.3).
    if (
      link.cmdConn !== null &&
      now - link.cmdConnTime > t.minLinkReconnectPeriod &&
      link.actPingTime !== 0 &&
      now - link.actPingTime > inst.downAfterMs / 2 &&
      now - link.lastPongTime > inst.downAfterMs / 2
    ) {
      this.closeConnection(link, 'cmd');
    }
    if (
      link.pubsubConn !== null &&
      now - link.pubsubConnTime > t.minLinkReconnectPeriod &&
      now - link.pubsubLastActivity > t.publishPeriod * 3
    ) {
      this.closeConnection(link, 'pubsub');
    }
    const down =
      elapsed > inst.downAfterMs ||
      (inst.kind === 'master' &&
        inst.roleReported === 'slave' &&
        now - inst.roleReportedTime > inst.downAfterMs + t.infoPeriod * 2) ||
      (inst.kind === 'master' &&
        inst.masterReboot &&
        now - inst.masterRebootSinceTime > inst.masterRebootDownAfterPeriodMs);
    if (down && !inst.sDown) {
      this.emit('warning', '+sdown', inst);
      inst.sDownSinceTime = now;
      inst.sDown = true;
    } else if (!down && inst.sDown) {
      this.emit('warning', '-sdown', inst);
      inst.sDown = false;
      inst.scriptKillSent = false;
    }
  }

  private checkObjectivelyDown(master: MasterInstance, now: number): void {
    let votes = 0;
    let odown = false;
    if (master.sDown) {
      votes = 1;
      for (const s of master.sentinels.values()) if (s.masterDown) votes++;
      odown = votes >= master.quorum;
    }
    if (odown && !master.oDown) {
      this.emit('warning', '+odown', master, `#quorum ${votes}/${master.quorum}`);
      master.oDown = true;
      master.oDownSinceTime = now;
    } else if (!odown && master.oDown) {
      this.emit('warning', '-odown', master);
      master.oDown = false;
    }
  }

  /** §5.3. */
  private askPeers(master: MasterInstance, forced: boolean, now: number): void {
    const t = this.tunables;
    for (const peer of master.sentinels.values()) {
      if (now - peer.lastMasterDownReplyTime > t.askPeriod * 5) {
        peer.masterDown = false;
        peer.leader = '';
      }
      if (!master.sDown) continue;
      if (peer.link.disconnected) continue;
      if (!forced && now - peer.lastMasterDownReplyTime < t.askPeriod) continue;
      const runid = master.failoverState > FailoverState.None ? this.myid : '*';
      this.send(
        peer,
        'cmd',
        [
          'SENTINEL',
          'is-master-down-by-addr',
          this.announceAddr(master.addr),
          String(master.addr.port),
          String(this.currentEpoch),
          runid,
        ],
        (r) => this.onIsMasterDownReply(peer, r),
      );
    }
  }

  private onIsMasterDownReply(peer: PeerSentinel, r: LinkReply): void {
    if (!r.ok || peer.released || !Array.isArray(r.value) || r.value.length !== 3) return;
    const [down, leader, epoch] = r.value as unknown[];
    if (typeof down !== 'number' || typeof leader !== 'string' || typeof epoch !== 'number') return;
    peer.lastMasterDownReplyTime = this.env.now();
    peer.masterDown = down === 1;
    if (leader !== '*') {
      const e = BigInt(Math.trunc(epoch));
      if (peer.leaderEpoch !== e) this.log('warning', `${peer.name} voted for ${leader} ${e}`);
      peer.leader = leader;
      peer.leaderEpoch = e;
    }
    // A peer's opinion or vote can complete ODOWN or an election: act on it now rather than
    // at the next tick, exactly as the tick would (nothing is judged in TILT).
    const master = peer.master;
    if (!this.tilt && master.sDown && !master.released) this.judgeMaster(master, this.env.now());
  }

  // ---------------------------------------------------------- elections

  /** §6.1: one vote per master per epoch, persisted before the answer leaves. */
  voteLeader(master: MasterInstance, reqEpoch: bigint, reqRunid: string): { leader: string; epoch: bigint } {
    if (reqEpoch > this.currentEpoch) {
      this.currentEpoch = reqEpoch;
      this.flush();
      this.emit('warning', '+new-epoch', master, String(this.currentEpoch), false);
    }
    if (master.leaderEpoch < reqEpoch && this.currentEpoch <= reqEpoch) {
      master.leader = reqRunid;
      master.leaderEpoch = this.currentEpoch;
      this.flush();
      this.emit('warning', '+vote-for-leader', master, `${master.leader} ${master.leaderEpoch}`, false);
      // Voting for someone else keeps us from starting our own failover for a while.
      if (master.leader.toLowerCase() !== this.myid.toLowerCase()) {
        master.failoverStartTime = this.env.now() + Math.floor(this.env.random() * MAX_DESYNC_MS);
      }
    }
    return { leader: master.leader, epoch: master.leaderEpoch };
  }

  private getLeader(master: MasterInstance, epoch: bigint): string | null {
    const tally = tallyPeerVotes(master, this.currentEpoch);
    const mine = this.voteLeader(master, epoch, tally.winner ?? this.myid);
    if (mine.leader !== '' && mine.epoch === epoch) addVote(tally, mine.leader);
    return electedLeader(master, tally);
  }

  // ----------------------------------------------------------- failover

  private startFailoverIfNeeded(master: MasterInstance, now: number): boolean {
    if (!master.oDown || master.failoverInProgress) return false;
    if (now - master.failoverStartTime < master.failoverTimeoutMs * 2) {
      if (master.failoverDelayLogged !== master.failoverStartTime) {
        master.failoverDelayLogged = master.failoverStartTime;
        const when = new Date(master.failoverStartTime + master.failoverTimeoutMs * 2);
        this.log('warning', `Next failover delay: I will not start a failover before ${ctime(when)}`);
      }
      return false;
    }
    this.startFailover(master, now);
    return true;
  }

  private startFailover(master: MasterInstance, now: number): void {
    master.failoverState = FailoverState.WaitStart;
    master.failoverInProgress = true;
    this.currentEpoch++;
    master.failoverEpoch = this.currentEpoch;
    this.emit('warning', '+new-epoch', master, String(this.currentEpoch), false);
    this.emit('warning', '+try-failover', master);
    master.failoverStartTime = now + Math.floor(this.env.random() * MAX_DESYNC_MS);
    master.failoverStateChangeTime = now;
    // Replica selection needs fresh INFO; ask now so it is there when the election ends.
    for (const r of master.replicas.values()) {
      if (!r.link.disconnected && !r.infoPending) this.sendInfo(r);
    }
  }

  /**
   * Runs the failover state machine; a step that completes moves on in the same tick
   * (redis-sentinel takes one state per tick, ~100 ms each, for no benefit).
   */
  private failoverStateMachine(master: MasterInstance, now: number): void {
    for (let steps = 0; steps < 4 && master.failoverInProgress; steps++) {
      const before = master.failoverState;
      this.failoverStep(master, now);
      if (master.failoverState === before || master.failoverState === FailoverState.UpdateConfig) return;
    }
  }

  private failoverStep(master: MasterInstance, now: number): void {
    switch (master.failoverState) {
      case FailoverState.WaitStart:
        return this.failoverWaitStart(master, now);
      case FailoverState.SelectSlave:
        return this.failoverSelectSlave(master, now);
      case FailoverState.SendSlaveofNoOne:
        return this.failoverSendSlaveOfNoOne(master, now);
      case FailoverState.WaitPromotion:
        return this.failoverWaitPromotion(master, now);
      case FailoverState.ReconfSlaves:
        return this.failoverReconfNextSlave(master, now);
      default:
        return;
    }
  }

  private setFailoverState(master: MasterInstance, state: FailoverState, now: number): void {
    master.failoverState = state;
    master.failoverStateChangeTime = now;
  }

  private failoverWaitStart(master: MasterInstance, now: number): void {
    const leader = this.getLeader(master, master.failoverEpoch);
    const isLeader = leader !== null && leader.toLowerCase() === this.myid.toLowerCase();
    if (!isLeader && !master.forceFailover) {
      const electionTimeout = Math.min(this.tunables.electionTimeout, master.failoverTimeoutMs);
      if (now - master.failoverStartTime > electionTimeout) {
        this.emit('warning', '-failover-abort-not-elected', master);
        this.abortFailover(master, now);
      }
      return;
    }
    this.emit('warning', '+elected-leader', master);
    if (this.simFailure.crashAfterElection) return this.simulatedCrash();
    this.setFailoverState(master, FailoverState.SelectSlave, now);
    this.emit('warning', '+failover-state-select-slave', master);
  }

  private failoverSelectSlave(master: MasterInstance, now: number): void {
    const chosen = promotionCandidates(master, now, this.tunables)[0];
    if (!chosen) {
      // An election won within a tick can come before the replicas' INFO replies: give those
      // up to a ping period before giving up, instead of aborting on stale data.
      const infoComing = [...master.replicas.values()].some((r) => r.infoPending && !r.link.disconnected);
      if (infoComing && now - master.failoverStateChangeTime < this.tunables.pingPeriod) return;
      this.emit('warning', '-failover-abort-no-good-slave', master);
      this.abortFailover(master, now);
      return;
    }
    this.emit('warning', '+selected-slave', chosen);
    chosen.promoted = true;
    master.promotedReplica = chosen;
    this.setFailoverState(master, FailoverState.SendSlaveofNoOne, now);
    this.emit('notice', '+failover-state-send-slaveof-noone', chosen);
  }

  private failoverSendSlaveOfNoOne(master: MasterInstance, now: number): void {
    const promoted = master.promotedReplica;
    if (!promoted) return;
    if (promoted.link.disconnected) {
      if (now - master.failoverStateChangeTime > master.failoverTimeoutMs) {
        this.emit('warning', '-failover-abort-slave-timeout', master);
        this.abortFailover(master, now);
      }
      return;
    }
    if (!this.sendSlaveOf(promoted, null)) return;
    this.emit('notice', '+failover-state-wait-promotion', promoted);
    this.setFailoverState(master, FailoverState.WaitPromotion, now);
  }

  private failoverWaitPromotion(master: MasterInstance, now: number): void {
    if (now - master.failoverStateChangeTime > master.failoverTimeoutMs) {
      this.emit('warning', '-failover-abort-slave-timeout', master);
      this.abortFailover(master, now);
    }
  }

  /** §7.5. */
  private promotionConfirmed(master: MasterInstance, promoted: ReplicaInstance, now: number): void {
    master.configEpoch = master.failoverEpoch;
    this.setFailoverState(master, FailoverState.ReconfSlaves, now);
    this.flush();
    this.emit('warning', '+promoted-slave', promoted);
    if (this.simFailure.crashAfterPromotion) return this.simulatedCrash();
    this.emit('warning', '+failover-state-reconf-slaves', master);
    this.clientReconfigScript(master, 'leader', master.addr, promoted.addr);
    this.forceHelloUpdate(master);
    // Start moving the other replicas at once instead of at the next tick.
    this.failoverReconfNextSlave(master, now);
  }

  /** §7.6. */
  private failoverReconfNextSlave(master: MasterInstance, now: number): void {
    const promoted = master.promotedReplica;
    if (!promoted) return;
    let inProgress = 0;
    for (const r of master.replicas.values()) if (r.reconf === 'sent' || r.reconf === 'inprog') inProgress++;
    for (const r of master.replicas.values()) {
      if (inProgress >= master.parallelSyncs) break;
      if (r.promoted || r.reconf === 'done') continue;
      if (r.reconf === 'sent' && now - r.reconfSentTime > this.tunables.slaveReconfTimeout) {
        this.emit('notice', '-slave-reconf-sent-timeout', r);
        r.reconf = 'done';
      }
      if (r.reconf === 'sent' || r.reconf === 'inprog' || r.reconf === 'done') continue;
      if (r.link.disconnected) continue;
      if (this.sendSlaveOf(r, promoted.addr)) {
        r.reconf = 'sent';
        r.reconfSentTime = now;
        this.emit('notice', '+slave-reconf-sent', r);
        inProgress++;
      }
    }
    this.failoverDetectEnd(master, now);
  }

  private failoverDetectEnd(master: MasterInstance, now: number): void {
    const promoted = master.promotedReplica;
    if (!promoted || promoted.sDown) return;
    let notReconfigured = 0;
    for (const r of master.replicas.values()) {
      if (r.promoted || r.reconf === 'done' || r.sDown) continue;
      notReconfigured++;
    }
    let timeout = false;
    if (now - master.failoverStateChangeTime > master.failoverTimeoutMs) {
      notReconfigured = 0;
      timeout = true;
      this.emit('warning', '+failover-end-for-timeout', master);
    }
    if (notReconfigured === 0) {
      this.emit('warning', '+failover-end', master);
      this.setFailoverState(master, FailoverState.UpdateConfig, now);
    }
    if (!timeout) return;
    // Best effort for the replicas left behind.
    for (const r of master.replicas.values()) {
      if (r.promoted || r.reconf === 'done' || r.reconf === 'sent') continue;
      if (r.link.disconnected) continue;
      if (this.sendSlaveOf(r, promoted.addr)) {
        this.emit('notice', '+slave-reconf-sent-be', r);
        r.reconf = 'sent';
      }
    }
  }

  private abortFailover(master: MasterInstance, now: number): void {
    master.failoverInProgress = false;
    master.forceFailover = false;
    this.setFailoverState(master, FailoverState.None, now);
    if (master.promotedReplica) {
      master.promotedReplica.promoted = false;
      master.promotedReplica = null;
    }
  }

  private switchToPromoted(master: MasterInstance): void {
    const ref = master.promotedReplica ?? master;
    this.emit(
      'warning',
      '+switch-master',
      master,
      `${master.name} ${this.announceAddr(master.addr)} ${master.addr.port} ${this.announceAddr(ref.addr)} ${ref.addr.port}`,
      false,
    );
    this.resetMasterAndChangeAddress(master, ref.addr.host, ref.addr.port);
  }

  /** Forget replicas, links and failover state; keep sentinels unless `dropSentinels` (§7.8, RESET). */
  resetMaster(master: MasterInstance, dropSentinels: boolean, generateEvent: boolean): void {
    const now = this.env.now();
    for (const r of master.replicas.values()) this.releaseInstance(r);
    master.replicas.clear();
    if (dropSentinels) {
      for (const s of master.sentinels.values()) this.releaseInstance(s);
      master.sentinels.clear();
    }
    this.closeConnection(master.link, 'cmd');
    this.closeConnection(master.link, 'pubsub');
    master.sDown = false;
    master.oDown = false;
    master.failoverInProgress = false;
    master.forceFailover = false;
    master.masterReboot = false;
    master.scriptKillSent = false;
    master.leader = '';
    master.failoverState = FailoverState.None;
    master.failoverStateChangeTime = 0;
    master.failoverStartTime = 0;
    master.promotedReplica = null;
    master.runid = '';
    master.link.actPingTime = now;
    master.link.lastPingTime = 0;
    master.link.lastAvailTime = now;
    master.link.lastPongTime = now;
    // Two departures from redis-sentinel, both found by tests/integration/quorum.test.ts: the
    // master (often at a new address) is reconnected at the next tick rather than up to a ping
    // period later, so down-after is not eaten by the wait; and peers' "master is down" answers,
    // which were about the old address, are forgotten instead of counting towards an ODOWN of
    // the new master for five more seconds.
    master.link.lastReconnTime = 0;
    for (const peer of master.sentinels.values()) peer.masterDown = false;
    master.roleReportedTime = now;
    master.roleReported = 'master';
    if (generateEvent) this.emit('warning', '+reset-master', master);
  }

  private resetMasterAndChangeAddress(master: MasterInstance, host: string, port: number): boolean {
    const newAddr = this.makeAddress(host, port, false);
    if (!newAddr) return false;
    const keep: Address[] = [];
    for (const r of master.replicas.values()) {
      if (!sameAddress(r.addr, newAddr)) keep.push({ ...r.addr });
    }
    if (!sameAddress(newAddr, master.addr)) keep.push({ ...master.addr });
    this.resetMaster(master, false, false);
    master.addr = newAddr;
    master.oDownSinceTime = 0;
    master.sDownSinceTime = 0;
    for (const a of keep) {
      const r = this.createReplica(master, a);
      if (r) this.emit('notice', '+slave', r);
    }
    this.flush();
    return true;
  }

  private clientReconfigScript(
    master: MasterInstance,
    role: 'leader' | 'observer',
    from: Address,
    to: Address,
  ): void {
    if (!master.clientReconfigScript) return;
    this.actions.push({
      kind: 'script',
      argv: [
        master.clientReconfigScript,
        master.name,
        role,
        'start',
        this.announceAddr(from),
        String(from.port),
        this.announceAddr(to),
        String(to.port),
      ],
    });
  }

  private simulatedCrash(): void {
    this.log('warning', 'Sentinel CRASH because of SENTINEL simulate-failure');
    this.actions.push({ kind: 'exit', code: 99 });
  }

  // --------------------------------------------------- events and state

  flush(): void {
    this.actions.push({ kind: 'flush-config' });
  }

  log(level: EventLevel, message: string): void {
    this.actions.push({ kind: 'log', level, message });
  }

  /** The `%@` prefix of §9.1. */
  instancePrefix(inst: Instance): string {
    const head = `${inst.kind} ${inst.name} ${this.announceAddr(inst.addr)} ${inst.addr.port}`;
    if (inst.kind === 'master') return head;
    const m = inst.master;
    return `${head} @ ${m.name} ${this.announceAddr(m.addr)} ${m.addr.port}`;
  }

  /** Emits an event; warning-level events about an instance also run its master's notification script. */
  emit(level: EventLevel, type: string, inst: Instance | null, extra?: string, withPrefix = true): void {
    const parts: string[] = [];
    if (inst && withPrefix) parts.push(this.instancePrefix(inst));
    if (extra !== undefined) parts.push(extra);
    const payload = parts.join(' ').slice(0, 1024);
    this.actions.push({ kind: 'event', event: { level, type, payload } });
    if (level !== 'warning' || !inst) return;
    const master = inst.kind === 'master' ? inst : inst.master;
    if (master.notificationScript) {
      this.actions.push({ kind: 'script', argv: [master.notificationScript, type, payload] });
    }
  }

  /** What a flush writes (§11.3). */
  snapshot(): SentinelConfig {
    const masters: MasterConfig[] = [];
    for (const m of this.masters.values()) {
      const cur = this.currentMasterAddress(m);
      masters.push({
        name: m.name,
        host: this.announceAddr(cur),
        port: cur.port,
        quorum: m.quorum,
        downAfterMs: m.downAfterMs,
        failoverTimeoutMs: m.failoverTimeoutMs,
        parallelSyncs: m.parallelSyncs,
        notificationScript: m.notificationScript,
        clientReconfigScript: m.clientReconfigScript,
        authPass: m.authPass,
        authUser: m.authUser,
        masterRebootDownAfterPeriodMs: m.masterRebootDownAfterPeriodMs,
        renameCommands: [...m.renamedCommands.entries()],
        configEpoch: m.configEpoch,
        leaderEpoch: m.leaderEpoch,
        knownReplicas: [...m.replicas.values()].map((r) => {
          // The promoted replica is recorded under the old master's address.
          const a = sameAddress(r.addr, cur) ? m.addr : r.addr;
          return { host: this.announceAddr(a), port: a.port };
        }),
        knownSentinels: [...m.sentinels.values()]
          .filter((s) => s.runid !== '')
          .map((s) => ({ host: this.announceAddr(s.addr), port: s.addr.port, runid: s.runid })),
      });
    }
    return {
      myid: this.myid,
      currentEpoch: this.currentEpoch,
      announceIp: this.announceIp,
      announcePort: this.announcePort,
      denyScriptsReconfig: this.denyScriptsReconfig,
      resolveHostnames: this.resolveHostnames,
      announceHostnames: this.announceHostnames,
      sentinelUser: this.sentinelUser,
      sentinelPass: this.sentinelPass,
      masters,
    };
  }

  // ------------------------------------------------ administrative API

  /** SENTINEL IS-MASTER-DOWN-BY-ADDR (§5.4). */
  isMasterDownByAddr(host: string, port: number, reqEpoch: bigint, runid: string): [number, string, bigint] {
    const addr = this.makeAddress(host, port, true);
    let master: MasterInstance | null = null;
    if (addr) {
      for (const m of this.masters.values()) if (sameAddress(m.addr, addr)) master = master ?? m;
    }
    const down = !this.tilt && master !== null && master.sDown ? 1 : 0;
    if (master && runid !== '*') {
      const v = this.voteLeader(master, reqEpoch, runid);
      return [down, v.leader === '' ? '*' : v.leader, v.epoch];
    }
    return [down, '*', 0n];
  }

  /** SENTINEL FAILOVER (§7.9). */
  userFailover(name: string): AdminResult {
    const master = this.masters.get(name);
    if (!master) return fail('ERR No such master with that name');
    if (master.failoverInProgress) return fail('INPROG Failover already in progress');
    const now = this.env.now();
    if (promotionCandidates(master, now, this.tunables).length === 0) {
      return fail('NOGOODSLAVE No suitable replica to promote');
    }
    this.log('warning', `Executing user requested FAILOVER of '${name}'`);
    this.startFailover(master, now);
    master.forceFailover = true;
    return OK;
  }

  /** SENTINEL RESET: count of masters reset. */
  resetByPattern(matches: (name: string) => boolean): number {
    let n = 0;
    for (const m of this.masters.values()) {
      if (!matches(m.name)) continue;
      this.resetMaster(m, true, true);
      n++;
    }
    return n;
  }

  /** SENTINEL MONITOR after argument parsing (§10.3); the caller saves the config. */
  monitor(name: string, host: string, port: number, quorum: number): AdminResult {
    if (quorum <= 0) return fail('ERR Quorum must be 1 or greater.');
    if (!isIpLiteral(host) && (!this.resolveHostnames || this.env.resolve(host) === null)) {
      return fail('ERR Invalid IP address or hostname specified');
    }
    const addr = this.makeAddress(host, port, false);
    if (!addr) return fail('ERR Invalid port number.');
    if (this.masters.has(name)) return fail('ERR Duplicate master name.');
    this.createMaster(name, addr, quorum);
    return OK;
  }

  /** SENTINEL REMOVE; the caller saves the config. */
  remove(name: string): AdminResult {
    const m = this.masters.get(name);
    if (!m) return fail('ERR No such master with that name');
    this.emit('warning', '-monitor', m);
    this.masters.delete(name);
    this.releaseInstance(m);
    return OK;
  }

  /** Applies down-after-milliseconds to the master and every record below it. */
  setDownAfter(master: MasterInstance, ms: number): void {
    master.downAfterMs = ms;
    for (const r of master.replicas.values()) r.downAfterMs = ms;
    for (const s of master.sentinels.values()) s.downAfterMs = ms;
  }

  /** Drops master and replica links so they reconnect with new credentials. */
  dropInstanceLinks(master: MasterInstance): void {
    for (const inst of [master, ...master.replicas.values()]) {
      this.closeConnection(inst.link, 'cmd');
      this.closeConnection(inst.link, 'pubsub');
    }
  }

  dropSentinelLinks(): void {
    for (const m of this.masters.values()) {
      for (const s of m.sentinels.values()) this.closeConnection(s.link, 'cmd');
    }
  }

  /** SENTINEL CKQUORUM (§5.5). */
  ckquorum(master: MasterInstance): { ok: boolean; text: string } {
    let usable = 1;
    for (const s of master.sentinels.values()) if (!s.sDown) usable++;
    const voters = master.sentinels.size + 1;
    const problems: string[] = [];
    if (usable < master.quorum) {
      problems.push('Not enough available Sentinels to reach the specified quorum for this master');
    }
    if (usable < Math.floor(voters / 2) + 1) {
      problems.push('Not enough available Sentinels to reach the majority and authorize a failover');
    }
    if (problems.length === 0) {
      return {
        ok: true,
        text: `OK ${usable} usable Sentinels. Quorum and failover authorization can be reached`,
      };
    }
    return { ok: false, text: `NOQUORUM ${usable} usable Sentinels. ${problems.join('. ')}` };
  }

  /** INFO sentinel body (§10.5). */
  infoSentinelLines(scripts: { running: number; queued: number }): string[] {
    const now = this.env.now();
    const simFlags =
      (this.simFailure.crashAfterElection ? 1 : 0) | (this.simFailure.crashAfterPromotion ? 2 : 0);
    const lines = [
      `sentinel_masters:${this.masters.size}`,
      `sentinel_tilt:${this.tilt ? 1 : 0}`,
      `sentinel_tilt_since_seconds:${this.tilt ? Math.floor((now - this.tiltStartTime) / 1000) : -1}`,
      `sentinel_running_scripts:${scripts.running}`,
      `sentinel_scripts_queue_length:${scripts.queued}`,
      `sentinel_simulate_failure_flags:${simFlags}`,
    ];
    let i = 0;
    for (const m of this.masters.values()) {
      const status = m.oDown ? 'odown' : m.sDown ? 'sdown' : 'ok';
      lines.push(
        `master${i++}:name=${m.name},status=${status},address=${this.announceAddr(m.addr)}:${m.addr.port},` +
          `slaves=${m.replicas.size},sentinels=${m.sentinels.size + 1}`,
      );
    }
    return lines;
  }
}

/** ctime(3) without the newline, e.g. `Mon Nov 23 21:28:04 2026`. */
function ctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  return (
    `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`
  );
}

function randomHex(len: number, random: () => number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}
