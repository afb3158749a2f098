/**
 * The event catalogue: every event a sentinel publishes, its level and the shape of its
 * payload (§9). The log, pub/sub, notification scripts, the demo and the tests take names from
 * here; nothing else spells an event name. Payload texts are built here and only here.
 */
import type { LogLevel } from '../config/types';
import type { Instance, MasterInstance, PeerSentinel, ReplicaInstance } from './model';
import type { Rejection } from './selection';

export type EventLevel = Exclude<LogLevel, 'nothing'>;

/** An address as an event shows it: already in its announced form. */
export interface ShownAddress {
  readonly host: string;
  readonly port: number;
}

type Replicated = MasterInstance | ReplicaInstance;

/** What each event is about; `inst` (when present) gives the `%@` prefix and the notification script. */
export interface EventShapes {
  '+monitor': { inst: MasterInstance; quorum: number };
  '-monitor': { inst: MasterInstance };
  /** `setting`: the option as typed and its values (a password shown as `******`). */
  '+set': { inst: MasterInstance; setting: string };
  '+reset-master': { inst: MasterInstance };
  '+sdown': { inst: Instance };
  '-sdown': { inst: Instance };
  '+odown': { inst: MasterInstance; votes: number; quorum: number };
  '-odown': { inst: MasterInstance };
  '+tilt': Record<string, never>;
  '-tilt': Record<string, never>;
  '+new-epoch': { inst: MasterInstance; epoch: bigint };
  '+vote-for-leader': { inst: MasterInstance; leader: string; epoch: bigint };
  '+try-failover': { inst: MasterInstance };
  '+elected-leader': { inst: MasterInstance };
  '+failover-state-select-slave': { inst: MasterInstance };
  '+selected-slave': { inst: ReplicaInstance };
  '+failover-state-send-slaveof-noone': { inst: ReplicaInstance };
  '+failover-state-wait-promotion': { inst: ReplicaInstance };
  '+promoted-slave': { inst: ReplicaInstance };
  '+failover-state-reconf-slaves': { inst: MasterInstance };
  '+slave-reconf-sent': { inst: ReplicaInstance };
  '+slave-reconf-sent-be': { inst: ReplicaInstance };
  '-slave-reconf-sent-timeout': { inst: ReplicaInstance };
  '+slave-reconf-inprog': { inst: ReplicaInstance };
  '+slave-reconf-done': { inst: ReplicaInstance };
  '+failover-end-for-timeout': { inst: MasterInstance };
  '+failover-end': { inst: MasterInstance };
  '-failover-abort-not-elected': { inst: MasterInstance };
  '-failover-abort-no-good-slave': { inst: MasterInstance };
  '-failover-abort-slave-timeout': { inst: MasterInstance };
  '+switch-master': { inst: MasterInstance; from: ShownAddress; to: ShownAddress };
  '+config-update-from': { inst: PeerSentinel };
  '+reboot': { inst: Replicated };
  '+slave': { inst: ReplicaInstance };
  '+convert-to-slave': { inst: ReplicaInstance };
  '+fix-slave-config': { inst: ReplicaInstance };
  '+role-change': { inst: Replicated; role: 'master' | 'slave' };
  '-role-change': { inst: Replicated; role: 'master' | 'slave' };
  '+sentinel': { inst: PeerSentinel };
  '+sentinel-address-switch': { inst: MasterInstance; ip: string; port: number; runid: string };
  '+sentinel-invalid-addr': { inst: PeerSentinel };
  '+sentinel-address-update': { inst: PeerSentinel; count: number };
  '-cmd-link-reconnection': { inst: Instance; reason: string };
  '-pubsub-link-reconnection': { inst: Instance; reason: string };
  '+script-child': { pid: number };
  '-script-child': { pid: number; code: number; signal: number };
  '-script-error': { script: string; signal: number; code: number };
  '-script-timeout': { script: string; pid: number };
  // Beyond redis-sentinel 7.0 (issue 9): the coordinated handover, and the old master demoted
  // by the leader itself.
  '+failover-state-handover': { inst: ReplicaInstance; timeoutMs: number };
  '-failover-abort-master-unreachable': { inst: MasterInstance };
  '-failover-abort-master-back': { inst: MasterInstance };
  '-failover-abort-master-too-old': { inst: MasterInstance; version: string };
  '-failover-abort-handover-refused': { inst: MasterInstance; error: string };
  '-failover-abort-handover-failed': { inst: MasterInstance };
  '-failover-abort-handover-timeout': { inst: MasterInstance; state: string };
  '+failover-fallback-plain': { inst: MasterInstance };
  '+demote-old-master': { inst: MasterInstance; to: ShownAddress };
  '+fence-minority': { inst: MasterInstance; seen: number; known: number };
  '-fence-minority': { inst: MasterInstance };
}

