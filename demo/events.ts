/**
 * The demo's view of the failover: every event the sentinels publish (an EventFeed of each), printed
 * as one timeline. Once a sentinel is elected leader, its whole story is shown; of the others only
 * the events that tell the story (down states, epochs, votes, the switch, aborts) unless verbose.
 */
import type { FeedEvent } from '../devkit';
import {
  EVENTS,
  type EventStory,
  LEADER_ELECTED,
  LONGEST_EVENT_NAME,
  MASTER_SWITCHED,
  isEventName,
} from '../src/core/events';
import { padEnd, paint, print, relative, type Style } from './format';

export interface SentinelLabel {
  /** S1, S2, S3 */
  name: string;
  port: number;
  id: string;
  style: Style;
}

/** An event as the demo received it, with the sentinel that published it. */
export interface SentinelEvent extends FeedEvent {
  from: SentinelLabel;
}

/** What an observer (a sentinel that is not the leader) shows without --verbose. */
function isKey(channel: string): boolean {
  return isEventName(channel) && EVENTS[channel].key === true;
}

/** Width of the EVENT column: the longest event name a sentinel publishes. */
const EVENT_WIDTH = LONGEST_EVENT_NAME;

export class Timeline {
  private readonly leaders = new Set<string>();
  private hidden = 0;
  private headerPrinted = false;
  /** When each sentinel's first +switch-master arrived, by sentinel name. */
  readonly switchedAt = new Map<string, number>();

  constructor(
    private readonly sentinels: readonly SentinelLabel[],
    private readonly killedAt: () => number,
    private readonly verbose: boolean,
  ) {}

  /** Events shown so far as key events of observers only; the count of the others. */
  get hiddenCount(): number {
    return this.hidden;
  }

  get leaderNames(): string[] {
    return [...this.leaders];
  }

  add(e: SentinelEvent): void {
    if (e.channel === LEADER_ELECTED) this.leaders.add(e.from.name);
    if (e.channel === MASTER_SWITCHED && !this.switchedAt.has(e.from.name))
      this.switchedAt.set(e.from.name, e.at);
    const shown = this.verbose || this.leaders.has(e.from.name) || isKey(e.channel);
    if (!shown) {
      this.hidden++;
      return;
    }
    this.printHeader();
    print(
      '  ' +
        [
          padEnd(
            paint('dim', Number.isFinite(this.killedAt()) ? relative(e.at, this.killedAt()) : 'setup'),
            9,
          ),
          padEnd(paint(e.from.style, e.from.name), 8),
          padEnd(paint(eventStyle(e.channel), e.channel), EVENT_WIDTH),
          this.withNames(e.payload),
        ].join('  '),
    );
    if (e.channel === LEADER_ELECTED) {
      const others = this.sentinels.filter((s) => s.name !== e.from.name).map((s) => s.name);
      const note = this.verbose
        ? `${e.from.name} is the leader`
        : `${e.from.name} is the leader: all its events follow; ${others.join(', ')} show key events only`;
      print(`  ${' '.repeat(9 + 2 + 8 + 2)}${paint('bold', `-> ${note}`)}`);
    }
  }

  /** The column header, once; again with `again` (after other output came in between). */
  printHeader(again = false): void {
    if (this.headerPrinted && !again) return;
    this.headerPrinted = true;
    print(
      paint(
        'dim',
        '  ' + ['TIME'.padEnd(9), 'SENTINEL'.padEnd(8), 'EVENT'.padEnd(EVENT_WIDTH), 'DETAILS'].join('  '),
      ),
    );
  }

  /** Replaces sentinel run ids by their labels: `S2(9bdeb220)`. */
  private withNames(payload: string): string {
    return payload.replace(/\b[0-9a-f]{40}\b/g, (id) => {
      const s = this.sentinels.find((l) => l.id === id);
      return s === undefined ? id : `${paint(s.style, s.name)}(${id.slice(0, 8)})`;
    });
  }
}

const TONE_STYLE: Record<NonNullable<EventStory['tone']>, Style> = {
  success: 'green',
  milestone: 'bold',
  failure: 'red',
  alarm: 'yellow',
};

function eventStyle(channel: string): Style | undefined {
  const tone = isEventName(channel) ? EVENTS[channel].tone : undefined;
  return tone === undefined ? undefined : TONE_STYLE[tone];
}
