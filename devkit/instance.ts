/**
 * A redis-server or sentinel process in its own directory: ready when it answers PING, faulted
 * with SIGKILL or SIGSTOP, stopped politely, restarted with the same command line and port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type * as tls from 'node:tls';
import { exitOf, hasExited, killQuietly, type ProcessRegistry } from './processes';
import { freePort } from './ports';
import { RespClient } from './resp-client';
import { errorText, GiveUpError, waitFor, withDeadline } from './wait';

/** What to run: the executable and its arguments. */
export interface LaunchSpec {
  command: string;
  args: string[];
}

export type InstanceKind = 'redis' | 'sentinel';

/**
 * Resolves as `wait` does; when it rejects, the error also carries each instance's log tail, so a
 * failure that happens only under load can be read without replaying it.
 */
export async function withLogTails<T>(
  instances: readonly Instance[],
  wait: Promise<T>,
  lines = 40,
): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    const tails = instances.map((i) => `--- ${i.kind} ${i.port} (last ${lines} lines):\n${i.logTail(lines)}`);
    throw new Error([errorText(e), ...tails].join('\n'));
  }
}

/** A redis-server or sentinel process that can be faulted and restarted with the same arguments. */
export class Instance {
  private child: ChildProcess;

  constructor(
    readonly kind: InstanceKind,
    readonly port: number,
    readonly dir: string,
    /** redis.conf or sentinel.conf inside `dir`. */
    readonly confPath: string,
    /** stdout and stderr of every run, appended. */
    readonly logPath: string,
    /** requirepass of a redis-server, so probes and callers can AUTH. */
    readonly password: string | undefined,
    private readonly launch: LaunchSpec,
    private readonly reg: ProcessRegistry,
    /** Set when `port` is a TLS port: how probes and callers connect to it. */
    readonly tls?: tls.ConnectionOptions,
  ) {
    this.child = this.spawnChild();
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !hasExited(this.child);
  }

  /** How the current run ended: its exit code and signal (both null while it runs). */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } {
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  /** Resolves when it answers PING; rejects at once, with the log tail, if it exits first. */
  async ready(timeoutMs = 15000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.alive)
          throw new GiveUpError(`it exited (${this.exitText()}); log tail:\n${this.logTail()}`);
        return this.kind === 'sentinel'
          ? pingInline(this.port, this.tls)
          : pingAuthed(this.port, this.password, this.tls);
      },
      { timeoutMs, intervalMs: 50, what: `${this.kind} on port ${this.port} to answer PING` },
    );
  }

  /** kill -9, and wait until the OS reaped it so the port is free. */
  async kill9(): Promise<void> {
    await this.signalAndWait('SIGKILL', 5000);
  }

  sigstop(): void {
    killQuietly(this.child.pid, 'SIGSTOP');
  }

  sigcont(): void {
    killQuietly(this.child.pid, 'SIGCONT');
  }

  /**
   * Sends `signal` and waits for the exit; SIGKILL if it is still there after `timeoutMs`.
   * Resolves 'exited' when the signal sufficed, 'killed' when SIGKILL was needed.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10000): Promise<'exited' | 'killed'> {
    if ((await this.signalAndWait(signal, timeoutMs)) === 'exited') return 'exited';
    await this.kill9();
    return 'killed';
  }

  /** Starts it again with the same command line, port and directory (killing it first if alive). */
  async restart(timeoutMs = 15000): Promise<void> {
    if (this.alive) await this.kill9();
    this.child = this.spawnChild();
    await this.ready(timeoutMs);
  }

  /** The last `lines` lines of its output, for failure messages. */
  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Resolves when the current run exits. */
  exited(): Promise<void> {
    return exitOf(this.child);
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<'exited' | 'timeout'> {
    if (!this.alive) return 'exited';
    const exited = this.exited();
    killQuietly(this.child.pid, signal);
    // A stopped process only acts on SIGKILL; let it see the polite signal too.
    if (signal !== 'SIGKILL') killQuietly(this.child.pid, 'SIGCONT');
    const outcome = await withDeadline(exited, timeoutMs);
    return outcome.kind === 'timeout' ? 'timeout' : 'exited';
  }

  private exitText(): string {
    return this.child.signalCode !== null ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
  }

  private spawnChild(): ChildProcess {
    const fd = fs.openSync(this.logPath, 'a');
    try {
      const child = spawn(this.launch.command, this.launch.args, {
        cwd: this.dir,
        stdio: ['ignore', fd, fd],
      });
      // A missing binary surfaces as an exit with code -2; keep the reason in the log.
      child.once('error', (e) => fs.appendFileSync(this.logPath, `spawn error: ${e.message}\n`));
      this.reg.track(child);
      return child;
    } finally {
      fs.closeSync(fd);
    }
  }
}

async function pingAuthed(
  port: number,
  password: string | undefined,
  tlsOptions: tls.ConnectionOptions | undefined,
): Promise<boolean> {
  const client = await RespClient.connect(port, 1000, tlsOptions);
  try {
    if (password !== undefined) await client.call(['AUTH', password], 1000);
    const pong = await client.call(['PING'], 1000);
    return pong.type === 'simple' && pong.value === 'PONG';
  } finally {
    client.close();
  }
}

/** Inline PING, the way a health check with `redis-cli` or `nc` probes a sentinel. */
async function pingInline(port: number, tlsOptions: tls.ConnectionOptions | undefined): Promise<boolean> {
  const client = await RespClient.connect(port, 1000, tlsOptions);
  try {
    client.write('PING\r\n');
    const reply = (await client.read(1000)).value;
    // A sentinel with requirepass answers NOAUTH: it is up all the same.
    return (
      (reply.type === 'simple' && reply.value === 'PONG') ||
      (reply.type === 'error' && reply.value.startsWith('NOAUTH'))
    );
  } finally {
    client.close();
  }
}

/**
 * Starts an instance on `explicitPort`, or on a free port, and waits until it answers PING.
 * Retries on another free port when the one picked was taken in between by someone else.
 */
export async function startWithPortRetry(
  explicitPort: number | undefined,
  start: (port: number) => Instance,
): Promise<Instance> {
  for (let attempt = 1; ; attempt++) {
    const instance = start(explicitPort ?? (await freePort()));
    try {
      await instance.ready();
      return instance;
    } catch (e) {
      const portTaken = /address already in use/i.test(instance.logTail());
      if (explicitPort !== undefined || !portTaken || attempt >= 3) throw e;
      await instance.kill9();
    }
  }
}