export type EventName = keyof EventShapes;

/** How an event reads in a failover's story: shown to observers, and in which tone. */
export interface EventStory {
  /** One of the few events that tell an observer what happened. */
  readonly key?: true;
  readonly tone?: 'success' | 'milestone' | 'failure' | 'alarm';
}

interface EventSpec<N extends EventName> extends EventStory {
  readonly level: EventLevel;
  /** Whether the payload starts with the `%@` instance prefix. */
  readonly prefixed: boolean;
  /** The payload after the prefix; none when the prefix says it all. */
  readonly text?: (d: EventShapes[N]) => string;
}

const about = (level: EventLevel) => ({ level, prefixed: true }) as const;

export const EVENTS: { readonly [N in EventName]: EventSpec<N> } = {
  '+monitor': { ...about('warning'), text: (d) => `quorum ${d.quorum}` },
  '-monitor': about('warning'),
  '+set': { ...about('warning'), text: (d) => d.setting },
  '+reset-master': about('warning'),
  '+sdown': { ...about('warning'), key: true, tone: 'alarm' },
  '-sdown': { ...about('warning'), key: true },
  '+odown': { ...about('warning'), key: true, tone: 'alarm', text: (d) => `#quorum ${d.votes}/${d.quorum}` },
  '-odown': { ...about('warning'), key: true },
  '+tilt': { level: 'warning', prefixed: false, key: true, tone: 'alarm', text: () => '#tilt mode entered' },
  '-tilt': { level: 'warning', prefixed: false, key: true, text: () => '#tilt mode exited' },
  '+new-epoch': { level: 'warning', prefixed: false, key: true, text: (d) => String(d.epoch) },
  '+vote-for-leader': { level: 'warning', prefixed: false, key: true, text: (d) => `${d.leader} ${d.epoch}` },
  '+try-failover': { ...about('warning'), key: true },
  '+elected-leader': { ...about('warning'), key: true, tone: 'milestone' },
  '+failover-state-select-slave': about('warning'),
  '+selected-slave': about('warning'),
  '+failover-state-send-slaveof-noone': about('notice'),
  '+failover-state-wait-promotion': about('notice'),
  '+promoted-slave': { ...about('warning'), tone: 'milestone' },
  '+failover-state-reconf-slaves': about('warning'),
  '+slave-reconf-sent': about('notice'),
  '+slave-reconf-sent-be': about('notice'),
  '-slave-reconf-sent-timeout': about('notice'),
  '+slave-reconf-inprog': about('notice'),
  '+slave-reconf-done': about('notice'),
  '+failover-end-for-timeout': { ...about('warning'), key: true, tone: 'failure' },
  '+failover-end': { ...about('warning'), tone: 'success' },
  '-failover-abort-not-elected': { ...about('warning'), key: true, tone: 'failure' },
  '-failover-abort-no-good-slave': { ...about('warning'), key: true, tone: 'failure' },
  '-failover-abort-slave-timeout': { ...about('warning'), key: true, tone: 'failure' },
  '+switch-master': {
    level: 'warning',
    prefixed: false,
    key: true,
    tone: 'success',
    text: (d) => `${d.inst.name} ${d.from.host} ${d.from.port} ${d.to.host} ${d.to.port}`,
  },
  '+config-update-from': { ...about('warning'), key: true },
  '+reboot': about('notice'),
  '+slave': about('notice'),
  '+convert-to-slave': about('notice'),
  '+fix-slave-config': about('notice'),
  '+role-change': { ...about('verbose'), text: (d) => `new reported role is ${d.role}` },
  '-role-change': { ...about('verbose'), text: (d) => `new reported role is ${d.role}` },
  '+sentinel': about('notice'),
  '+sentinel-address-switch': {
    ...about('notice'),
    text: (d) => `ip ${d.ip} port ${d.port} for ${d.runid}`,
  },
  '+sentinel-invalid-addr': about('notice'),
  '+sentinel-address-update': { ...about('notice'), text: (d) => `${d.count} additional matching instances` },
  '-cmd-link-reconnection': { level: 'debug', prefixed: true, text: (d) => `#${d.reason}` },
  '-pubsub-link-reconnection': { level: 'debug', prefixed: true, text: (d) => `#${d.reason}` },
  '+script-child': { level: 'debug', prefixed: false, text: (d) => String(d.pid) },
  '-script-child': { level: 'debug', prefixed: false, text: (d) => `${d.pid} ${d.code} ${d.signal}` },
  '-script-error': { level: 'warning', prefixed: false, text: (d) => `${d.script} ${d.signal} ${d.code}` },
  '-script-timeout': { level: 'warning', prefixed: false, text: (d) => `${d.script} ${d.pid}` },
  '+failover-state-handover': { ...about('warning'), text: (d) => `timeout ${d.timeoutMs}` },
  '-failover-abort-master-unreachable': { ...about('warning'), key: true, tone: 'failure' },
  '-failover-abort-master-back': { ...about('warning'), key: true, tone: 'failure' },
  '-failover-abort-master-too-old': {
    ...about('warning'),
    key: true,
    tone: 'failure',
    text: (d) => `#redis_version ${d.version}, FAILOVER needs 6.2`,
  },
  '-failover-abort-handover-refused': {
    ...about('warning'),
    key: true,
    tone: 'failure',
    text: (d) => `#${d.error}`,
  },
  '-failover-abort-handover-failed': { ...about('warning'), key: true, tone: 'failure' },
  '-failover-abort-handover-timeout': {
    ...about('warning'),
    key: true,
    tone: 'failure',
    text: (d) => `#master_failover_state ${d.state}`,
  },
  '+failover-fallback-plain': { ...about('warning'), key: true },
  '+demote-old-master': { ...about('warning'), text: (d) => `${d.to.host} ${d.to.port}` },
  '+fence-minority': {
    ...about('warning'),
    key: true,
    text: (d) => `#sentinels seen ${d.seen} of ${d.known}, writes paused`,
  },
  '-fence-minority': { ...about('warning'), key: true },
};

