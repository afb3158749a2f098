/**
 * notification-script and client-reconfig-script runs: a bounded queue, a cap on concurrent
 * children, retries with exponential back-off and a hard runtime limit, as redis-sentinel does.
 * All decisions happen in check(), called once per tick; child exits are only recorded between.
 */
import { spawn, type ChildProcess } from 'child_process';
import { constants } from 'os';
import { type EventName, type EventShapes, type SentinelEvent, renderEvent } from '../core/events';
import type { PendingScriptView, ScriptQueueView } from '../server/context';

export const SCRIPT_MAX_QUEUE = 256;
export const SCRIPT_MAX_RUNNING = 16;
/** Total attempts of a script that keeps exiting with 1 or being killed. */
export const SCRIPT_MAX_RETRY = 10;
/** The "signal" `-script-error` reports when no child could be created. */
const FORK_FAILURE_SIGNAL = 99;
/** The exit status of a child whose execve() failed. */
const EXEC_FAILURE_EXIT_CODE = 2;
/** spawn() errors meaning "no process could be created" (fork failed), as opposed to exec failures. */
const FORK_ERRORS = new Set(['EAGAIN', 'ENOMEM', 'EMFILE', 'ENFILE']);

export interface ScriptTimings {
  /** SIGKILL a script running longer than this (ms). */
  scriptMaxRuntime: number;
  /** First retry delay (ms); doubled for every further attempt. */
  scriptRetryDelay: number;
}

export interface ScriptRunnerOptions {
  now(): number;
  /** Read at every use: SENTINEL DEBUG can change both at runtime. */
  timings(): ScriptTimings;
  /** Same sink as the core's events: log, publish. */
  emit(event: SentinelEvent): void;
  /** Working directory of the scripts; the process' cwd (the config `dir`) when omitted. */
  cwd?: string;
}

type Outcome =
  | { readonly kind: 'exited'; readonly code: number; readonly signal: number }
  | { readonly kind: 'not-started'; readonly forkFailure: boolean };

interface Job {
  readonly argv: readonly string[];
  running: boolean;
  /** Start of the current attempt, or of the next one while waiting for a retry; 0 = never run. */
  startTime: number;
  retryNum: number;
  pid: number;
  child?: ChildProcess;
  killSent: boolean;
  /** How the current attempt ended, waiting for the next check() to act on it. */
  outcome?: Outcome;
}

export class ScriptRunner implements ScriptQueueView {
  private readonly jobs: Job[] = [];

  constructor(private readonly options: ScriptRunnerOptions) {}

  /** Queue a run; argv[0] is the script path. Drops the oldest waiting job past the queue limit. */
  schedule(argv: readonly string[]): void {
    this.jobs.push({ argv: [...argv], running: false, startTime: 0, retryNum: 0, pid: 0, killSent: false });
    if (this.jobs.length <= SCRIPT_MAX_QUEUE) return;
    const oldestWaiting = this.jobs.findIndex((job) => !job.running);
    if (oldestWaiting >= 0) this.jobs.splice(oldestWaiting, 1);
  }

  /** One tick's worth of work: start due jobs, settle finished ones, kill overdue ones. */
  check(): void {
    this.runPending();
    this.collectTerminated();
    this.killTimedOut();
  }

  pending(): PendingScriptView[] {
    const now = this.options.now();
    return this.jobs.map((job) => ({
      argv: job.argv,
      running: job.running,
      pid: job.pid,
      runTimeOrDelay: job.running
        ? now - job.startTime
        : job.startTime
          ? Math.max(0, job.startTime - now)
          : 0,
      retryNum: job.retryNum,
    }));
  }

  runningCount(): number {
    return this.jobs.filter((job) => job.running).length;
  }

  /** Every job in the queue, running ones included (`sentinel_scripts_queue_length`). */
  queuedCount(): number {
    return this.jobs.length;
  }

