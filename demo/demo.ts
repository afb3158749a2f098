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
 * executable (default: this repository's dist/cli.js, built by `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorText, EventFeed, registry, sentinelBin, waitFor } from '../devkit';
import {
  deploy,
  discovered,
  DOWN_AFTER_MS,
  FAILOVER_TIMEOUT_MS,
  firstWrite,
  left,
  QUORUM,
  settled,
  type Write,
} from './deployment';
import { Timeline } from './events';
import { clock, duration, paint, print } from './format';
import { heading, printSummary, printTopology } from './report';

/**
 * Default time from kill -9 to a complete failover (switched, agreed on by all, written to,
 * replicas moved). One failed election costs twice failover-timeout before the next try.
 */
const FAILOVER_DEADLINE_MS = 30000;

interface Options {
  once: boolean;
  verbose: boolean;
  /** From kill -9 to a complete failover; --once fails beyond it. */
  deadlineMs: number;
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

function redisServerMissing(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error !== undefined;
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
  await discovered(d).catch((e: unknown) => {
    print();
    throw e;
  });
  print(`done in ${duration(Date.now() - discoveryStart)}`);

  await printTopology('Topology before the failure', d);

  let killedAt = Number.POSITIVE_INFINITY;
  const timeline = new Timeline(d.labels, () => killedAt, opts.verbose);
  feeds = await Promise.all(
    d.labels.map((l) => EventFeed.open(l.port, { onEvent: (e) => timeline.add({ ...e, from: l }) })),
  );

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
