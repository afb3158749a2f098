/**
 * `npm run demo`: a master, two replicas and one sentinel on free loopback ports; kill -9 the
 * master and watch the failover. `--once` exits after the failover (non-zero if it does not
 * complete in time); otherwise it keeps running until Ctrl-C. SENTINEL_BIN picks the sentinel
 * executable (default: this repository's dist/cli.js).
 */
import { spawnSync } from 'node:child_process';
import {
  command,
  Instance,
  items,
  record,
  registry,
  RespClient,
  sentinelBin,
  sleep,
  startRedis,
  startSentinel,
  text,
  waitFor,
} from '../devtools/cluster';

const NAME = 'mymaster';
/** From kill -9 to a write accepted by the new master, with down-after 1000 ms. */
const FAILOVER_DEADLINE_MS = 30000;

const startedAt = Date.now();
let killedAt: number | undefined;
let failoverDone = false;

function log(line: string): void {
  const now = new Date();
  const clock = now.toTimeString().slice(0, 8) + '.' + String(now.getMilliseconds()).padStart(3, '0');
  const since = killedAt === undefined ? '' : ` +${((now.getTime() - killedAt) / 1000).toFixed(3)}s`;
  process.stdout.write(`[${clock}${since}] ${line}\n`);
}

function redisServerMissing(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error !== undefined;
}

/** Prints every event the sentinel publishes; `switched` resolves at +switch-master. */
async function watchEvents(sentinelPort: number): Promise<{ switched: Promise<number> }> {
  const client = await RespClient.connect(sentinelPort);
  await client.call(['PSUBSCRIBE', '*']);
  let onSwitch: (at: number) => void = () => undefined;
  const switched = new Promise<number>((resolve) => (onSwitch = resolve));
  void (async () => {
    while (!client.closed) {
      try {
        const [kind, , channel, payload] = items((await client.read(60000)).value).map(text);
        if (kind !== 'pmessage') continue;
        log(`event ${channel} ${payload}`);
        if (channel === '+switch-master') onSwitch(Date.now());
      } catch {
        // A read timeout on a quiet sentinel is normal; a closed connection ends the loop.
      }
    }
  })();
  // Wrapped: an async function returning a bare promise would wait for it.
  return { switched };
}

async function masterAddress(sentinelPort: number): Promise<number | undefined> {
  const reply = await command(sentinelPort, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME]);
  const port = reply.type === 'array' ? reply.items[1] : undefined;
  return port === undefined ? undefined : Number(text(port));
}

/** Polls the sentinel for the master address and writes there until a write is accepted. */
async function firstWriteAfter(sentinelPort: number, oldPort: number): Promise<{ at: number; port: number }> {
  return waitFor(
    async () => {
      const port = await masterAddress(sentinelPort);
      if (port === undefined || port === oldPort) return undefined;
      const reply = await command(port, ['SET', 'demo:written-after-failover', String(Date.now())], {
        timeoutMs: 1000,
      });
      return reply.type === 'simple' && reply.value === 'OK' ? { at: Date.now(), port } : undefined;
    },
    { timeoutMs: FAILOVER_DEADLINE_MS, intervalMs: 50, what: 'a write accepted by the new master' },
  );
}

async function describeRedis(instance: Instance): Promise<string> {
  if (!instance.alive) return `redis ${instance.port}: down`;
  try {
    const role = items(await command(instance.port, ['ROLE'], { timeoutMs: 1000 }));
    const [kind, host, port, state] = role.map((v) => (v.type === 'array' ? '' : text(v)));
    if (kind === 'slave') return `redis ${instance.port}: replica of ${host}:${port} (${state})`;
    return `redis ${instance.port}: ${kind}`;
  } catch (e) {
    return `redis ${instance.port}: no answer (${e instanceof Error ? e.message : String(e)})`;
  }
}

async function printTopology(title: string, sentinel: Instance, nodes: Instance[]): Promise<void> {
  log(title);
  const master = record(await command(sentinel.port, ['SENTINEL', 'MASTER', NAME]));
  const current = await masterAddress(sentinel.port);
  log(
    `  sentinel ${sentinel.port}: ${NAME} is at 127.0.0.1:${current} (config-epoch ${master['config-epoch']})`,
  );
  const replicas = items(await command(sentinel.port, ['SENTINEL', 'REPLICAS', NAME])).map(record);
  for (const r of replicas) log(`    known replica ${r.ip}:${r.port} flags=${r.flags}`);
  for (const node of nodes) log(`  ${await describeRedis(node)}`);
}

async function main(once: boolean): Promise<number> {
  if (redisServerMissing()) {
    process.stderr.write(
      'redis-server was not found on PATH. Install Redis 7 first:\n' +
        '  Debian/Ubuntu:  sudo apt-get install -y redis-server redis-sentinel redis-tools\n' +
        '  macOS:          brew install redis\n' +
        '(`node scripts/ensure-redis.js` does this for you as root on Debian/Ubuntu.)\n',
    );
    return 1;
  }

  const master = await startRedis();
  const replicas = [
    await startRedis({ replicaOf: master.port }),
    await startRedis({ replicaOf: master.port }),
  ];
  const nodes = [master, ...replicas];
  const sentinel = await startSentinel({
    conf: [
      `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${NAME} 1000`,
      `sentinel failover-timeout ${NAME} 10000`,
    ].join('\n'),
  });
  log(`sentinel: ${sentinelBin().join(' ')} (port ${sentinel.port}, dir ${sentinel.dir})`);
  await waitFor(
    async () => {
      const known = items(await command(sentinel.port, ['SENTINEL', 'REPLICAS', NAME])).map(record);
      return known.filter((r) => r['master-link-status'] === 'ok').length === replicas.length;
    },
    { timeoutMs: 15000, what: 'the sentinel to discover both replicas' },
  );
  await printTopology('Topology before the failure:', sentinel, nodes);

  const { switched } = await watchEvents(sentinel.port);
  killedAt = Date.now();
  log(`kill -9 master ${master.port} (pid ${master.pid})`);
  await master.kill9();

  const deadline = sleep(FAILOVER_DEADLINE_MS).then(() => undefined);
  const [switchedAt, write] = await Promise.all([
    Promise.race([switched, deadline]),
    firstWriteAfter(sentinel.port, master.port).catch((e: Error) => {
      log(e.message);
      return undefined;
    }),
  ]);
  if (switchedAt === undefined || write === undefined) {
    log(`FAILED: the failover did not complete within ${FAILOVER_DEADLINE_MS} ms`);
    return 1;
  }
  log(`+switch-master ${switchedAt - killedAt} ms after kill -9`);
  log(`first write accepted by the new master ${write.port} ${write.at - killedAt} ms after kill -9`);
  await printTopology('Topology after the failover:', sentinel, nodes);
  failoverDone = true;

  if (once) return 0;
  log('Still running; press Ctrl-C to stop.');
  // The children and the event connection keep the process alive until a signal.
  return new Promise<number>(() => undefined);
}

async function shutdown(code: number): Promise<never> {
  await registry.teardown();
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping all processes (ran ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
    void shutdown(failoverDone ? 0 : 130);
  });
}

main(process.argv.includes('--once')).then(
  (code) => shutdown(code),
  (e: unknown) => {
    log(`error: ${e instanceof Error ? e.message : String(e)}`);
    return shutdown(1);
  },
);
