/**
 * The process registry: teardown kills by pid and removes temp dirs, and its watchdog does the
 * same when the owner of the registry dies without tearing down.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProcessRegistry, registry, teardownAfterAll, waitFor } from '../../helpers/devkit';

teardownAfterAll();

test('teardown SIGKILLs tracked children and adopted pids, and removes temp dirs', async () => {
  const reg = new ProcessRegistry();
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  reg.track(child);
  const stray = spawn('sleep', ['60'], { stdio: 'ignore' });
  // Known by pid only, like a sentinel that daemonized; reaped by the global registry's teardown.
  registry.track(stray);
  reg.adopt(stray.pid ?? -1);
  const dir = reg.makeTempDir('registry-test');
  await reg.teardown();
  expect(child.signalCode).toBe('SIGKILL');
  await waitFor(() => stray.signalCode === 'SIGKILL', {
    timeoutMs: 5000,
    what: 'the adopted pid to be killed',
  });
  expect(fs.existsSync(dir)).toBe(false);
});

test('the watchdog kills what it was told about and removes the dirs once its stdin closes', async () => {
  // stdin closes when the registry's owner dies, however it dies; closing it here is the same.
  const watchdog = spawn(process.execPath, [path.resolve(__dirname, '../../../devkit/watchdog.js')], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  registry.track(watchdog);
  const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
  const spared = spawn('sleep', ['60'], { stdio: 'ignore' });
  registry.track(victim);
  registry.track(spared);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-test-'));
  // Written in pieces: lines may arrive split across reads.
  watchdog.stdin?.write(`+${victim.pid}\n+${spared.pid}\nd${dir}`);
  watchdog.stdin?.write(`\n-${spared.pid}\n`);
  watchdog.stdin?.end();
  await waitFor(() => victim.signalCode === 'SIGKILL', { timeoutMs: 5000, what: 'the victim to be killed' });
  await waitFor(() => watchdog.exitCode === 0, { timeoutMs: 5000, what: 'the watchdog to exit' });
  expect(fs.existsSync(dir)).toBe(false);
  expect(spared.exitCode === null && spared.signalCode === null).toBe(true);
});
