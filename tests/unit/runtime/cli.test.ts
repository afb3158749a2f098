/**
 * The command line as a user meets it: the CLI compiled and run as its own process.
 */
import { execFile, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  freePort,
  inlineCommand,
  type Instance,
  registry,
  startRedis,
  teardownAfterAll,
  waitFor,
} from '../../helpers/devkit';

teardownAfterAll();

const ROOT = path.resolve(__dirname, '../../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('ts-sentinel command line', () => {
  let build: string;
  let cli: string;
  let work: string;

  beforeAll(() => {
    build = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-build-'));
    try {
      // Emits even when files other people are editing do not type-check yet.
      execFileSync(
        process.execPath,
        [
          require.resolve('typescript/bin/tsc'),
          '-p',
          'tsconfig.build.json',
          '--outDir',
          path.join(build, 'dist'),
        ],
        { cwd: ROOT, stdio: 'ignore' },
      );
    } catch {
      // Type errors elsewhere; cli.js is checked below.
    }
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(build, 'package.json'));
    cli = path.join(build, 'dist', 'cli.js');
    expect(fs.existsSync(cli)).toBe(true);
  });
  afterAll(() => {
    fs.rmSync(build, { recursive: true, force: true });
  });
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-work-'));
  });
  afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') });
  const run = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [cli, ...args],
        { cwd: work, env: env(), timeout: 20000 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
          resolve({ code, stdout, stderr });
        },
      );
    });

  it('prints a redis-server style version line naming ts-sentinel', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const { code, stdout } = await run(flag);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(
          `^Redis server v=7\\.0\\.15 sha=00000000:0 .*\\(ts-sentinel v=${version.replace(/\./g, '\\.')},`,
        ),
      );
    }
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: ts-sentinel /path/to/sentinel.conf');
    expect(stdout).toContain('--test-config');
  });

  it('refuses to run without a config file, in Redis words', async () => {
    for (const args of [[], ['--port', '26380']]) {
      const { code, stdout } = await run(...args);
      expect(code).toBe(1);
      expect(stdout).toMatch(
        /^\d+:X \d\d [A-Z][a-z]{2} \d{4} [\d:.]+ # Sentinel needs config file on disk to save state\. Exiting\.\.\.\n$/,
      );
    }
  });

  it('--test-config lists every error as file:line: message', async () => {
    fs.writeFileSync(
      path.join(work, 'bad.conf'),
      'port 26390\nsentinel monitor m 127.0.0.1 6379 2\nbogus x\nsentinel down-after-milliseconds m abc\n',
    );
    const bad = await run('--test-config', 'bad.conf');
    const file = path.join(fs.realpathSync(work), 'bad.conf');
    expect(bad.code).toBe(1);
    expect(bad.stderr.split('\n').filter(Boolean)).toEqual([
      `${file}:3: Bad directive or wrong number of arguments`,
      `${file}:4: negative or zero time parameter.`,
    ]);

    fs.writeFileSync(path.join(work, 'good.conf'), 'port 26390\nsentinel monitor m 127.0.0.1 6379 2\n');
    expect(await run('--test-config', 'good.conf')).toEqual({ code: 0, stdout: '', stderr: '' });
    // Redis-style options after the file are checked too, and not taken as our own flags.
    const withOptions = await run('--test-config', 'good.conf', '--port', '26391', '--bogus', 'x');
    expect(withOptions.code).toBe(1);
    expect(withOptions.stderr).toContain('Bad directive or wrong number of arguments');
  });

  it('prints the FATAL CONFIG FILE ERROR block for a bad config and exits 1', async () => {
    fs.writeFileSync(path.join(work, 'sentinel.conf'), 'port 26390\nbogus x\n');
    const { code, stderr } = await run('sentinel.conf');
    expect(code).toBe(1);
    expect(stderr).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'bogus x'\nBad directive or wrong number of arguments\n",
    );
  });

  it('runs as the upstream harness starts it and exits promptly on SIGTERM', async () => {
    // Relative config path, relative `dir`, log file relative to that dir; the last `port` wins.
    const port = await freePort();
    fs.mkdirSync(path.join(work, 'sentinel_0'));
    const conf = path.join(work, 'sentinel_0', 'sentinel.conf');
    fs.writeFileSync(
      conf,
      `sentinel monitor mymaster 127.0.0.1 ${await freePort()} 2\nport 1\ndir ./sentinel_0\nlogfile log.txt\nbind 127.0.0.1\nport ${port}\n`,
    );
    const child = spawn(process.execPath, [cli, 'sentinel_0/sentinel.conf'], {
      cwd: work,
      env: env(),
      stdio: 'ignore',
    });
    registry.track(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The harness' server_is_up: an inline PING, retried every 50 ms for up to 5 s.
      const reply = await waitFor(() => inlineCommand(port, 'PING', 100), {
        timeoutMs: 5000,
        intervalMs: 50,
        what: `an inline PING on ${port} to be answered`,
      });
      expect(reply).toBe('+PONG\r\n');
      process.kill(child.pid ?? 0, 'SIGTERM');
      expect(await exited).toBe(0);
      await expect(inlineCommand(port, 'PING', 200)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid ?? 0, 'SIGKILL');
    }
    const log = fs.readFileSync(path.join(work, 'sentinel_0', 'log.txt'), 'utf8');
    const messages = log
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/^\d+:X \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} /, ''));
    expect(messages.slice(0, 4)).toEqual([
      '# oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
      `# Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid=${child.pid}, just started`,
      '# Configuration loaded',
      `* Running mode=sentinel, port=${port}.`,
    ]);
    expect(messages).toContainEqual(expect.stringMatching(/^# Sentinel ID is [0-9a-f]{40}$/));
    expect(messages.slice(-4)).toEqual([
      // Redis logs from its signal handler in this shorter form.
      expect.stringMatching(
        new RegExp(`^${child.pid}:signal-handler \\(\\d+\\) Received SIGTERM scheduling shutdown\\.\\.\\.$`),
      ),
      '# User requested shutdown...',
      '* Sentinel new configuration saved on disk',
      '# Sentinel is now ready to exit, bye bye...',
    ]);
    expect(fs.readFileSync(conf, 'utf8')).toMatch(/^sentinel myid [0-9a-f]{40}$/m);
  });

  it('rejects an unknown --log-format', async () => {
    const { code, stderr } = await run('--log-format', 'xml', 'sentinel.conf');
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid values');
  });

  it('refuses an unknown TS_SENTINEL_COMMAND_TABLE before starting', async () => {
    const { code, stderr } = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'sentinel.conf'],
        { cwd: work, env: { ...env(), TS_SENTINEL_COMMAND_TABLE: '6.2' }, timeout: 20000 },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr }),
      );
    });
    expect(code).toBe(1);
    expect(stderr).toBe("TS_SENTINEL_COMMAND_TABLE must be one of 7.0, 7.4, not '6.2'\n");
  });

  describe('--healthcheck', () => {
    let redis: Instance;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.kill9();
    });

    it('exits 0 when the port answers PONG', async () => {
      expect((await run('--healthcheck', '--port', String(redis.port))).code).toBe(0);
    });

    it('exits 1 when nothing listens', async () => {
      const { code, stderr } = await run('--healthcheck', '--port', String(await freePort()));
      expect(code).toBe(1);
      expect(stderr).toContain('ECONNREFUSED');
    });

    it('exits 1 on an error reply', async () => {
      const locked = await startRedis({ password: 'secret' });
      try {
        const { code, stderr } = await run('--healthcheck', '--port', String(locked.port));
        expect(code).toBe(1);
        expect(stderr).toContain('-NOAUTH');
      } finally {
        await locked.kill9();
      }
    });
  });
});
