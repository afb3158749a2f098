/**
 * What the core asks the edge to do. Plain data: the runtime turns each action into
 * ioredis calls, DNS lookups, log lines, pub/sub messages, config flushes and script runs.
 */
import type { Note, SentinelEvent } from './events';
import type { ConnId, LinkChannel, LinkId } from './model';

export type { ConnId, LinkChannel, LinkId };

/** A reply from a monitored instance or a peer, as ioredis hands it over (RESP2). */
export type LinkReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: string };

export type Action =
  /**
   * Persist `Sentinel.snapshot()` atomically. At most one per drain, always first: every state
   * change of the drain is on disk before any command or reply it caused leaves.
   */
  | { readonly kind: 'flush-config' }
  /** Open a TCP connection; the runtime reports its end with `onConnectionClosed(conn)`. */
  | {
      readonly kind: 'connect';
      readonly conn: ConnId;
      readonly link: LinkId;
      readonly channel: LinkChannel;
      readonly ip: string;
      readonly port: number;
    }
  /** Close a connection the core no longer wants; no `onConnectionClosed` is expected for it. */
  | { readonly kind: 'close'; readonly conn: ConnId }
  /** Send one command; its reply comes back through `onReply(token, reply)`. */
  | {
      readonly kind: 'send';
      readonly conn: ConnId;
      readonly token: number;
      readonly command: readonly string[];
    }
  /** Look a hostname up; the answer comes back through `onResolved(host, ip)`. */
  | { readonly kind: 'resolve'; readonly host: string }
  | { readonly kind: 'event'; readonly event: SentinelEvent }
  /** A log line that is not an event (e.g. `Next failover delay: ...`), rendered by the edge. */
  | { readonly kind: 'note'; readonly level: 'warning' | 'notice'; readonly note: Note }
  /** Queue a notification-script or client-reconfig-script run. */
  | { readonly kind: 'script'; readonly argv: readonly string[] }
  /** SENTINEL SIMULATE-FAILURE crash points. */
  | { readonly kind: 'exit'; readonly code: number };
