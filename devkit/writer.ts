/**
 * A writer: a separate client process (writer-process.js) that SETs one new key after another
 * on one Redis and reports each outcome, so that a test or a bench can count which acknowledged
 * writes a failover lost. With a `wrapper` it runs inside a network namespace, beside its master.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { LOOPBACK } from './ports';
import { exitOf, killQuietly, registry, type ProcessRegistry } from './processes';
import { waitFor } from './wait';

const SCRIPT = path.join(__dirname, 'writer-process.js');

export interface WriterOptions {
  /** The Redis to write to; 127.0.0.1 when absent. */
  host?: string;
  port: number;
  password?: string;
  /** Keys are `<prefix>:<n>`, n from 1; `w` when absent. */
  prefix?: string;
  /** Pause after each reply before the next write (default 1 ms; 0 for back to back). */
  pauseMs?: number;
  /** argv before `node`, e.g. Lab.wrapper('a'); it must exec, so that the pid is the writer's. */
  wrapper?: readonly string[];
  registry?: ProcessRegistry;
}

/** One write's outcome, timed by the writer's clock (Date.now(), the same clock as ours). */
export interface Write {
  n: number;
  at: number;
  /** The error reply, or why no reply came; absent for an acknowledged write. */
  detail?: string;
}

export class Writer {
  /** Writes answered +OK, in order. */
  readonly acked: Write[] = [];
  /** Writes answered with an error (READONLY, ...). */
  readonly refused: Write[] = [];
  /** Writes sent without a reply: the connection failed or the reply was late. */
  readonly unanswered: Write[] = [];
  private stderr = '';
  private readonly closed: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly prefix: string,
  ) {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.record(line));
    this.closed = new Promise((resolve) => lines.once('close', resolve));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (this.stderr += chunk));
  }

  static start(opts: WriterOptions): Writer {
    const prefix = opts.prefix ?? 'w';
    const argv = [SCRIPT, opts.host ?? LOOPBACK, String(opts.port), prefix, String(opts.pauseMs ?? 1)];
    if (opts.password !== undefined) argv.push(opts.password);
    const [command, ...args] = [...(opts.wrapper ?? []), process.execPath, ...argv];
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    (opts.registry ?? registry).track(child);
    return new Writer(child, prefix);
  }

  /** The key of write `n`. */
  key(n: number): string {
    return `${this.prefix}:${n}`;
  }

  /** Resolves once `count` writes in all have been acknowledged. */
  async waitAcked(count: number, timeoutMs: number): Promise<void> {
    await waitFor(() => this.acked.length >= count || this.child.exitCode !== null, {
      timeoutMs,
      what: `${count} acknowledged writes (${this.acked.length} so far)`,
    });
    if (this.acked.length < count) throw new Error(`the writer exited: ${this.stderr}`);
  }

  /** Kills the writer and resolves once every line it printed has been read. */
  async stop(): Promise<void> {
    killQuietly(this.child.pid, 'SIGKILL');
    await Promise.all([exitOf(this.child), this.closed]);
  }

  private record(line: string): void {
    const [mark, n, at, ...detail] = line.split(' ');
    const write: Write = { n: Number(n), at: Number(at) };
    if (detail.length > 0) write.detail = detail.join(' ');
    if (mark === '+') this.acked.push(write);
    else if (mark === '-') this.refused.push(write);
    else this.unanswered.push(write);
  }
}
