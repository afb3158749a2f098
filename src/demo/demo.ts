/**
 * `npm run demo`: a master, two replicas and three sentinels (quorum 2) on free loopback ports,
 * each in its own temp dir. Once the sentinels have found each other, kill -9 the master and
 * watch the failover as the three sentinels tell it; then measure how long until +switch-master
 * and until the new master takes a write, and show the new topology.
 *
 *   --once            exit after the failover: 0 if it completed, 1 if not within the deadline
 *   --verbose         every event of every sentinel, not only the leader's and the key ones
 *   --deadline <ms>   time allowed from kill -9 to a complete failover (default 30000)
 *
 * Without --once it keeps running (and printing events) until Ctrl-C. Every process is killed and
 * every temp dir removed on the way out, Ctrl-C included. SENTINEL_BIN picks the sentinel
 * executable (default: this repository's dist/cli.js).
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  command,
  Instance,
  items,
  parseInfo,
  record,
  registry,
  sentinelBin,
  startRedis,
  startSentinel,
  text,
  waitFor,
} from '../devtools/cluster';
import { EventFeed, type SentinelLabel, Timeline } from './events';
import { clock, duration, paint, print, printTable, relative, type Style } from './format';

const NAME = 'mymaster';
const QUORUM = 2;
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 10000;
/**
 * Default time from kill -9 to a complete failover (switched, agreed on by all, written to,
 * replicas moved). One failed election costs twice failover-timeout before the next try.
 */
const FAILOVER_DEADLINE_MS = 30000;
const DISCOVERY_TIMEOUT_MS = 30000;
/** Probes during the failover must not hang on a dead or busy peer. */
const PROBE_TIMEOUT_MS = 500;
const SENTINEL_STYLES: Style[] = ['cyan', 'magenta', 'yellow'];

interface Options {
  once: boolean;
  verbose: boolean;
  /** From kill -9 to a complete failover; --once fails beyond it. */
  deadlineMs: number;
}

interface Deployment {
  master: Instance;
  replicas: Instance[];
  sentinels: Instance[];
  labels: SentinelLabel[];
}

/** Set when shutdown starts: from then on, failures of in-flight probes are expected and quiet. */
let stopping = false;
/** Ctrl-C after a completed failover is the normal way to end the demo: exit 0 then. */
let failoverDone = false;
let feeds: EventFeed[] = [];

const USAGE = `usage: npm run demo -- [--once] [--verbose] [--deadline <ms>]
  --once            exit after the failover: 0 if it completed, 1 if not
  --verbose, -v     show every event of every sentinel
  --deadline <ms>   time allowed from kill -9 to a complete failover (default ${FAILOVER_DEADLINE_MS})
`;

function parseArgs(argv: readonly string[]): Options | undefined {
  const opts: Options = { once: false, verbose: false, deadlineMs: FAILOVER_DEADLINE_MS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--once') opts.once = true;
    else if (arg === '--verbose' || arg === '-v') opts.verbose = true;
    else if (arg === '--deadline' || arg.startsWith('--deadline=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      const ms = Number(value);
      if (!Number.isInteger(ms) || ms <= 0) {
        process.stderr.write(
          `--deadline wants a number of milliseconds, got ${value ?? 'nothing'}\n${USAGE}`,
        );
        return undefined;
      }
      opts.deadlineMs = ms;
    } else {
      process.stderr.write(arg === '--help' || arg === '-h' ? USAGE : `unknown argument: ${arg}\n${USAGE}`);
      return undefined;
    }
  }
  return opts;
}

/** Milliseconds left until `deadline`, at least 1 (waitFor wants a positive timeout). */
function left(deadline: number): number {
  return Math.max(deadline - Date.now(), 1);
}

function redisServerMissing(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error !== undefined;
}

function heading(title: string): void {
  print();
  print(paint('bold', title));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// Starting and observing

async function deploy(): Promise<Deployment> {
  const master = await startRedis();
  const replicas = await Promise.all([
    startRedis({ replicaOf: master.port }),
    startRedis({ replicaOf: master.port }),
  ]);
  // Synced first, so the sentinels' first INFO of each replica already says the link is up.
  for (const replica of replicas) {
    await waitFor(
      async () => {
        const info = text(await command(replica.port, ['INFO', 'replication'], { timeoutMs: 1000 }));
        return parseInfo(info).master_link_status === 'up';
      },
      { timeoutMs: 15000, what: `replica ${replica.port} to sync with the master` },
    );
  }
  const conf = [
    `sentinel monitor ${NAME} 127.0.0.1 ${master.port} ${QUORUM}`,
    `sentinel down-after-milliseconds ${NAME} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${NAME} ${FAILOVER_TIMEOUT_MS}`,
  ].join('\n');
  const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel({ conf })));
  const labels = await Promise.all(
    sentinels.map(async (s, i) => ({
      name: `S${i + 1}`,
      port: s.port,
      id: text(await command(s.port, ['SENTINEL', 'MYID'])),
      style: SENTINEL_STYLES[i] ?? 'bold',
    })),
  );
  return { master, replicas, sentinels, labels };
}

