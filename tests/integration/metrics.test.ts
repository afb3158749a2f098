/**
 * The Prometheus endpoint (--metrics-port) of three ts-sentinels, quorum 2, watching a real
 * master and replica: the gauges follow the view, a kill -9 of the master moves the failover
 * counters and the phase histogram of the leader, and /readyz turns unready (503) on the last
 * sentinel standing once the quorum is gone. Bad metrics flags are refused before start-up.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  agreement,
  freePort,
  type Instance,
  monitorConf,
  NO_SYNC_DELAY,
  OURS,
  registry,
  REPO_ROOT,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  waitFor,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';
const TIMING = { downAfterMs: 1000, failoverTimeoutMs: 5000 };

interface Watched {
  sentinel: Instance;
  metricsPort: number;
}

async function scrape(port: number, route = '/metrics'): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: res.status, body: await res.text() };
}

/** The sum of every sample of `name` whose labels include all of `labels`. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of body.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const has = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
    if (has) sum += Number(m[3]);
  }
  return sum;
}

async function total(watched: readonly Watched[], name: string, labels?: Record<string, string>) {
  const bodies = await Promise.all(watched.map((w) => scrape(w.metricsPort)));
  return bodies.reduce((acc, b) => acc + sample(b.body, name, labels), 0);
}

/** Metric names the dashboard queries, histogram series folded into their histogram. */
function dashboardMetrics(): string[] {
  const dashboard = fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'grafana', 'ts-sentinel.json'), 'utf8');
  const names = dashboard.match(/\b(?:ts_sentinel|nodejs|process)_[a-z0-9_]+/g) ?? [];
  return [...new Set(names.map((n) => n.replace(/_(bucket|sum|count)$/, '')))];
}

test('failover counters, phase histograms and /readyz move with a real failover', async () => {
  const { master, replicas } = await startMasterAndReplicas({
    replicas: 1,
    args: NO_SYNC_DELAY,
    syncTimeoutMs: 10000,
  });
  const conf = monitorConf(NAME, master.port, 2, TIMING);
  const watched: Watched[] = [];
  for (let i = 0; i < 3; i++) {
    const metricsPort = await freePort();
    const sentinel = await startSentinel({
      conf,
      bin: OURS.bin,
      args: ['--metrics-port', String(metricsPort)],
    });
    await sentinel.ready();
    watched.push({ sentinel, metricsPort });
  }
  const [first] = watched;
  if (first === undefined) throw new Error('no sentinel');

  // Discovery shows in the gauges: one replica and two peers, address of the master, ready.
  await waitFor(
    async () => {
      const { body } = await scrape(first.metricsPort);
      return (
        sample(body, 'ts_sentinel_master_replicas', { master: NAME }) === 1 &&
        sample(body, 'ts_sentinel_master_sentinels', { master: NAME }) === 2 &&
        sample(body, 'ts_sentinel_master_info', { master: NAME, port: String(master.port) }) === 1 &&
        sample(body, 'ts_sentinel_master_state', { master: NAME, state: 'ok' }) === 1
      );
    },
    { timeoutMs: 15000, what: 'the gauges to show one replica, two peers and the master' },
  );
  expect(await scrape(first.metricsPort, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
  expect((await scrape(first.metricsPort, '/readyz')).status).toBe(200);
  expect((await scrape(first.metricsPort, '/nothing-here')).status).toBe(404);
  const post = await fetch(`http://127.0.0.1:${first.metricsPort}/metrics`, { method: 'POST' });
  expect(post.status).toBe(405);
  expect(await total(watched, 'ts_sentinel_failovers_started_total')).toBe(0);
  expect(await total(watched, 'ts_sentinel_failover_phase_duration_seconds_count')).toBe(0);

  await master.kill9();
  const agreed = await agreement(
    watched.map((w) => w.sentinel),
    NAME,
    master.port,
    20000,
  );
  expect(agreed.port).toBe(replicas[0]?.port);

  expect(
    await total(watched, 'ts_sentinel_failovers_started_total', { master: NAME }),
  ).toBeGreaterThanOrEqual(1);
  expect(await total(watched, 'ts_sentinel_failovers_succeeded_total', { master: NAME })).toBe(1);
  expect(await total(watched, 'ts_sentinel_master_switches_total', { master: NAME })).toBe(3);
  for (const phase of ['election', 'select_slave', 'promotion', 'reconf_slaves', 'switch', 'total']) {
    expect(await total(watched, 'ts_sentinel_failover_phase_duration_seconds_count', { phase })).toBe(1);
  }
  // The whole failover took at least one phase's worth of time, and is in the +Inf bucket.
  const totalSeconds = await total(watched, 'ts_sentinel_failover_phase_duration_seconds_sum', {
    phase: 'total',
  });
  expect(totalSeconds).toBeGreaterThan(0);
  expect(
    await total(watched, 'ts_sentinel_failover_phase_duration_seconds_bucket', {
      phase: 'total',
      le: '+Inf',
    }),
  ).toBe(1);
  expect(await total(watched, 'ts_sentinel_events_total', { event: '+odown' })).toBeGreaterThanOrEqual(1);
  // The Grafana dashboard asks only for metrics the endpoint declares.
  const declared = (await scrape(first.metricsPort)).body;
  for (const name of dashboardMetrics()) expect(declared).toContain(`# TYPE ${name} `);

  // Two of the three sentinels gone: the last one cannot reach a quorum of 2.
  const [, second, third] = watched;
  await second?.sentinel.kill9();
  await third?.sentinel.kill9();
  const unready = await waitFor(
    async () => {
      const r = await scrape(first.metricsPort, '/readyz');
      return r.status === 503 ? r : undefined;
    },
    { timeoutMs: 15000, what: '/readyz to answer 503' },
  );
  expect(unready.body).toBe(`${NAME}: 1 usable sentinels, not enough for the quorum and majority\n`);
  expect(sample((await scrape(first.metricsPort)).body, 'ts_sentinel_ready')).toBe(0);
});

test.each([
  [['--metrics-port', '0'], "Invalid metrics port '0': expected 1-65535"],
  [['--metrics-port', 'abc'], "Invalid metrics port 'abc': expected 1-65535"],
  [['--metrics-port', '9100', '--metrics-bind', 'localhost'], "Invalid metrics bind address 'localhost'"],
])('bad metrics flags %j are refused before start-up', (flags, message) => {
  const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
  const run = spawnSync(process.execPath, [cli, '/nonexistent/sentinel.conf', ...flags], {
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(message);
});

test('a metrics port already taken is logged and the sentinel exits 1', async () => {
  const taken = net.createServer();
  const metricsPort = await freePort();
  await new Promise<void>((resolve) => taken.listen(metricsPort, '127.0.0.1', resolve));
  try {
    const dir = registry.makeTempDir('metrics-taken');
    const conf = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(conf, `port ${await freePort()}\nbind 127.0.0.1\n`);
    const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
    const run = spawnSync(process.execPath, [cli, conf, '--metrics-port', String(metricsPort)], {
      encoding: 'utf8',
      timeout: 10000,
    });
    // Exited by itself: no timeout, no metrics-less sentinel left running.
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`Failed listening on metrics port 127.0.0.1:${metricsPort}, aborting.`);
  } finally {
    taken.close();
  }
});

test('TS_SENTINEL_METRICS_PORT is checked like the flag', () => {
  const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
  const run = spawnSync(process.execPath, [cli, '/nonexistent/sentinel.conf'], {
    encoding: 'utf8',
    env: { ...process.env, TS_SENTINEL_METRICS_PORT: '70000' },
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("Invalid metrics port '70000'");
});
