/**
 * Connections and pending commands. A link is a command connection plus (for masters and
 * replicas) a pub/sub connection; every command sent carries the purpose its reply serves.
 */
import type { ConnId, LinkChannel } from './actions';
import type { Instance, Link } from './model';
import { type CoreState, type Purpose, masterOf, push } from './state';

export function newLink(state: CoreState, now: number): Link {
  return {
    id: state.ids.link++,
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
    cmdReconnTime: 0,
    pubsubReconnTime: 0,
  };
}

/** Lifts the once-a-ping-period limit, so the next reconnect() opens whatever is missing. */
export function allowReconnectNow(link: Link): void {
  link.cmdReconnTime = 0;
  link.pubsubReconnTime = 0;
}

export function openConnection(state: CoreState, inst: Instance, channel: LinkChannel): ConnId {
  const conn = state.ids.conn++;
  const link = inst.link;
  state.conns.set(conn, { link, channel, owner: inst, localIp: null });
  if (channel === 'cmd') link.cmdConn = conn;
  else link.pubsubConn = conn;
  push(state, { kind: 'connect', conn, link: link.id, channel, ip: inst.addr.ip, port: inst.addr.port });
  return conn;
}

/** Forget a connection and its pending commands; the caller decides whether the edge must close it. */
export function dropConnection(state: CoreState, link: Link, channel: LinkChannel): ConnId | null {
  const conn = channel === 'cmd' ? link.cmdConn : link.pubsubConn;
  if (conn === null) return null;
  const owner = state.conns.get(conn)?.owner;
  state.conns.delete(conn);
  for (const [token, p] of state.pending) if (p.conn === conn) state.pending.delete(token);
  if (channel === 'cmd') {
    link.cmdConn = null;
    link.pendingCommands = 0;
    // An INFO lost with the connection is no longer awaited (the fast poll waits for it).
    if (owner && owner.kind !== 'sentinel') owner.infoPending = false;
  } else {
    link.pubsubConn = null;
  }
  link.disconnected = true;
  return conn;
}

export function closeConnection(state: CoreState, link: Link, channel: LinkChannel): void {
  const conn = dropConnection(state, link, channel);
  if (conn !== null) push(state, { kind: 'close', conn });
}

export function closeLink(state: CoreState, link: Link): void {
  closeConnection(state, link, 'cmd');
  closeConnection(state, link, 'pubsub');
}

/** Applies the master's rename-command table (also to commands sent to its peer sentinels, as Redis). */
function mapCommand(inst: Instance, name: string): string {
  const lower = name.toLowerCase();
  return masterOf(inst).options.renameCommands.find(([from]) => from === lower)?.[1] ?? name;
}

/** Queues a command; false when the connection does not exist. */
export function send(
  state: CoreState,
  inst: Instance,
  channel: LinkChannel,
  command: readonly string[],
  purpose: Purpose,
): boolean {
  const conn = channel === 'cmd' ? inst.link.cmdConn : inst.link.pubsubConn;
  if (conn === null) return false;
  const [name, ...args] = command;
  const token = state.ids.token++;
  const counted = channel === 'cmd';
  state.pending.set(token, { conn, counted, purpose });
  if (counted) inst.link.pendingCommands++;
  push(state, { kind: 'send', conn, token, command: [mapCommand(inst, name ?? ''), ...args] });
  return true;
}

/** The purpose of commands whose replies decide nothing. */
export const NO_DECISION: Purpose = { kind: 'fire-and-forget' };
