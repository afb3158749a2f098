/**
 * The daemon as a process: log file format (Redis lines or JSON), loglevel at runtime through
 * SENTINEL CONFIG (as Redis 7.2 allows), SIGTERM/SIGINT, pidfile, and `daemonize yes`.
 * Where the statement is about redis-sentinel 7.0's behaviour, Debian's redis-sentinel runs the
 * same test.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BOTH,
  command,
  freePort,
  type Instance,
  items,
  OURS,
  pidGone,
  registry,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'm';
const STAMP = String.raw`\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3}`;

/** A port nobody listens on: the monitored "master" is down, nothing else is needed. */
let deadPort: number;
beforeAll(async () => {
  deadPort = await freePort();
});

function readLines(file: string): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}

async function sentinelConfigGet(port: number, pattern: string): Promise<string[]> {
  return items(await command(port, ['SENTINEL', 'CONFIG', 'GET', pattern])).map(text);
}

/** Pids whose command line names `confPath`, or shows redis-sentinel's title for `port`. */
function processesOf(confPath: string, port: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(confPath) || cmdline.includes(`127.0.0.1:${port} [sentinel]`)) found.push(pid);
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ... */
function procStat(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

describe.each(BOTH)('logfile with $label', ({ bin }) => {
  test('is written in Redis line format, and nothing goes to stdout', async () => {
    const s = await startSentinel({
      conf: ['logfile "sentinel-log.txt"', `sentinel monitor ${NAME} 127.0.0.1 ${deadPort} 1`].join('\n'),
      bin,
    });
    const logfile = path.join(s.dir, 'sentinel-log.txt');
    const monitorLine = `# +monitor master ${NAME} 127.0.0.1 ${deadPort} quorum 1`;
    await waitFor(() => readLines(logfile).some((l) => l.endsWith(monitorLine)), {
      timeoutMs: 5000,
      what: '+monitor in the log file',
    });
    const myid = text(await command(s.port, ['SENTINEL', 'MYID']));
    const lines = readLines(logfile);
    const line = new RegExp(`^${s.pid}:X ${STAMP} [.*#-] \\S`);
    expect(lines.filter((l) => !line.test(l))).toEqual([]);
    const tails = lines.map((l) => l.replace(new RegExp(`^${s.pid}:X ${STAMP} `), ''));
    expect(tails).toEqual(
      expect.arrayContaining([
        `* Running mode=sentinel, port=${s.port}.`,
        `# Sentinel ID is ${myid}`,
        monitorLine,
        '* Sentinel new configuration saved on disk',
      ]),
    );
    expect(s.logTail(100)).not.toContain('+monitor');
  });
});

describe('--log-format json', () => {
  test('writes one JSON object per line, events with their type and payload', async () => {
    const s = await startSentinel({
      conf: ['logfile "sentinel-log.json"', `sentinel monitor ${NAME} 127.0.0.1 ${deadPort} 1`].join('\n'),
      args: ['--log-format', 'json'],
      bin: OURS.bin,
    });
    const logfile = path.join(s.dir, 'sentinel-log.json');
    const entries = await waitFor(
      () => {
        const parsed = readLines(logfile).map((l) => JSON.parse(l) as Record<string, unknown>);
        return parsed.some((e) => e.event === '+monitor') ? parsed : undefined;
      },
      { timeoutMs: 5000, what: '+monitor in the JSON log' },
    );
    for (const entry of entries) {
      expect(entry).toMatchObject({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        level: expect.stringMatching(/^(debug|verbose|notice|warning)$/),
        pid: s.pid,
        message: expect.any(String),
      });
    }
    const payload = `master ${NAME} 127.0.0.1 ${deadPort} quorum 1`;
    expect(entries.find((e) => e.event === '+monitor')).toEqual({
      time: expect.any(String),
      level: 'warning',
      pid: s.pid,
      message: `+monitor ${payload}`,
      event: '+monitor',
      payload,
    });
    expect(entries.find((e) => e.message === `Running mode=sentinel, port=${s.port}.`)).toEqual({
      time: expect.any(String),
      level: 'notice',
      pid: s.pid,
      message: `Running mode=sentinel, port=${s.port}.`,
    });
  });
});

describe('loglevel through SENTINEL CONFIG (Redis 7.2 names, values and errors)', () => {
  let s: Instance;
  const lines = () => readLines(s.logPath);
  const savedOnDisk = () =>
    lines().filter((l) => l.endsWith('* Sentinel new configuration saved on disk')).length;

  beforeAll(async () => {
    // The unreachable master makes a debug-level event on every failed reconnection.
    s = await startSentinel({ conf: `sentinel monitor ${NAME} 127.0.0.1 ${deadPort} 1`, bin: OURS.bin });
  });

  test('CONFIG GET shows it, after the six 7.0 parameters', async () => {
    expect(await sentinelConfigGet(s.port, 'loglevel')).toEqual(['loglevel', 'notice']);
    const all = await sentinelConfigGet(s.port, '*');
    expect(all.filter((_, i) => i % 2 === 0)).toEqual([
      'resolve-hostnames',
      'announce-hostnames',
      'announce-ip',
      'announce-port',
      'sentinel-user',
      'sentinel-pass',
      'loglevel',
    ]);
    expect(lines().some((l) => l.includes('-cmd-link-reconnection'))).toBe(false);
  });

  test('debug takes effect at once', async () => {
    expect(await command(s.port, ['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'debug'])).toEqual({
      type: 'simple',
      value: 'OK',
    });
    const debugLine = new RegExp(
      `^${s.pid}:X ${STAMP} \\. -cmd-link-reconnection master ${NAME} 127\\.0\\.0\\.1 ${deadPort} #`,
    );
    await waitFor(() => lines().some((l) => debugLine.test(l)), {
      timeoutMs: 5000,
      what: 'a debug line about the failed reconnection',
    });
  });

  test('warning (any case) drops notice lines but keeps warnings, and is saved in the config', async () => {
    expect(await command(s.port, ['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'WARNING'])).toEqual({
      type: 'simple',
      value: 'OK',
    });
    expect(await sentinelConfigGet(s.port, 'loglevel')).toEqual(['loglevel', 'warning']);
    expect(fs.readFileSync(s.confPath, 'utf8').split('\n')).toContain('loglevel warning');
    const saved = savedOnDisk();
    const before = lines().length;
    expect(await command(s.port, ['SENTINEL', 'SET', NAME, 'quorum', '2'])).toEqual({
      type: 'simple',
      value: 'OK',
    });
    const added = lines().slice(before);
    // SET flushed the config, but its notice line is filtered now; the +set warning is not.
    expect(savedOnDisk()).toBe(saved);
    expect(added.some((l) => l.endsWith(`# +set master ${NAME} 127.0.0.1 ${deadPort} quorum 2`))).toBe(true);
    expect(added.filter((l) => !l.includes(' # '))).toEqual([]);

    expect(await command(s.port, ['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'notice'])).toEqual({
      type: 'simple',
      value: 'OK',
    });
    await command(s.port, ['SENTINEL', 'SET', NAME, 'quorum', '1']);
    expect(savedOnDisk()).toBe(saved + 2);
  });

  test('invalid values are refused with 7.2 error text', async () => {
    for (const value of ['loud', '']) {
      expect(await command(s.port, ['SENTINEL', 'CONFIG', 'SET', 'loglevel', value])).toEqual({
        type: 'error',
        value: `ERR Invalid value '${value}' to SENTINEL CONFIG SET 'loglevel'`,
      });
    }
    expect(await sentinelConfigGet(s.port, 'loglevel')).toEqual(['loglevel', 'notice']);
  });

  test('nothing silences the log, and is saved as warning so that redis-sentinel 7.0 loads the file', async () => {
    expect(await command(s.port, ['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'nothing'])).toEqual({
      type: 'simple',
      value: 'OK',
    });
    expect(await sentinelConfigGet(s.port, 'loglevel')).toEqual(['loglevel', 'nothing']);
    expect(fs.readFileSync(s.confPath, 'utf8').split('\n')).toContain('loglevel warning');
    const before = lines().length;
    await command(s.port, ['SENTINEL', 'SET', NAME, 'quorum', '2']);
    expect(lines().slice(before)).toEqual([]);
    await command(s.port, ['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'notice']);
  });

  test('the level set at runtime survives a restart', async () => {
    await command(s.port, ['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'verbose']);
    await s.restart();
    expect(await sentinelConfigGet(s.port, 'loglevel')).toEqual(['loglevel', 'verbose']);
  });
});

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  test('exits 0 promptly, flushes the config and removes the pidfile', async () => {
    const s = await startSentinel({
      conf: [
        'daemonize no',
        'pidfile "sentinel.pid"',
        `sentinel monitor ${NAME} 127.0.0.1 ${deadPort} 1`,
      ].join('\n'),
      bin: OURS.bin,
    });
    // Foreground: the process we started is the sentinel, and the pidfile says so.
    const pidfile = path.join(s.dir, 'sentinel.pid');
    expect(fs.readFileSync(pidfile, 'utf8')).toBe(`${s.pid}\n`);
    const myid = text(await command(s.port, ['SENTINEL', 'MYID']));
    const idLine = `sentinel myid ${myid}`;
    await waitFor(() => fs.readFileSync(s.confPath, 'utf8').includes(idLine), {
      timeoutMs: 5000,
      what: 'the start-up flush',
    });
    // Take the ID out behind its back: only a flush at shutdown can put it back.
    const stripped = fs
      .readFileSync(s.confPath, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('sentinel myid'));
    fs.writeFileSync(s.confPath, stripped.join('\n'));

    const started = Date.now();
    expect(await s.stop(signal, 5000)).toBe('exited');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.exitStatus).toEqual({ code: 0, signal: null });
    expect(fs.readFileSync(s.confPath, 'utf8')).toContain(idLine);
    expect(fs.existsSync(pidfile)).toBe(false);

    const tail = s
      .logTail(20)
      .split('\n')
      .filter((l) => l !== '');
    const received = tail.findIndex((l) =>
      new RegExp(`^${s.pid}:signal-handler \\(\\d+\\) Received ${signal} scheduling shutdown\\.\\.\\.$`).test(
        l,
      ),
    );
    expect(received).toBeGreaterThanOrEqual(0);
    const after = tail.slice(received + 1).map((l) => l.replace(new RegExp(`^${s.pid}:X ${STAMP} `), ''));
    expect(after).toEqual([
      '# User requested shutdown...',
      '* Sentinel new configuration saved on disk',
      '* Removing the pid file.',
      '# Sentinel is now ready to exit, bye bye...',
    ]);
  });
});

describe.each(BOTH)('daemonize yes with $label', ({ bin }) => {
  test('the parent exits 0; the daemon runs in its own session, writes the pidfile, and goes on SIGTERM', async () => {
    const dir = registry.makeTempDir('daemonize');
    const port = await freePort();
    const confPath = path.join(dir, 'sentinel.conf');
    const pidfile = path.join(dir, 'sentinel.pid');
    const logfile = path.join(dir, 'sentinel-log.txt');
    fs.writeFileSync(
      confPath,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'daemonize yes',
        `pidfile "${pidfile}"`,
        `logfile "${logfile}"`,
        `sentinel monitor ${NAME} 127.0.0.1 ${deadPort} 1`,
        '',
      ].join('\n'),
    );
    const [cmd, ...args] = bin;
    const parent = spawn(cmd as string, [...args, confPath], { cwd: dir, stdio: 'ignore' });
    registry.track(parent);
    const status = await waitFor(
      () =>
        parent.exitCode !== null || parent.signalCode !== null
          ? { code: parent.exitCode, signal: parent.signalCode }
          : undefined,
      { timeoutMs: 10000, intervalMs: 20, what: 'the process we started to exit' },
    );
    // Whatever happens next, the background process is killed at teardown.
    for (const pid of processesOf(confPath, port)) registry.adopt(pid);
    expect(status).toEqual({ code: 0, signal: null });

    const pid = await waitFor(
      () => {
        const content = fs.existsSync(pidfile) ? fs.readFileSync(pidfile, 'utf8') : '';
        return /^\d+\n$/.test(content) ? Number(content) : undefined;
      },
      { timeoutMs: 10000, what: 'the daemon to write its pidfile' },
    );
    registry.adopt(pid);
    expect(pid).not.toBe(parent.pid);
    expect(pidGone(pid)).toBe(false);
    expect(text(await command(port, ['PING']))).toBe('PONG');
    // setsid(): the daemon leads its own session, and its output goes nowhere.
    expect(procStat(pid)[3]).toBe(String(pid));
    expect(fs.readlinkSync(`/proc/${pid}/fd/1`)).toBe('/dev/null');
    await waitFor(
      () =>
        readLines(logfile).some(
          (l) => l.startsWith(`${pid}:X `) && l.includes(`Running mode=sentinel, port=${port}.`),
        ),
      {
        timeoutMs: 5000,
        what: 'the daemon to log with its own pid',
      },
    );

    process.kill(pid, 'SIGTERM');
    await waitFor(() => pidGone(pid), { timeoutMs: 5000, what: 'the daemon to exit on SIGTERM' });
    expect(fs.existsSync(pidfile)).toBe(false);
    expect(readLines(logfile).at(-1)).toMatch(/# Sentinel is now ready to exit, bye bye\.\.\.$/);
  });
});
