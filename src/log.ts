/**
 * Log lines the way redis-sentinel writes them
 * (`<pid>:X <dd Mon yyyy HH:MM:SS.mmm> <c> <message>`), or one JSON object per line.
 * Every line is written synchronously, so nothing is lost when the process exits right after.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import winston from 'winston';
import type { LogLevel } from './config/types';
import type { EventLevel, Note, SentinelEvent } from './core/events';
import type { Rejection } from './core/selection';

export type LogFormat = 'redis' | 'json';

export interface LoggerOptions {
  /** `logfile`: '' logs to stdout; a relative path is taken from the current directory (`dir`). */
  logfile: string;
  level: LogLevel;
  format: LogFormat;
}

export interface SentinelLogger {
  log(level: EventLevel, message: string): void;
  /** `<type> <payload>` at the event's level. */
  event(event: SentinelEvent): void;
  /** A core log line that is not an event, in redis-sentinel's words. */
  note(level: EventLevel, note: Note): void;
  /**
   * A warning about a signal, in the shape Redis' async-signal-safe logger gives it:
   * `<pid>:signal-handler (<unix seconds>) <message>`.
   */
  signal(message: string): void;
  /** `loglevel` can change at runtime. */
  setLevel(level: LogLevel): void;
}

/** Most severe first, as winston wants; Redis' `verbosity` filter is the same order reversed. */
const LEVELS: Record<EventLevel, number> = { warning: 0, notice: 1, verbose: 2, debug: 3 };
const LEVEL_CHAR: Record<EventLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Where winston formats leave the final text (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message');

/** `23 Nov 2026 19:48:14.934` in local time, like Redis' `%d %b %Y %H:%M:%S.` + milliseconds. */
export function redisTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.` +
    String(date.getMilliseconds()).padStart(3, '0')
  );
}

interface LineInfo {
  level: string;
  message: unknown;
  time?: unknown;
  event?: unknown;
  signalHandler?: unknown;
}

function isEventLevel(level: string): level is EventLevel {
  return level in LEVELS;
}

function isEvent(value: unknown): value is SentinelEvent {
  return typeof value === 'object' && value !== null && 'type' in value && 'payload' in value;
}

function render(format: LogFormat, info: LineInfo): string {
  const time = info.time instanceof Date ? info.time : new Date();
  const message = String(info.message);
  if (format === 'json') {
    const event = isEvent(info.event) ? { event: info.event.type, payload: info.event.payload } : {};
    return JSON.stringify({
      time: time.toISOString(),
      level: info.level,
      pid: process.pid,
      message,
      ...event,
    });
  }
  if (info.signalHandler === true) {
    return `${process.pid}:signal-handler (${Math.floor(time.getTime() / 1000)}) ${message}`;
  }
  const c = isEventLevel(info.level) ? LEVEL_CHAR[info.level] : '#';
  return `${process.pid}:X ${redisTimestamp(time)} ${c} ${message}`;
}

/** A sink that writes each line before write() returns, for winston's stream transport. */
function syncStream(write: (line: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });
}

function lineWriter(logfile: string): (line: string) => void {
  if (logfile === '') return (line) => process.stdout.write(line);
  const file = path.resolve(logfile);
  return (line) => {
    try {
      // Opened per line like Redis does, so log rotation needs no signal.
      fs.appendFileSync(file, line);
    } catch {
      // Redis drops a line it cannot write; logging must never stop the sentinel.
    }
  };
}

export function createLogger(options: LoggerOptions): SentinelLogger {
  const logger = winston.createLogger({
    levels: LEVELS,
    level: options.level === 'nothing' ? 'warning' : options.level,
    silent: options.level === 'nothing',
    format: winston.format((info) => {
      info[MESSAGE] = render(options.format, info);
      return info;
    })(),
    transports: [new winston.transports.Stream({ stream: syncStream(lineWriter(options.logfile)) })],
  });
  return {
    log(level, message) {
      logger.log({ level, message, time: new Date() });
    },
    note(level, n) {
      logger.log({ level, message: noteText(n), time: new Date() });
    },
    event(event) {
      logger.log({ level: event.level, message: `${event.type} ${event.payload}`, time: new Date(), event });
    },
    signal(message) {
      logger.log({ level: 'warning', message, time: new Date(), signalHandler: true });
    },
    setLevel(level) {
      logger.silent = level === 'nothing';
      if (level !== 'nothing') logger.level = level;
    },
  };
}

/** Why a replica was not promoted, in words. */
const REJECTION_TEXT: Record<Rejection, string> = {
  sdown: 'it is subjectively down',
  disconnected: 'no link to it',
  'no-recent-ping': 'no PING reply within 5 ping periods',
  'priority-zero': 'replica-priority is 0',
  'stale-info': 'no INFO answer since the failover started',
  'master-link-down-too-long': 'its link to the master was down for too long',
  'full-sync-in-progress': 'a full sync from the master is in progress (master_sync_in_progress:1)',
  loading: 'it is loading its dataset (loading:1)',
  'no-data': 'its replication offset is 0 while another candidate holds data',
};

/** The text redis-sentinel logs for each core note. */
export function noteText(n: Note): string {
  switch (n.name) {
    case 'sentinel-id':
      return `Sentinel ID is ${n.detail.myid}`;
    case 'failover-delay':
      return `Next failover delay: I will not start a failover before ${ctime(new Date(n.detail.notBefore))}`;
    case 'peer-voted':
      return `${n.detail.peer} voted for ${n.detail.leader} ${n.detail.epoch}`;
    case 'user-failover':
      return `Executing user requested FAILOVER of '${n.detail.master}'`;
    case 'resolve-failed':
      return `Failed to resolve hostname '${n.detail.host}'`;
    case 'simulated-crash':
      return 'Sentinel CRASH because of SENTINEL simulate-failure';
    case 'simulate-crash-after-election':
      return 'Failure simulation: this Sentinel will crash after being successfully elected as failover leader';
    case 'simulate-crash-after-promotion':
      return 'Failure simulation: this Sentinel will crash after promoting the selected replica to master';
    case 'hello-refused':
      return `Refused a hello from ${n.detail.from}: ${n.detail.reason}`;
    case 'peer-refused':
      return `Refused sentinel ${n.detail.runid} at ${n.detail.addr}: ${n.detail.reason}`;
    case 'epoch-refused':
      return `Refused epoch ${n.detail.epoch} from ${n.detail.from}: ${n.detail.reason}`;
    case 'reply-refused':
      return `Refused the ${n.detail.command} reply of ${n.detail.from}: ${n.detail.reason}`;
    case 'info-refused':
      return `Refused the INFO of ${n.detail.from}: ${n.detail.reason}`;
    case 'switch-held':
      return `Config epoch ${n.detail.configEpoch} of ${n.detail.master} names ${n.detail.addr}: waiting for it to answer as a master`;
    case 'switch-unconfirmed':
      return `Config epoch ${n.detail.configEpoch} of ${n.detail.master} names ${n.detail.addr}, which never answered as a master; applied, since its sender still announces it`;
    case 'replica-rejected':
      return `Replica ${n.detail.replica} of '${n.detail.master}' not promotable: ${REJECTION_TEXT[n.detail.reason]}`;
  }
}

/** ctime(3) in local time without the newline, e.g. `Mon Nov 23 21:28:04 2026`. */
export function ctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  return (
    `${days[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`
  );
}
