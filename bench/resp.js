'use strict';
/**
 * RESP throughput of the sentinel port, measured with redis-benchmark: PING (inline and
 * multibulk), SENTINEL get-master-addr-by-name, MASTER and REPLICAS, unpipelined and with 16
 * commands in flight per connection. Every implementation runs at the same time, watching the same master, and is
 * benchmarked in turn.
 */
const { execFileSync, spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');

const { devkit, out } = lib;
const { command, items, startMasterAndReplicas, startSentinel, text, waitFor } = devkit;

const NAME = 'mymaster';

const HELP = `Usage: node bench/resp.js [options]

Requests per second on the sentinel port, measured with redis-benchmark:
  -t ping                                              (PING_INLINE, PING_MBULK)
  PING -P 16
  SENTINEL get-master-addr-by-name mymaster, SENTINEL MASTER mymaster and
  SENTINEL REPLICAS mymaster, each -P 1 and -P 16
All sentinels watch one redis-server master with one replica; each is benchmarked in turn.

  --requests N   requests per redis-benchmark run (-n, default 100000)
  --clients N    parallel connections (-c, default 50)
  --rounds N     repeat the whole series N times and report the best round (default 1)
  --floor        also benchmark the PING tests on a plain Node net server answering +PONG
                 without parsing (bench/floors/pong-server.js): what Node itself reaches
  --pin          redis-benchmark on the first CPU, every server it measures on the last
                 (taskset): the two never compete for one core, so figures vary less
${lib.IMPL_HELP}
`;

const OPTIONS = {
  requests: { type: 'string', default: '100000' },
  clients: { type: 'string', default: '50' },
  rounds: { type: 'string', default: '1' },
  floor: { type: 'boolean', default: false },
  pin: { type: 'boolean', default: false },
};

const FLOOR = { label: 'floor: net', script: path.join(__dirname, 'floors', 'pong-server.js') };
const INTEGERS = ['requests', 'clients', 'rounds'];

/** The benchmark runs, as redis-benchmark arguments after -h/-p/-q/-n/-c. */
const CASES = [
  { name: 'ping', args: ['-t', 'ping'] },
  { name: 'ping -P 16', args: ['-P', '16', 'PING'] },
  ...[1, 16].flatMap((p) => [
    { name: `get-master-addr -P ${p}`, args: ['-P', String(p), 'SENTINEL', 'get-master-addr-by-name', NAME] },
    { name: `SENTINEL MASTER -P ${p}`, args: ['-P', String(p), 'SENTINEL', 'MASTER', NAME] },
    { name: `SENTINEL REPLICAS -P ${p}`, args: ['-P', String(p), 'SENTINEL', 'REPLICAS', NAME] },
  ]),
];

/** The CPUs of --pin: redis-benchmark's, and the one of every server it measures. */
function pinning() {
  const cpus = os.availableParallelism();
  if (cpus < 2) throw new Error('--pin needs two CPUs');
  return { client: 0, server: cpus - 1 };
}

/** Moves every thread of a running server to `cpu`. */
function pinProcess(pid, cpu) {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/**
 * Runs redis-benchmark under the registry (so Ctrl-C kills it), on `cpu` when given, and
 * parses its -q lines.
 */
function redisBenchmark(args, reg, cpu) {
  return new Promise((resolve, reject) => {
    const [file, argv] =
      cpu === undefined
        ? ['redis-benchmark', args]
        : ['taskset', ['-c', String(cpu), 'redis-benchmark', ...args]];
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    reg.track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      // -q redraws progress with \r; the final figure is the last piece of each line.
      const rates = {};
      for (const piece of stdout.split(/[\r\n]+/)) {
        const m = /^(.+?): ([\d.]+) requests per second/.exec(piece.trim());
        if (m) rates[m[1]] = Number(m[2]);
      }
      if (code !== 0 || Object.keys(rates).length === 0) {
        reject(new Error(`redis-benchmark ${args.join(' ')} exited ${code ?? signal}: ${stderr || stdout}`));
      } else {
        resolve(rates);
      }
    });
  });
}

