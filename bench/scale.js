'use strict';
/**
 * Idle cost of monitoring many masters: one sentinel watches M master names spread over K
 * redis-servers (several names on one server are allowed, since the names differ; it saves
 * processes). Once every name is connected and a warm-up has passed, CPU time (utime+stime
 * from /proc/<pid>/stat, all threads) and RSS (/proc/<pid>/status) are sampled every second
 * over the window; then, for a further window, two probes time the sentinel's replies (PING,
 * and GET-MASTER-ADDR-BY-NAME walking over the names). The implementations run one after the
 * other, so neither sees the other as a peer.
 *
 * Note: each name has its own hello subscription on its server, so every hello reaches all the
 * subscriptions there: (M/K)^2 messages per server per 2 s, more than M separate masters would
 * cause.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const lib = require('./lib');
const { replyWatch } = require('./reply-watch');
const waves = require('./wave');

const { devkit, now, out } = lib;
const { command, items, record, sleep, startRedis, startSentinel, waitFor } = devkit;

const HELP = `Usage: node bench/scale.js [options]

CPU time and RSS of one sentinel monitoring M master names (spread over K redis-servers),
sampled from /proc after every name is connected and a warm-up has passed, then how long its
replies take (PING and GET-MASTER-ADDR-BY-NAME, each sent every 10 ms) over a further window.

  --masters M    master names to monitor (default 50)
  --servers K    redis-servers the names are spread over, name i on server i mod K (default 1)
  --seconds S    measuring window (default 30)
  --warmup S     wait after every name is connected, before measuring (default 5)
  --probe S      reply-time window after the CPU window (default 10; 0: none)
  --wave N       then a failover wave: N masters, each a redis-server with one replica,
                 ${waves.SENTINELS} sentinels quorum ${waves.QUORUM}, every master killed at once (default 40; 0: none)
  --floor        also measure two floors on the same server and window: a Node process
                 sending a sentinel's idle traffic for M names and nothing else, on plain
                 sockets without parsing (net) and through ioredis (bench/floors/idle-links.js)
${lib.IMPL_HELP}
`;

const OPTIONS = {
  masters: { type: 'string', default: '50' },
  servers: { type: 'string', default: '1' },
  probe: { type: 'string', default: '10' },
  seconds: { type: 'string', default: '30' },
  warmup: { type: 'string', default: '5' },
  wave: { type: 'string', default: '40' },
  floor: { type: 'boolean', default: false },
};

const FLOOR_SCRIPT = path.join(__dirname, 'floors', 'idle-links.js');
const FLOOR_MODES = ['net', 'ioredis'];
const INTEGERS = ['masters', 'servers', 'seconds'];
/** The reply probes of the window after the CPU window: label -> the i-th command. */
const PROBES = {
  PING: () => () => ['PING'],
  'GET-MASTER-ADDR-BY-NAME': (masters) => (i) => ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', `m${i % masters}`],
};

function clockTicksPerSecond() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** utime+stime of the whole process, in ms. */
function cpuMs(pid, ticksPerSecond) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields are counted from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / ticksPerSecond;
}

/** VmRSS and VmHWM (peak RSS since start), in MiB. */
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

async function allConnected(port, count) {
  const masters = items(await command(port, ['SENTINEL', 'MASTERS'])).map(record);
  return masters.length === count && masters.every((m) => m.flags === 'master');
}

/** CPU and RSS of a running process over the window, after the warm-up. */
async function sample(pid, v, ticksPerSecond, alive) {
  await sleep(v.warmup * 1000);
  const rss = [];
  const cpu0 = cpuMs(pid, ticksPerSecond);
  const t0 = now();
  for (let i = 0; i < v.seconds; i++) {
    await sleep(1000);
    alive();
    rss.push(memory(pid).rss);
  }
  const cpu1 = cpuMs(pid, ticksPerSecond);
  const wallMs = now() - t0;
  const mem = memory(pid);
  return {
    cpuMs: cpu1 - cpu0,
    cpuPercent: ((cpu1 - cpu0) / wallMs) * 100,
    rssEnd: mem.rss,
    rssMax: Math.max(...rss),
    hwm: mem.hwm,
  };
}