/** Why the sentinels do not see the whole deployment yet, or undefined once they do. */
async function discoveryProblem(d: Deployment): Promise<string | undefined> {
  for (const [i, s] of d.sentinels.entries()) {
    const me = d.labels[i]?.name ?? '?';
    const peers = items(await command(s.port, ['SENTINEL', 'SENTINELS', NAME])).map(record);
    for (const other of d.labels.filter((_, j) => j !== i)) {
      const entry = peers.find((p) => p.runid === other.id);
      if (entry === undefined || entry.flags !== 'sentinel') return `${me} has not discovered ${other.name}`;
    }
    const known = items(await command(s.port, ['SENTINEL', 'REPLICAS', NAME])).map(record);
    const linked = known.filter((r) => r.flags === 'slave' && r['master-link-status'] === 'ok');
    if (linked.length !== d.replicas.length) return `${me} knows ${linked.length} linked replicas`;
    const quorum = await command(s.port, ['SENTINEL', 'CKQUORUM', NAME]);
    if (quorum.type === 'error') return `${me}: ${quorum.value}`;
  }
  return undefined;
}

async function masterPortSeenBy(sentinelPort: number): Promise<number | undefined> {
  const reply = await command(sentinelPort, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME], {
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  const port = reply.type === 'array' ? reply.items[1] : undefined;
  return port === undefined ? undefined : Number(text(port));
}

interface RedisView {
  role: string;
  state: string;
}

async function redisView(node: Instance, killed: boolean): Promise<RedisView> {
  if (!node.alive) return { role: killed ? 'killed' : 'down', state: killed ? 'kill -9' : 'exited' };
  try {
    const info = parseInfo(text(await command(node.port, ['INFO', 'replication'], { timeoutMs: 1000 })));
    if (info.role === 'slave') {
      const link = info.master_link_status === 'up' ? 'link up' : `link ${info.master_link_status}`;
      return {
        role: 'replica',
        state: `of 127.0.0.1:${info.master_port}, ${link}, offset ${info.slave_repl_offset}`,
      };
    }
    const n = Number(info.connected_slaves ?? 0);
    return {
      role: 'master',
      state: `${n} replica${n === 1 ? '' : 's'} connected, offset ${info.master_repl_offset}`,
    };
  } catch (e) {
    return { role: '?', state: `no answer: ${errorText(e)}` };
  }
}

async function printTopology(title: string, d: Deployment, killed?: Instance): Promise<void> {
  heading(title);
  const nodes = [d.master, ...d.replicas];
  const views = await Promise.all(nodes.map((n) => redisView(n, n === killed)));
  const roleStyle = (role: string): Style | undefined =>
    role === 'master' ? 'green' : role === 'killed' || role === 'down' ? 'red' : undefined;
  printTable(
    ['REDIS', 'ROLE', 'ADDRESS', 'PID', 'STATE'],
    nodes.map((n, i) => {
      const v = views[i] ?? { role: '?', state: '' };
      return [
        `redis-${i + 1}`,
        paint(roleStyle(v.role), v.role),
        `127.0.0.1:${n.port}`,
        String(n.pid),
        v.state,
      ];
    }),
  );
  print();
  const rows = await Promise.all(
    d.sentinels.map(async (s, i) => {
      const label = d.labels[i];
      if (label === undefined) return [];
      const peers = items(await command(s.port, ['SENTINEL', 'SENTINELS', NAME])).map(record);
      const knows = peers
        .map((p) => d.labels.find((l) => l.id === p.runid))
        .filter((l): l is SentinelLabel => l !== undefined)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((l) => paint(l.style, l.name))
        .join(' ');
      const view = record(await command(s.port, ['SENTINEL', 'MASTER', NAME]));
      const quorum = await command(s.port, ['SENTINEL', 'CKQUORUM', NAME]);
      const ok = quorum.type !== 'error';
      return [
        paint(label.style, label.name),
        `127.0.0.1:${s.port}`,
        String(s.pid),
        label.id,
        knows,
        `${view.ip}:${view.port}`,
        view['config-epoch'] ?? '?',
        paint(ok ? 'green' : 'red', ok ? 'OK' : text(quorum)),
      ];
    }),
  );
  printTable(['SENTINEL', 'ADDRESS', 'PID', 'ID', 'KNOWS', 'MASTER', 'EPOCH', 'CKQUORUM'], rows);
}

// ---------------------------------------------------------------------------------------------
// The failover

interface Write {
  at: number;
  port: number;
}

/** Asks every sentinel where the master is and SETs there, until a new address takes a write. */
function firstWrite(d: Deployment, deadline: number): Promise<Write> {
  return waitFor(
    async () => {
      const seen = await Promise.allSettled(d.sentinels.map((s) => masterPortSeenBy(s.port)));
      const ports = new Set(
        seen.flatMap((r) => (r.status === 'fulfilled' && r.value !== undefined ? [r.value] : [])),
      );
      ports.delete(d.master.port);
      for (const port of ports) {
        const reply = await command(port, ['SET', 'demo:first-write', String(Date.now())], {
          timeoutMs: PROBE_TIMEOUT_MS,
        }).catch(() => undefined);
        if (reply?.type === 'simple' && reply.value === 'OK') return { at: Date.now(), port };
      }
      return undefined;
    },
    {
      timeoutMs: left(deadline),
      intervalMs: 50,
      what: 'a write accepted at the address the sentinels give',
    },
  );
}

/** Waits until all sentinels name the same new master, it is one, and the other replica follows it. */
function settled(d: Deployment, deadline: number): Promise<number> {
  let problem = 'not checked yet';
  return waitFor(
    async () => {
      const ports = await Promise.all(d.sentinels.map((s) => masterPortSeenBy(s.port)));
      const first = ports[0];
      if (first === d.master.port || ports.some((p) => p !== first)) {
        problem = `the sentinels name ${ports.join(', ')}`;
        return undefined;
      }
      const roles = await Promise.all(
        d.replicas.map(async (r) =>
          parseInfo(text(await command(r.port, ['INFO', 'replication'], { timeoutMs: PROBE_TIMEOUT_MS }))),
        ),
      );
      for (const [i, info] of roles.entries()) {
        const port = d.replicas[i]?.port;
        const ok =
          port === first
            ? info.role === 'master'
            : info.role === 'slave' && info.master_port === String(first) && info.master_link_status === 'up';
        if (!ok) {
          problem = `redis ${port} is ${info.role} of ${info.master_port ?? '-'} (link ${info.master_link_status ?? '-'})`;
          return undefined;
        }
      }
      return Date.now();
    },
    {
      timeoutMs: left(deadline),
      intervalMs: 100,
      what: 'all sentinels to agree on the new master, and the other replica to follow it',
    },
  ).catch((e: unknown) => {
    throw new Error(`${errorText(e)}; last seen: ${problem}`);
  });
}

function printSummary(
  d: Deployment,
  timeline: Timeline,
  killedAt: number,
  write: Write,
  settledAt: number,
): void {
  heading('Failover measured from kill -9');
  const rows: string[][] = [];
  const byTime = [...timeline.switchedAt.entries()].sort((a, b) => a[1] - b[1]);
  const [firstName, firstAt] = byTime[0] ?? ['?', killedAt];
  const label = (name: string): string => {
    const l = d.labels.find((x) => x.name === name);
    return l === undefined ? name : paint(l.style, name);
  };
  rows.push([
    '+switch-master announced',
    paint('bold', duration(firstAt - killedAt)),
    `first by ${label(firstName)}${timeline.leaderNames.includes(firstName) ? ' (the leader)' : ''}`,
  ]);
  const lastAt = byTime[byTime.length - 1]?.[1] ?? firstAt;
  rows.push([
    `+switch-master by all ${byTime.length}`,
    duration(lastAt - killedAt),
    byTime.map(([n, at]) => `${label(n)} ${relative(at, killedAt)}`).join(', '),
  ]);
  rows.push([
    'new master writable',
    paint('bold', duration(write.at - killedAt)),
    `first SET accepted by 127.0.0.1:${write.port}, the address GET-MASTER-ADDR-BY-NAME gave`,
  ]);
  rows.push([
    'failover settled',
    duration(settledAt - killedAt),
    'all sentinels agree, the other replica follows',
  ]);
  printTable(['WHAT', 'AFTER', ''], rows);
  print(
    paint(
      'dim',
      `  (down-after-milliseconds is ${DOWN_AFTER_MS} ms: no sentinel may call the master down earlier.)`,
    ),
  );
  if (timeline.hiddenCount > 0) {
    print(
      paint(
        'dim',
        `  (${timeline.hiddenCount} routine events of the observers not shown; --verbose shows all.)`,
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------

async function main(opts: Options): Promise<number> {
  if (redisServerMissing()) {
    process.stderr.write(
      'redis-server was not found on PATH. Install Redis 7 first:\n' +
        '  Debian/Ubuntu:  sudo apt-get install -y redis-server redis-sentinel redis-tools\n' +
        '  macOS:          brew install redis\n' +
        '(`node scripts/ensure-redis.js` does this for you as root on Debian/Ubuntu.)\n',
    );
    return 1;
  }

  print(paint('bold', 'ts-sentinel demo: 1 master, 2 replicas, 3 sentinels on 127.0.0.1'));
  print(
    `  quorum ${QUORUM}, down-after-milliseconds ${DOWN_AFTER_MS}, failover-timeout ${FAILOVER_TIMEOUT_MS}`,
  );
  print(`  sentinel executable: ${sentinelBin().join(' ')}`);
  const d = await deploy();
  const dirs = [d.master, ...d.replicas, ...d.sentinels].map((i) => path.basename(i.dir));
  print(`  work dirs: ${dirs.length} under ${os.tmpdir()} (${dirs[0]}, ...), removed on exit`);

  const discoveryStart = Date.now();
  process.stdout.write('  waiting for the sentinels to discover each other and the replicas ... ');
  let problem: string | undefined = 'not checked yet';
  await waitFor(
    async () => {
      problem = await discoveryProblem(d);
      return problem === undefined;
    },
    { timeoutMs: DISCOVERY_TIMEOUT_MS, intervalMs: 200, what: 'the sentinels to discover each other' },
  ).catch((e: unknown) => {
    print();
    throw new Error(`${errorText(e)}; last seen: ${problem}`);
  });
  print(`done in ${duration(Date.now() - discoveryStart)}`);

  await printTopology('Topology before the failure', d);

  let killedAt = Number.POSITIVE_INFINITY;
  const timeline = new Timeline(d.labels, () => killedAt, opts.verbose);
  feeds = await Promise.all(d.labels.map((l) => EventFeed.open(l, (e) => timeline.add(e))));

  killedAt = Date.now();
  heading(`kill -9 master 127.0.0.1:${d.master.port} (pid ${d.master.pid}) at ${clock(killedAt)}`);
  timeline.printHeader();
  const killed = d.master.kill9();
  const deadline = killedAt + opts.deadlineMs;
  let write: Write;
  let settledAt: number;
  try {
    [write, settledAt] = await Promise.all([firstWrite(d, deadline), settled(d, deadline), killed]);
    // The observers announce the switch once they hear the leader's hello: give them the chance.
    await waitFor(() => timeline.switchedAt.size === d.sentinels.length, {
      timeoutMs: left(deadline),
      what: `+switch-master from every sentinel`,
    });
  } catch (e) {
    if (stopping) throw e;
    print();
    print(paint('red', `FAILED: no failover completed within ${duration(opts.deadlineMs)} of kill -9.`));
    print(`  ${errorText(e)}`);
    print(`  +switch-master seen from: ${[...timeline.switchedAt.keys()].join(', ') || 'nobody'}`);
    for (const [i, s] of d.sentinels.entries()) {
      heading(`Last lines of ${d.labels[i]?.name ?? '?'}'s log (${s.logPath}):`);
      print(s.logTail(8).trimEnd().replace(/^/gm, '  '));
    }
    return 1;
  }
  failoverDone = true;

  printSummary(d, timeline, killedAt, write, settledAt);
  await printTopology('Topology after the failover', d, d.master);

  if (opts.once) return 0;
  heading('Still running, events keep coming. Ctrl-C stops every process and removes the temp dirs.');
  timeline.printHeader(true);
  // Alive until a signal, even if every event connection drops.
  setInterval(() => undefined, 60000);
  return new Promise<number>(() => undefined);
}

let exiting: Promise<never> | undefined;

/** Idempotent: closes the event feeds, SIGKILLs every child, removes the temp dirs, exits. */
function shutdown(code: number): Promise<never> {
  stopping = true;
  exiting ??= (async () => {
    await Promise.all(feeds.map((f) => f.close()));
    await registry.teardown();
    print(paint('dim', 'All processes stopped, temp dirs removed.'));
    process.exit(code);
  })();
  return exiting;
}

const options = parseArgs(process.argv.slice(2));
if (options === undefined) {
  process.exitCode = 2;
} else {
  // `npm run demo | head` closes our stdout early: stop and clean up rather than crash on EPIPE.
  process.stdout.on('error', () => void shutdown(failoverDone ? 0 : 1));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      print();
      print(`${signal}: stopping...`);
      void shutdown(failoverDone ? 0 : 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
  main(options).then(
    (code) => shutdown(code),
    (e: unknown) => {
      if (stopping) return;
      print();
      print(paint('red', `FAILED: ${errorText(e)}`));
      return shutdown(1);
    },
  );
}