/** Starts the floor server on a free port; resolves with the port once it listens. */
async function startFloor(reg) {
  const port = await devkit.freePort();
  const child = spawn(process.execPath, [FLOOR.script, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  reg.track(child);
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the floor server exited ${code}`)));
  });
  return { port, pid: child.pid };
}

async function checkAnswer(port, masterPort) {
  const reply = await command(port, ['SENTINEL', 'get-master-addr-by-name', NAME]);
  const addr = items(reply).map(text);
  if (addr[0] !== '127.0.0.1' || addr[1] !== String(masterPort)) {
    throw new Error(`sentinel ${port} answers ${JSON.stringify(addr)} for ${NAME}`);
  }
}

async function main(argv) {
  const v = lib.parseCli(argv, OPTIONS, INTEGERS);
  const impls = lib.implementations(v);
  const cmd = lib.commandLine('resp.js', argv);
  out(`$ ${cmd}`);
  const pin = v.pin ? pinning() : undefined;
  const reg = lib.newRegistry();
  try {
    const { master } = await startMasterAndReplicas({ replicas: 1, syncTimeoutMs: 15000, registry: reg });
    const conf = `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 1`;
    const sentinels = [];
    for (const impl of impls) {
      const s = await startSentinel({ conf, bin: impl.argv, registry: reg });
      if (pin) pinProcess(s.pid, pin.server);
      await checkAnswer(s.port, master.port);
      // SENTINEL REPLICAS is measured with the replica known, as in production.
      await waitFor(async () => items(await command(s.port, ['SENTINEL', 'REPLICAS', NAME])).length === 1, {
        timeoutMs: 15000,
        what: `${impl.label} to know the replica`,
      });
      sentinels.push({ impl, port: s.port, cases: CASES });
      out(`  ${impl.label}: ${impl.command} on port ${s.port}`);
    }
    const labels = impls.map((i) => i.label);
    if (v.floor) {
      const { port, pid } = await startFloor(reg);
      if (pin) pinProcess(pid, pin.server);
      sentinels.push({ impl: FLOOR, port, cases: CASES.filter((c) => c.name.startsWith('ping')) });
      labels.push(FLOOR.label);
      out(`  ${FLOOR.label}: ${FLOOR.script} on port ${port}`);
    }

    // rates[label][caseName] = best requests/s over the rounds
    const rates = Object.fromEntries(labels.map((label) => [label, {}]));
    const shown = [];
    for (let round = 1; round <= v.rounds; round++) {
      for (const { impl, port, cases } of sentinels) {
        const base = (n) => [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-q',
          '-n',
          String(n),
          '-c',
          String(v.clients),
        ];
        // A short unreported run first: JIT warm-up for Node, the same treatment for both.
        await redisBenchmark([...base(Math.ceil(v.requests / 5)), '-t', 'ping'], reg, pin?.client);
        for (const c of cases) {
          const args = [...base(v.requests), ...c.args];
          const got = await redisBenchmark(args, reg, pin?.client);
          for (const [test, rps] of Object.entries(got)) {
            const key = c.name === 'ping' ? test : c.name;
            rates[impl.label][key] = Math.max(rates[impl.label][key] ?? 0, rps);
            if (round === 1) shown.push(`redis-benchmark ${args.join(' ')}`);
            out(`  round ${round} ${impl.label} ${key}: ${rps.toFixed(0)} requests/s`);
          }
        }
      }
    }

    const keys = [...new Set(Object.values(rates).flatMap((r) => Object.keys(r)))];
    out();
    out(
      `RESP throughput of the sentinel port, requests/s (redis-benchmark -n ${v.requests} -c ${v.clients}` +
        `${v.rounds > 1 ? `, best of ${v.rounds} rounds` : ''}; ` +
        (pin
          ? `redis-benchmark on CPU ${pin.client}, the servers on CPU ${pin.server})`
          : "client and sentinel share this machine's CPUs)"),
    );
    out(`$ ${cmd}`);
    for (const line of [...new Set(shown)]) out(`  ${line}`);
    const header = ['test', ...labels];
    // Ratios to the last implementation (redis-sentinel): ours, and the floor's.
    const ratioOf = impls.length === 2 ? labels.filter((l) => l !== impls[1].label) : [];
    for (const label of ratioOf) header.push(`${label} / ${impls[1].label}`);
    const rows = keys.map((k) => {
      const row = [k, ...labels.map((label) => rates[label][k]?.toFixed(0) ?? '-')];
      for (const label of ratioOf) {
        const [a, b] = [rates[label][k], rates[impls[1].label][k]];
        row.push(a && b ? (a / b).toFixed(2) : '-');
      }
      return row;
    });
    out(lib.table(header, rows));
    return { command: cmd, rates, keys };
  } finally {
    await lib.teardown(reg);
  }
}

module.exports = { main, HELP };

if (require.main === module) lib.runMain(main, HELP);
