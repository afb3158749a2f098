/** redis-cli as a user runs it, for checks that a real client reads our replies the same way. */
import { execFile } from 'node:child_process';
import { LOOPBACK } from './ports';
import { registry } from './processes';

/**
 * Runs `redis-cli -h 127.0.0.1 -p <port> [-a <password>] <args...>` and resolves with its stdout
 * exactly as printed (trailing newline included); rejects on a non-zero exit or after 5 s.
 */
export function redisCli(
  port: number,
  args: readonly string[],
  opts: { password?: string } = {},
): Promise<string> {
  const argv = ['-h', LOOPBACK, '-p', String(port)];
  if (opts.password !== undefined) argv.push('-a', opts.password, '--no-auth-warning');
  return new Promise((resolve, reject) => {
    const child = execFile('redis-cli', [...argv, ...args], { timeout: 5000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message} ${stderr}`));
      else resolve(stdout);
    });
    registry.track(child);
  });
}