/** The floor process of one mode, from its start to "ready" and over the same window. */
async function measureFloor(mode, redisPorts, v, ticksPerSecond) {
  const reg = lib.newRegistry();
  try {
    const startedAt = now();
    const args = [
      FLOOR_SCRIPT,
      '--port',
      redisPorts.join(','),
      '--masters',
      String(v.masters),
      '--mode',
      mode,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    reg.track(child);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`floor ${mode} exited ${code}: ${stderr}`)));
    });
    const connectedMs = now() - startedAt;
    const alive = () => {
      if (child.exitCode !== null) throw new Error(`floor ${mode} exited during the window: ${stderr}`);
    };
    return { connectedMs, ...(await sample(child.pid, v, ticksPerSecond, alive)) };
  } finally {
    await lib.teardown(reg);
  }
}

/** Both probes side by side over `seconds`: label -> { count, median, p99, longest }. */
async function probeReplies(port, masters, seconds) {
  const watches = Object.entries(PROBES).map(([label, argvOf]) => [label, replyWatch(port, argvOf(masters))]);
  await sleep(seconds * 1000);
  const replies = {};
  for (const [label, watch] of watches) replies[label] = await watch.stop();
  return replies;
}

async function measure(impl, redisPorts, v, ticksPerSecond) {
  const reg = lib.newRegistry();
  try {
    const conf = Array.from(
      { length: v.masters },
      (_, i) => `sentinel monitor m${i} 127.0.0.1 ${redisPorts[i % redisPorts.length]} 1`,
    );
    const startedAt = now();
    const s = await startSentinel({ conf: conf.join('\n'), bin: impl.argv, registry: reg });
    await waitFor(() => allConnected(s.port, v.masters), {
      timeoutMs: 60000,
      what: `${impl.label} to connect to all ${v.masters} masters`,
    });
    const connectedMs = now() - startedAt;
    const alive = () => {
      if (!s.alive) throw new Error(`${impl.label} exited during the window:\n${s.logTail()}`);
    };
    const usage = await sample(s.pid, v, ticksPerSecond, alive);
    const replies = v.probe > 0 ? await probeReplies(s.port, v.masters, v.probe) : undefined;
    alive();
    return { connectedMs, ...usage, replies };
  } finally {
    await lib.teardown(reg);
  }
}

async function main(argv) {
  const v = lib.parseCli(argv, OPTIONS, INTEGERS);
  v.warmup = Number(v.warmup);
  if (!(v.warmup >= 0)) throw new Error('--warmup must be a number of seconds >= 0');
  v.probe = Number(v.probe);
  if (!(v.probe >= 0)) throw new Error('--probe must be a number of seconds >= 0');
  v.wave = Number(v.wave);
  if (!Number.isInteger(v.wave) || v.wave < 0) throw new Error('--wave must be an integer >= 0');
  if (v.servers < 1 || v.servers > v.masters) throw new Error('--servers must be between 1 and --masters');
  const impls = lib.implementations(v);
  const cmd = lib.commandLine('scale.js', argv);
  const ticksPerSecond = clockTicksPerSecond();
  out(`$ ${cmd}`);
  const where = v.servers === 1 ? 'one redis-server' : `${v.servers} redis-servers`;
  out(`scale: ${v.masters} master names on ${where}, ${v.warmup} s warm-up, ${v.seconds} s window`);
  const reg = lib.newRegistry();
  const results = {};
  try {
    const redisPorts = [];
    for (let i = 0; i < v.servers; i++) redisPorts.push((await startRedis({ registry: reg })).port);
    const floors = v.floor
      ? FLOOR_MODES.map((mode) => ({ label: `floor: ${mode}`, command: mode, mode }))
      : [];
    for (const impl of [...impls, ...floors]) {
      try {
        const r =
          impl.mode === undefined
            ? await measure(impl, redisPorts, v, ticksPerSecond)
            : await measureFloor(impl.mode, redisPorts, v, ticksPerSecond);
        results[impl.label] = r;
        out(
          `  ${impl.label} (${impl.command}): all connected after ${r.connectedMs.toFixed(0)} ms; ` +
            `cpu ${r.cpuMs.toFixed(0)} ms in ${v.seconds} s, RSS ${r.rssEnd.toFixed(1)} MiB`,
        );
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        results[impl.label] = { error: msg };
        out(`  ${impl.label}: FAILED: ${msg}`);
      }
    }
  } finally {
    await lib.teardown(reg);
  }

  out();
  out(
    `idle cost of monitoring ${v.masters} masters (${where}), over ${v.seconds} s after ${v.warmup} s warm-up`,
  );
  out(`$ ${cmd}`);
  // With --compare, CPU is also given as a multiple of the last implementation's (redis-sentinel).
  const base = impls.length === 2 ? results[impls[1].label] : undefined;
  const rows = Object.entries(results).map(([label, r]) => {
    if (r.error !== undefined) return [label, 'failed'];
    const row = [
      label,
      r.cpuMs.toFixed(0),
      r.cpuPercent.toFixed(2),
      r.rssEnd.toFixed(1),
      r.rssMax.toFixed(1),
      r.hwm.toFixed(1),
      r.connectedMs.toFixed(0),
    ];
    if (base?.cpuMs) row.push((r.cpuMs / base.cpuMs).toFixed(2));
    return row;
  });
  const header = [
    'implementation',
    'cpu ms',
    'cpu % of 1 core',
    'RSS MiB',
    'max RSS',
    'peak RSS (VmHWM)',
    'connect ms',
  ];
  if (base?.cpuMs) header.push(`cpu / ${impls[1].label}`);
  out(lib.table(header, rows));
  if (v.probe > 0) printReplies(results, v, cmd, where);
  const waveResults = v.wave > 0 ? await runWaves(impls, v.wave, cmd) : undefined;
  return { command: cmd, masters: v.masters, seconds: v.seconds, results, waves: waveResults };
}

