/**
 * The one mutable state the parts of the core share, and its outbox. Every part takes the
 * state as its first argument; nothing else in the core holds state of its own.
 */
import type { Action, ConnId, LinkChannel } from './actions';
import { type EventName, type EventShapes, type Note, eventInstance, renderEvent } from './events';
import type { Address, Instance, Link, MasterInstance, PeerSentinel, ReplicaInstance } from './model';
import type { Tunables } from './tunables';

export interface CoreEnv {
  /** Wall-clock milliseconds (TILT relies on seeing clock jumps). */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
}

export interface CoreOptions {
  /** The port we announce when announce-port is 0. */
  serverPort: number;
  /** Our own requirepass, used towards peers when sentinel-pass is unset (as redis-sentinel does). */
  requirepass?: string;
  /** Hostname -> IP answers the edge already has (resolved before start-up). */
  knownHosts?: ReadonlyMap<string, string>;
  /** Pause writes on a master cut off with a minority of the sentinels (fencing.ts). */
  fenceMinority?: boolean;
}

/** The global `sentinel ...` settings that SENTINEL CONFIG reads and sets. */
export interface GlobalSettings {
  announceIp: string | undefined;
  announcePort: number;
  denyScriptsReconfig: boolean;
  resolveHostnames: boolean;
  announceHostnames: boolean;
  sentinelUser: string | undefined;
  sentinelPass: string | undefined;
}

export interface SimulatedFailures {
  crashAfterElection: boolean;
  crashAfterPromotion: boolean;
}

/** Why a command was sent: its reply is routed by this tag, in one place (the facade). */
export type Purpose =
  /** AUTH, CLIENT SETNAME, SCRIPT KILL and the SLAVEOF transaction: replies carry no decision. */
  | { readonly kind: 'fire-and-forget' }
  | { readonly kind: 'subscribe'; readonly inst: Instance }
  | { readonly kind: 'ping'; readonly inst: Instance }
  | { readonly kind: 'info'; readonly inst: MasterInstance | ReplicaInstance }
  | { readonly kind: 'hello'; readonly inst: Instance }
  | { readonly kind: 'is-master-down'; readonly inst: PeerSentinel }
  /** SENTINEL MYID sent to a sentinel known only from a hello, to check who it is. */
  | { readonly kind: 'verify-peer'; readonly inst: PeerSentinel }
  /** FAILOVER TO of a coordinated failover, sent to the old master. */
  | { readonly kind: 'handover'; readonly inst: MasterInstance };

export interface Conn {
  readonly link: Link;
  readonly channel: LinkChannel;
  /** The record that opened it, for event payloads. */
  readonly owner: Instance;
  localIp: string | null;
}

export interface PendingCommand {
  readonly conn: ConnId;
  /** Counted in the link's pending commands (command channel only). */
  readonly counted: boolean;
  readonly purpose: Purpose;
}

/** A hostname's last answer; `ip` null until one lookup succeeded. */
export interface HostEntry {
  ip: string | null;
  fetchedAt: number;
  inFlight: boolean;
}

export interface CoreState {
  readonly env: CoreEnv;
  readonly options: CoreOptions;
  readonly myid: string;
  currentEpoch: bigint;
  tilt: boolean;
  tiltStartTime: number;
  /** How many times TILT was entered (or restarted) since start: INFO's sentinel_total_tilt. */
  totalTilt: number;
  /** The clock at the previous tick, for TILT. */
  previousTime: number;
  readonly masters: Map<string, MasterInstance>;
  readonly tunables: Tunables;
  readonly simFailure: SimulatedFailures;
  readonly settings: GlobalSettings;
  readonly conns: Map<ConnId, Conn>;
  readonly pending: Map<number, PendingCommand>;
  readonly hosts: Map<string, HostEntry>;
  readonly ids: { link: number; conn: number; token: number };
  readonly outbox: { actions: Action[]; flush: boolean };
  /**
   * The earliest moment a master that is not answering becomes SDOWN, as of the last tick
   * (Infinity: none): the next tick comes no later, so a master is not judged up to a tick late.
   */
  sdownDeadline: number;
  /** The epoch our last automatic failover start created: failovers of a wave share it (failover.ts). */
  waveEpoch: { epoch: bigint; openedAt: number } | null;
  /** When each refusal of hostile input was last logged, by what was refused and why. */
  readonly refusals: Map<string, number>;
  /** When this core started: hellos have had time to arrive once it ran a few hello periods. */
  readonly startTime: number;
}

/** Asks for a config flush; all requests of one drain become one action (the edge writes once per turn). */
export function requestFlush(state: CoreState): void {
  state.outbox.flush = true;
}

export function push(state: CoreState, action: Action): void {
  state.outbox.actions.push(action);
}

export function note(state: CoreState, level: 'warning' | 'notice', n: Note): void {
  push(state, { kind: 'note', level, note: n });
}

const NOTHING: readonly Action[] = [];

/** Takes what the core decided since the last drain, the merged flush first. */
export function drainOutbox(state: CoreState): readonly Action[] {
  // Most calls come from read-only commands and find nothing: no new arrays then.
  if (state.outbox.actions.length === 0 && !state.outbox.flush) return NOTHING;
  const out = state.outbox.actions;
  state.outbox.actions = [];
  if (state.outbox.flush) {
    state.outbox.flush = false;
    out.unshift({ kind: 'flush-config' });
  }
  return out;
}

/** The master an instance belongs to (itself for a master). */
export function masterOf(inst: Instance): MasterInstance {
  return inst.kind === 'master' ? inst : inst.master;
}

/** The host part of an address as we show and announce it. */
export function announceAddr(state: CoreState, addr: Address): string {
  return state.settings.announceHostnames ? addr.host : addr.ip;
}

/** The `%@` prefix of §9.1. */
export function instancePrefix(state: CoreState, inst: Instance): string {
  const head = `${inst.kind} ${inst.name} ${announceAddr(state, inst.addr)} ${inst.addr.port}`;
  if (inst.kind === 'master') return head;
  const m = inst.master;
  return `${head} @ ${m.name} ${announceAddr(state, m.addr)} ${m.addr.port}`;
}

/** Emits an event; warning-level events about an instance also run its master's notification script. */
export function emit<N extends EventName>(state: CoreState, name: N, detail: EventShapes[N]): void {
  const event = renderEvent(name, detail, (inst) => instancePrefix(state, inst));
  push(state, { kind: 'event', event });
  const inst = eventInstance(detail);
  if (event.level !== 'warning' || !inst) return;
  const script = masterOf(inst).options.notificationScript;
  if (script) push(state, { kind: 'script', argv: [script, name, event.payload] });
}
