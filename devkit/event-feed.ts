/**
 * The events a sentinel publishes, as one subscriber connection sees them: every message kept in
 * arrival order, handed to a callback as it comes, and waited for by channel.
 */
import { items, text } from './resp';
import { RespClient } from './resp-client';

export interface FeedEvent {
  /** When it arrived, by the feed's clock. */
  at: number;
  channel: string;
  payload: string;
}

export interface EventFeedOptions {
  /** Channels to SUBSCRIBE to; without them, PSUBSCRIBE * (every event the sentinel publishes). */
  channels?: readonly string[];
  /** Called for each message as it arrives. */
  onEvent?: (e: FeedEvent) => void;
  /** The clock for `at`: Date.now unless given (the benchmarks pass a monotonic one). */
  clock?: () => number;
}

interface Waiter {
  channel: string;
  resolve: (payload: string) => void;
  reject: (e: Error) => void;
}

/** One subscriber connection to one sentinel, reading until closed. */
export class EventFeed {
  /** Every message so far, oldest first. */
  readonly seen: FeedEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly done: Promise<void>;

  private constructor(
    private readonly client: RespClient,
    private readonly opts: EventFeedOptions,
  ) {
    this.done = this.pump();
  }

  /** Connects to `port` and subscribes, checking every confirmation before it resolves. */
  static async open(port: number, opts: EventFeedOptions = {}): Promise<EventFeed> {
    const client = await RespClient.connect(port);
    try {
      const kind = opts.channels === undefined ? 'psubscribe' : 'subscribe';
      const targets = opts.channels ?? ['*'];
      client.send([kind.toUpperCase(), ...targets]);
      for (const [i, target] of targets.entries()) {
        const ack = items((await client.read()).value).map(text);
        const expected = [kind, target, String(i + 1)];
        if (ack.join(' ') !== expected.join(' '))
          throw new Error(`${kind.toUpperCase()} on ${port} answered ${JSON.stringify(ack)}`);
      }
    } catch (e) {
      client.close();
      throw e;
    }
    return new EventFeed(client, opts);
  }

  /** The payload of the first message on `channel`, seen before or arriving within `timeoutMs`. */
  next(channel: string, timeoutMs: number): Promise<string> {
    const hit = this.seen.find((m) => m.channel === channel);
    if (hit !== undefined) return Promise.resolve(hit.payload);
    const fail = (why: string): Error =>
      new Error(`no ${channel} within ${timeoutMs} ms${why}; seen ${JSON.stringify(this.seen)}`);
    if (this.client.closed) return Promise.reject(fail(' (connection closed)'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(fail(''));
      }, timeoutMs);
      const waiter: Waiter = {
        channel,
        resolve: (payload) => {
          clearTimeout(timer);
          resolve(payload);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(fail(` (${e.message})`));
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Closes the connection and resolves once the reading loop has ended. */
  async close(): Promise<void> {
    this.client.close();
    await this.done;
  }

  private async pump(): Promise<void> {
    const clock = this.opts.clock ?? Date.now;
    while (!this.client.closed) {
      let parts: string[];
      try {
        parts = items((await this.client.read(60000)).value).map(text);
      } catch {
        // A quiet minute; or the connection closed, which ends the loop.
        continue;
      }
      const at = clock();
      const [kind] = parts;
      const [channel, payload] = kind === 'pmessage' ? parts.slice(2) : parts.slice(1);
      if ((kind !== 'message' && kind !== 'pmessage') || channel === undefined || payload === undefined)
        continue;
      const event = { at, channel, payload };
      this.seen.push(event);
      this.opts.onEvent?.(event);
      for (const waiter of this.waiters) {
        if (waiter.channel !== channel) continue;
        this.waiters.delete(waiter);
        waiter.resolve(payload);
      }
    }
    for (const waiter of this.waiters) waiter.reject(new Error('connection closed'));
    this.waiters.clear();
  }
}
