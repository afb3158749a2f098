/**
 * `daemonize yes`. Redis forks: the parent exits 0, the child calls setsid() and points its
 * standard streams at /dev/null. Node cannot fork, so the process starts itself again, detached
 * (a new session) with stdio ignored and a marker in its environment, and exits once the copy runs.
 */
import { spawn } from 'child_process';

/** Set in the environment of the background copy; removed again before anything else runs. */
export const DAEMON_CHILD_ENV = 'TS_SENTINEL_DAEMON_CHILD';

/** Where Redis writes its pid when daemonized without a `pidfile` (CONFIG_DEFAULT_PID_FILE). */
export const DEFAULT_DAEMON_PIDFILE = '/var/run/redis.pid';

/**
 * True in the background copy. Removes the marker, so that scripts, which inherit the
 * environment as redis-sentinel's do, see exactly what the user started the daemon with.
 */
export function takeDaemonChildMarker(): boolean {
  const marked = process.env[DAEMON_CHILD_ENV] === '1';
  delete process.env[DAEMON_CHILD_ENV];
  return marked;
}

/**
 * Starts this program again in the background with the same node options and arguments, from
 * `cwd` (where the user started it, so relative paths mean the same), then exits 0; exits 1 if
 * the copy cannot be started. Never returns.
 */
export function restartInBackground(cwd: string, report: (message: string) => void): Promise<never> {
  return new Promise<never>(() => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      cwd,
      env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
      detached: true,
      stdio: 'ignore',
    });
    child.once('spawn', () => {
      child.unref();
      process.exit(0);
    });
    child.once('error', (err) => {
      report(`Can't daemonize: ${err.message}`);
      process.exit(1);
    });
  });
}