/** Every event name, in catalogue order. */
export const EVENT_NAMES = Object.keys(EVENTS) as readonly EventName[];

/** The steps a leader's failover publishes, in order, from the first sign to the switch. */
export const FAILOVER_STEPS: readonly EventName[] = [
  '+sdown',
  '+odown',
  '+try-failover',
  '+elected-leader',
  '+selected-slave',
  '+promoted-slave',
  '+switch-master',
];

/** The event that names a failover's leader, and the one that ends it for clients. */
export const LEADER_ELECTED = '+elected-leader' satisfies EventName;
export const MASTER_SWITCHED = '+switch-master' satisfies EventName;

/** The longest event name (for aligned columns). */
export const LONGEST_EVENT_NAME = Math.max(...EVENT_NAMES.map((n) => n.length));

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(EVENTS, name);
}

/** An event as the edge sees it: also the pub/sub channel (`type`) and message (`payload`). */
export interface SentinelEvent {
  readonly level: EventLevel;
  readonly type: EventName;
  readonly payload: string;
}

/** redis-sentinel truncates event payloads to this many bytes of text. */
const MAX_PAYLOAD = 1024;

/**
 * Renders one event. `prefix` gives the `%@` text of an instance (it depends on the
 * announce settings, which the caller holds).
 */
export function renderEvent<N extends EventName>(
  name: N,
  detail: EventShapes[N],
  prefix: (inst: Instance) => string,
): SentinelEvent {
  const spec: EventSpec<N> = EVENTS[name];
  const parts: string[] = [];
  const inst = eventInstance(detail);
  if (spec.prefixed && inst) parts.push(prefix(inst));
  if (spec.text) parts.push(spec.text(detail));
  return { level: spec.level, type: name, payload: parts.join(' ').slice(0, MAX_PAYLOAD) };
}

/** The instance an event is about, if any. */
export function eventInstance(detail: object): Instance | null {
  return 'inst' in detail ? (detail.inst as Instance) : null;
}

/**
 * Log lines that are not events, by name, with what each needs. Times stay numbers here: the
 * edge formats them in local time.
 */
export interface NoteShapes {
  'sentinel-id': { myid: string };
  'failover-delay': { notBefore: number };
  'peer-voted': { peer: string; leader: string; epoch: bigint };
  'user-failover': { master: string };
  'resolve-failed': { host: string };
  'simulated-crash': Record<string, never>;
  'simulate-crash-after-election': Record<string, never>;
  'simulate-crash-after-promotion': Record<string, never>;
  /** Hostile or broken input, refused (see src/core/refusals.ts). `from` names where it came from. */
  'hello-refused': { from: string; reason: string };
  'peer-refused': { runid: string; addr: string; reason: string };
  'epoch-refused': { epoch: bigint; from: string; reason: string };
  'reply-refused': { from: string; command: string; reason: string };
  'info-refused': { from: string; reason: string };
  /** A config update naming a new master, held until that address answers INFO as a master. */
  'switch-held': { master: string; addr: string; configEpoch: bigint };
  /** A held switch applied after the hold because its sender still announces it. */
  'switch-unconfirmed': { master: string; addr: string; configEpoch: bigint };
  /** One per replica after -failover-abort-no-good-slave. */
  'replica-rejected': { master: string; replica: string; reason: Rejection };
}

export type NoteName = keyof NoteShapes;

export type Note = { [N in NoteName]: { readonly name: N; readonly detail: NoteShapes[N] } }[NoteName];