  private runPending(): void {
    const now = this.options.now();
    let running = this.runningCount();
    for (const job of this.jobs) {
      if (running >= SCRIPT_MAX_RUNNING) return;
      if (job.running || (job.startTime && job.startTime > now)) continue;
      job.running = true;
      job.startTime = now;
      job.retryNum++;
      job.killSent = false;
      job.outcome = undefined;
      this.start(job);
      if (job.running) running++;
    }
  }

  private start(job: Job): void {
    const [file = '', ...args] = job.argv;
    const cwd = this.options.cwd ?? process.cwd();
    let child: ChildProcess;
    try {
      // No shell, environment inherited, only fds 0-2 (libuv opens every other fd close-on-exec).
      // A path is taken relative to cwd as execve() takes it; a bare name must not go through PATH.
      child = spawn(file.includes('/') ? file : `./${file}`, args, {
        argv0: file,
        cwd,
        env: process.env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (err) {
      this.notStarted(job, err);
      return;
    }
    child.once('error', (err) => {
      if (child.pid === undefined) job.outcome = { kind: 'not-started', forkFailure: isForkFailure(err) };
    });
    child.once('exit', (code, signal) => {
      job.outcome = { kind: 'exited', code: code ?? 0, signal: signal ? constants.signals[signal] : 0 };
    });
    if (child.pid === undefined) return;
    job.child = child;
    job.pid = child.pid;
    this.emit('+script-child', { pid: child.pid });
  }

  /** spawn() threw: a fork failure keeps the job for the next tick, anything else ends it. */
  private notStarted(job: Job, err: unknown): void {
    if (isForkFailure(err)) {
      this.emitForkFailure(job);
    } else {
      job.outcome = { kind: 'not-started', forkFailure: false };
    }
  }

  private emitForkFailure(job: Job): void {
    this.emit('-script-error', { script: job.argv[0] ?? '', signal: FORK_FAILURE_SIGNAL, code: 0 });
    job.running = false;
    job.pid = 0;
    job.outcome = undefined;
  }

  private collectTerminated(): void {
    for (const job of [...this.jobs]) {
      const outcome = job.outcome;
      if (!job.running || !outcome) continue;
      if (outcome.kind === 'not-started') {
        if (outcome.forkFailure) this.emitForkFailure(job);
        else this.finish(job, 0, EXEC_FAILURE_EXIT_CODE);
        continue;
      }
      const { code, signal } = outcome;
      this.emit('-script-child', { pid: job.pid, code, signal });
      if ((signal || code === 1) && job.retryNum !== SCRIPT_MAX_RETRY) {
        job.running = false;
        job.pid = 0;
        job.child = undefined;
        job.outcome = undefined;
        job.startTime = this.options.now() + this.retryDelay(job.retryNum);
      } else {
        this.finish(job, signal, code);
      }
    }
  }

  private finish(job: Job, signal: number, code: number): void {
    if (signal || code !== 0) this.emit('-script-error', { script: job.argv[0] ?? '', signal, code });
    this.jobs.splice(this.jobs.indexOf(job), 1);
  }

  private retryDelay(retryNum: number): number {
    return this.options.timings().scriptRetryDelay * 2 ** Math.max(0, retryNum - 1);
  }

  private killTimedOut(): void {
    const now = this.options.now();
    const limit = this.options.timings().scriptMaxRuntime;
    for (const job of this.jobs) {
      if (!job.running || !job.child || job.killSent || job.outcome) continue;
      if (now - job.startTime <= limit) continue;
      this.emit('-script-timeout', { script: job.argv[0] ?? '', pid: job.pid });
      job.killSent = true;
      job.child.kill('SIGKILL');
    }
  }

  private emit<N extends EventName>(name: N, detail: EventShapes[N]): void {
    // Script events are about no instance, so no prefix is ever asked for.
    this.options.emit(renderEvent(name, detail, () => ''));
  }
}

function isForkFailure(err: unknown): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && FORK_ERRORS.has(err.code);
}