function printReplies(results, v, cmd, where) {
  out();
  out(
    `reply times while idle with ${v.masters} masters (${where}), ms: one client per probe, ` +
      `a command every 10 ms for ${v.probe} s after the CPU window`,
  );
  out(`$ ${cmd}`);
  const rows = [];
  for (const [label, r] of Object.entries(results)) {
    for (const [probe, t] of Object.entries(r.replies ?? {}))
      rows.push([label, probe, t.count, ...[t.median, t.p99, t.longest].map((x) => x.toFixed(2))]);
  }
  out(lib.table(['implementation', 'probe', 'replies', 'median', 'p99', 'longest'], rows, 2));
}

async function runWaves(impls, n, cmd) {
  const results = {};
  for (const impl of impls) {
    try {
      results[impl.label] = await waves.wave(impl, n);
      const r = results[impl.label];
      out(
        `  wave ${impl.label}: all ${n} switched after ${r.last.toFixed(0)} ms, longest PING ${r.longestPing.toFixed(0)} ms`,
      );
    } catch (e) {
      results[impl.label] = { error: e instanceof Error ? e.message : String(e) };
      out(`  wave ${impl.label}: FAILED: ${results[impl.label].error}`);
    }
  }
  out();
  out(
    `failover wave: ${n} masters (each a redis-server with one replica) killed at once, ${waves.SENTINELS} sentinels ` +
      `quorum ${waves.QUORUM}, down-after ${waves.TIMING.downAfterMs} ms; ms from the kill until all sentinels name the new master`,
  );
  out(`$ ${cmd}`);
  const rows = impls.map(({ label }) => {
    const r = results[label];
    if (r.error !== undefined) return [label, 'failed'];
    return [
      label,
      ...[r.first, r.median, r.last, r.longestPing].map(lib.fmtMs),
      r.rssBefore.toFixed(1),
      r.rssAfter.toFixed(1),
    ];
  });
  const [a, b] = impls.map(({ label }) => results[label]);
  if (impls.length === 2 && a.error === undefined && b.error === undefined) {
    rows.push([
      'ratio',
      ...['first', 'median', 'last', 'longestPing', 'rssBefore', 'rssAfter'].map((k) =>
        (a[k] / b[k]).toFixed(2),
      ),
    ]);
  }
  out(
    lib.table(
      [
        'implementation',
        'first name',
        'median name',
        'all names',
        'longest PING',
        'RSS MiB before',
        'RSS after',
      ],
      rows,
    ),
  );
  return results;
}

module.exports = { main, HELP };

if (require.main === module) lib.runMain(main, HELP);
