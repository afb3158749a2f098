/**
 * A registry that never leaks a child: every process spawned through it, or adopted by pid, is
 * SIGKILLed by pid at teardown, and by a watchdog process if we die before tearing down.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor, withDeadline } from './wait';

/** Set to 1 to keep temp dirs (configs, logs) after teardown for post-mortems. */
const KEEP_TMP = process.env.TS_SENTINEL_KEEP_TMP === '1';

/**
 * Process 'exit' and signal hooks cannot do the watchdog's job: they miss SIGKILL and, inside
 * jest, are registered on a copy of `process` that never fires.
 */
const WATCHDOG = path.join(__dirname, 'watchdog.js');

export class ProcessRegistry {
  private readonly children = new Map<number, ChildProcess>();
  /** Processes we did not spawn (a daemon that went to the background), known by pid only. */
  private readonly adopted = new Set<number>();
  private readonly dirs = new Set<string>();
  private readonly namespaces = new Set<string>();
  private watchdog: ChildProcess | undefined;

  /** Keeps `child` until it exits; teardown, or our own death, SIGKILLs it by pid. */
  track(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.children.set(pid, child);
    this.tell(`+${pid}`);
    child.once('exit', () => {
      this.children.delete(pid);
      this.tell(`-${pid}`);
    });
  }

  /**
   * A process that is not our child, e.g. a sentinel that daemonized itself: SIGKILLed by pid at
   * teardown, or by the watchdog if we die first.
   */
  adopt(pid: number): void {
    this.adopted.add(pid);
    this.tell(`+${pid}`);
  }

  /** A fresh directory under the OS temp dir, removed at teardown. */
  makeTempDir(label: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ts-sentinel-${label}-`));
    this.dirs.add(dir);
    if (!KEEP_TMP) this.tell(`d${dir}`);
    return dir;
  }

  /**
   * A network namespace, by name, deleted at teardown (after the kills) or by the watchdog if we
   * die first. Deleting one that is already gone is harmless.
   */
  ownNetns(name: string): void {
    this.namespaces.add(name);
    this.tell(`n${name}`);
  }

  /** SIGKILLs every live child, waits for each to be reaped, then removes the temp dirs and namespaces. */
  async teardown(): Promise<void> {
    const exits = [...this.children.values()].map((child) => {
      const exited = exitOf(child);
      killQuietly(child.pid, 'SIGKILL');
      return withDeadline(exited, 5000);
    });
    const strays = [...this.adopted].map(async (pid) => {
      killQuietly(pid, 'SIGKILL');
      // Not our child, so no 'exit' event: poll until the kernel has let go of it.
      await waitFor(() => pidGone(pid), {
        timeoutMs: 5000,
        intervalMs: 20,
        what: `pid ${pid} to exit`,
      }).catch(() => undefined);
    });
    await Promise.all([...exits, ...strays]);
    this.adopted.clear();
    for (const dir of this.dirs) {
      if (KEEP_TMP) process.stderr.write(`kept ${dir}\n`);
      else fs.rmSync(dir, { recursive: true, force: true });
    }
    this.dirs.clear();
    for (const name of this.namespaces) deleteNetns(name);
    this.namespaces.clear();
    const watchdog = this.watchdog;
    this.watchdog = undefined;
    if (watchdog !== undefined) {
      const exited = exitOf(watchdog);
      watchdog.stdin?.end();
      await withDeadline(exited, 5000);
    }
  }

  private tell(line: string): void {
    if (this.watchdog === undefined) {
      const watchdog = spawn(process.execPath, [WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'] });
      // Neither the watchdog nor its pipe may keep our event loop alive.
      watchdog.unref();
      if (watchdog.stdin instanceof net.Socket) watchdog.stdin.unref();
      // A watchdog that died must not take us down with EPIPE.
      watchdog.stdin?.on('error', () => undefined);
      this.watchdog = watchdog;
    }
    this.watchdog.stdin?.write(`${line}\n`);
  }
}

/** The registry used when a start function is not given one. */
export const registry = new ProcessRegistry();

/** Sends `signal` to `pid`; a process that is already gone is what we wanted. */
export function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** True when no process `pid` exists any more, or only its zombie awaits a reaper. */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // Field 3 of /proc/<pid>/stat, after the parenthesised command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** `ip netns del <name>`; a namespace that is already gone is what we wanted. */
export function deleteNetns(name: string): void {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

/**
 * The launch of `argv` behind `wrapper` (e.g. `ip netns exec <ns>`), as command and arguments.
 * The wrapper must exec the command, so that the pid we track is the process's own.
 */
export function wrapped(
  argv: readonly string[],
  wrapper: readonly string[] = [],
): { command: string; args: string[] } {
  const [command, ...args] = [...wrapper, ...argv];
  if (command === undefined) throw new Error('empty command');
  return { command, args };
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when `child` has exited (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
