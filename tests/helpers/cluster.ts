/**
 * The devtools process toolkit plus what only jest needs: teardown hooks and redis-cli.
 */
import { execFile } from 'node:child_process';
import { registry } from '../../src/devtools/cluster';

export * from '../../src/devtools/cluster';

/** Kills every process this test file spawned and removes its temp dirs, pass or fail. */
export function teardownAfterAll(): void {
  afterAll(() => registry.teardown());
}

/** Runs `redis-cli -p <port> <args...>` against 127.0.0.1 and resolves with its trimmed stdout. */
export function redisCli(
  port: number,
  args: readonly string[],
  opts: { password?: string } = {},
): Promise<string> {
  const argv = ['-h', '127.0.0.1', '-p', String(port)];
  if (opts.password !== undefined) argv.push('-a', opts.password, '--no-auth-warning');
  return new Promise((resolve, reject) => {
    const child = execFile('redis-cli', [...argv, ...args], { timeout: 5000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message} ${stderr}`));
      else resolve(stdout.trim());
    });
    registry.track(child);
  });
}
