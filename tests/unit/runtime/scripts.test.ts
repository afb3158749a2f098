import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { SentinelEvent } from '../../../src/core/events';
import { SCRIPT_MAX_QUEUE, SCRIPT_MAX_RUNNING, ScriptRunner } from '../../../src/runtime/scripts';
import { waitFor } from '../../../devkit';

function readlinkOrNull(file: string): string | null {
  try {
    return fs.readlinkSync(file);
  } catch {
    return null;
  }
}

describe('ScriptRunner', () => {
  let dir: string;
  let clock: number;
  let events: SentinelEvent[];
  let timings: { scriptMaxRuntime: number; scriptRetryDelay: number };
  let runner: ScriptRunner;

  const script = (name: string, body: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };
  const types = () => events.map((e) => `${e.type} ${e.payload}`);
  /** Ticks until the queue is empty or `done` holds, the way the daemon's timer would. */
  const tickUntil = async (done: () => boolean, what: string) => {
    await waitFor(
      () => {
        runner.check();
        return done();
      },
      { timeoutMs: 5000, intervalMs: 10, what },
    );
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scripts-test-'));
    clock = 1_000_000;
    events = [];
    timings = { scriptMaxRuntime: 60000, scriptRetryDelay: 100 };
    runner = new ScriptRunner({
      now: () => clock,
      timings: () => timings,
      emit: (e) => events.push(e),
      cwd: dir,
    });
  });
  afterEach(() => {
    for (const job of runner.pending()) {
      if (job.pid) {
        try {
          process.kill(job.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a script with its argv, in dir, with the inherited environment, and reaps it', async () => {
    process.env.TS_SENTINEL_SCRIPT_TEST = 'inherited';
    const out = path.join(dir, 'out.txt');
    const file = script('notify.sh', `printf '%s|' "$0" "$@" "$(pwd)" "$TS_SENTINEL_SCRIPT_TEST" > ${out}`);
    runner.schedule([file, '+sdown', 'master mymaster 127.0.0.1 6379']);
    expect(runner.queuedCount()).toBe(1);
    runner.check();
    const [job] = runner.pending();
    expect(job?.running).toBe(true);
    expect(job?.retryNum).toBe(1);
    expect(runner.runningCount()).toBe(1);
    await tickUntil(() => runner.queuedCount() === 0, 'the script to be reaped');
    delete process.env.TS_SENTINEL_SCRIPT_TEST;
    expect(fs.readFileSync(out, 'utf8')).toBe(
      `${file}|+sdown|master mymaster 127.0.0.1 6379|${fs.realpathSync(dir)}|inherited|`,
    );
    const pid = job?.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    expect(events).toEqual([
      { level: 'debug', type: '+script-child', payload: `${pid}` },
      { level: 'debug', type: '-script-child', payload: `${pid} 0 0` },
    ]);
  });

  it('runs a relative path from dir rather than from PATH', async () => {
    const out = path.join(dir, 'ran.txt');
    script('notify.sh', `echo "$0" > ${out}`);
    runner.schedule(['notify.sh', '+odown', 'x']);
    await tickUntil(() => runner.queuedCount() === 0, 'the script to finish');
    expect(fs.readFileSync(out, 'utf8')).toBe('./notify.sh\n');
    expect(types()).not.toContainEqual(expect.stringMatching(/^-script-error/));
  });

  it('passes no file descriptor but stdin, stdout and stderr', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    try {
      const file = script('sleeper.sh', 'exec sleep 5');
      runner.schedule([file]);
      runner.check();
      const pid = runner.pending()[0]?.pid ?? 0;
      await waitFor(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), {
        timeoutMs: 5000,
        intervalMs: 10,
        what: 'exec',
      });
      // Like upstream's check_leaked_fds.tcl: beyond stdio, only fds our own parent also has may
      // appear (inherited from outside), never one this process opened, such as the socket above.
      const leaked = fs
        .readdirSync(`/proc/${pid}/fd`)
        .filter((fd) => !['0', '1', '2'].includes(fd))
        .map((fd) => [fd, fs.readlinkSync(`/proc/${pid}/fd/${fd}`)] as const)
        .filter(([fd, link]) => readlinkOrNull(`/proc/${process.ppid}/fd/${fd}`) !== link);
      expect(leaked).toEqual([]);
      expect(fs.readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
    } finally {
      server.close();
    }
  });

  it('drops a script that exits with 2 or more and reports -script-error', async () => {
    const file = script('fail.sh', 'exit 2');
    runner.schedule([file, '+sdown', 'x']);
    await tickUntil(() => runner.queuedCount() === 0, 'the failing script');
    expect(types().filter((t) => !t.includes('script-child'))).toEqual([`-script-error ${file} 0 2`]);
    expect(events.find((e) => e.type === '-script-error')?.level).toBe('warning');
  });

  it('reports a missing script like a failed execve (exit 2)', async () => {
    const missing = path.join(dir, 'missing.sh');
    runner.schedule([missing]);
    await tickUntil(() => runner.queuedCount() === 0, 'the missing script');
    expect(types()).toEqual([`-script-error ${missing} 0 2`]);
  });

  it('retries exit 1 with a doubling delay, ten attempts in all', async () => {
    const file = script('retry.sh', 'exit 1');
    runner.schedule([file]);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      runner.check();
      expect(runner.pending()[0]).toMatchObject({ running: true, retryNum: attempt });
      await tickUntil(() => runner.runningCount() === 0, `attempt ${attempt}`);
      const next = runner.pending()[0];
      if (next) {
        expect(next.retryNum).toBe(attempt);
        delays.push(next.runTimeOrDelay);
        // Not due yet: a check one ms early starts nothing.
        clock += next.runTimeOrDelay - 1;
        runner.check();
        expect(runner.runningCount()).toBe(0);
        clock += 1;
      }
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600]);
    expect(runner.queuedCount()).toBe(0);
    expect(types().filter((t) => t.startsWith('-script-error'))).toEqual([`-script-error ${file} 0 1`]);
  });

  it('kills a script running past script-max-runtime and retries it', async () => {
    timings.scriptMaxRuntime = 1000;
    const file = script('slow.sh', 'exec sleep 30');
    runner.schedule([file]);
    runner.check();
    const pid = runner.pending()[0]?.pid ?? 0;
    clock += 1000;
    runner.check();
    expect(types()).not.toContain(`-script-timeout ${file} ${pid}`);
    clock += 1;
    runner.check();
    expect(types()).toContain(`-script-timeout ${file} ${pid}`);
    await tickUntil(() => runner.runningCount() === 0, 'the killed script');
    expect(types()).toContain(`-script-child ${pid} 0 9`);
    expect(types().filter((t) => t.startsWith('-script-timeout'))).toHaveLength(1);
    expect(runner.pending()[0]).toMatchObject({ running: false, retryNum: 1, pid: 0, runTimeOrDelay: 100 });
  });

  it(`runs at most ${SCRIPT_MAX_RUNNING} scripts at once, oldest first`, () => {
    const file = script('sleeper.sh', 'exec sleep 30');
    for (let i = 0; i < SCRIPT_MAX_RUNNING + 2; i++) runner.schedule([file, String(i)]);
    runner.check();
    const jobs = runner.pending();
    expect(runner.runningCount()).toBe(SCRIPT_MAX_RUNNING);
    expect(jobs.filter((j) => j.running).map((j) => j.argv[1])).toEqual(
      Array.from({ length: SCRIPT_MAX_RUNNING }, (_, i) => String(i)),
    );
    expect(jobs.slice(SCRIPT_MAX_RUNNING)).toEqual([
      { argv: [file, '16'], running: false, pid: 0, runTimeOrDelay: 0, retryNum: 0 },
      { argv: [file, '17'], running: false, pid: 0, runTimeOrDelay: 0, retryNum: 0 },
    ]);
  });

  it(`keeps at most ${SCRIPT_MAX_QUEUE} jobs, dropping the oldest waiting one`, () => {
    for (let i = 0; i < SCRIPT_MAX_QUEUE + 3; i++) runner.schedule(['/bin/true', String(i)]);
    expect(runner.queuedCount()).toBe(SCRIPT_MAX_QUEUE);
    const argv1 = runner.pending().map((j) => j.argv[1]);
    expect(argv1[0]).toBe('3');
    expect(argv1[argv1.length - 1]).toBe(String(SCRIPT_MAX_QUEUE + 2));
  });
});
