/**
 * Server-wide pub/sub registry: who listens to which channel or pattern. Channel and pattern
 * names are latin1 "binary strings" so any byte sequence is a distinct name, as in Redis.
 */
import { reply, type Reply } from '../protocol/reply';
import { globMatch } from '../util/glob';

export interface Subscriber {
  /** Deliver a pub/sub message (a push in RESP3, an array in RESP2). */
  pushMessage(msg: Reply): void;
}

export class PubSubRegistry<S extends Subscriber> {
  /** Per channel, subscribers in subscription order (Redis appends to a list). */
  private readonly channels = new Map<string, Set<S>>();
  private readonly patterns = new Map<string, Set<S>>();

  /** Number of channels with at least one subscriber (INFO pubsub_channels). */
  get channelCount(): number {
    return this.channels.size;
  }

  get patternCount(): number {
    return this.patterns.size;
  }

  subscribe(s: S, channel: string): void {
    add(this.channels, channel, s);
  }

  unsubscribe(s: S, channel: string): void {
    remove(this.channels, channel, s);
  }

  psubscribe(s: S, pattern: string): void {
    add(this.patterns, pattern, s);
  }

  punsubscribe(s: S, pattern: string): void {
    remove(this.patterns, pattern, s);
  }

  /** Delivers to exact subscribers first, then to matching patterns; returns the receiver count. */
  publish(channel: string, message: Buffer): number {
    let receivers = 0;
    const name = Buffer.from(channel, 'latin1');
    const direct = this.channels.get(channel);
    if (direct !== undefined) {
      const msg = reply.push([reply.bulk('message'), reply.bulk(name), reply.bulk(message)]);
      for (const s of direct) {
        s.pushMessage(msg);
        receivers++;
      }
    }
    for (const [pattern, subs] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      const msg = reply.push([
        reply.bulk('pmessage'),
        reply.bulk(Buffer.from(pattern, 'latin1')),
        reply.bulk(name),
        reply.bulk(message),
      ]);
      for (const s of subs) {
        s.pushMessage(msg);
        receivers++;
      }
    }
    return receivers;
  }
}

function add<S>(map: Map<string, Set<S>>, key: string, s: S): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(s);
}

function remove<S>(map: Map<string, Set<S>>, key: string, s: S): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(s);
  if (set.size === 0) map.delete(key);
}
