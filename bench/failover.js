'use strict';
/**
 * Failover time: a master, two replicas and three sentinels (quorum 2), or one sentinel
 * (quorum 1) with --single, all on free loopback ports and fresh for every run. The master is
 * killed with SIGKILL and we time, from the kill:
 *   +odown first published by any sentinel,
 *   (a) +switch-master reaching a PSUBSCRIBE client of the first sentinel,
 *   (b) SENTINEL GET-MASTER-ADDR-BY-NAME on that sentinel returning the new address,
 *   (b*) the same on every sentinel (the moment they all agree),
 *   (c) the first SET accepted by the new master at that address,
 *   (d) the first SET through an ioredis client in sentinel mode (what applications see).
 * The first moment each failover event was published by any sentinel is kept as a breakdown.
 */
const { Redis } = require('ioredis');
const lib = require('./lib');

const { devkit, now, out } = lib;
const { discoveryProblem, EventFeed, monitorConf, RespClient, sleep, startMasterAndReplicas, startSentinel } =
  devkit;
const { text, waitFor } = devkit;

const NAME = 'mymaster';
/** Short enough to resolve (b) to a few ms, long enough not to load the sentinel measured. */
const POLL_MS = 5;
/** Events kept for the breakdown, in the order a failover publishes them (the catalogue's). */
const EVENTS = devkit.FAILOVER_STEPS;
const [FIRST_SIGN] = EVENTS;

const HELP = `Usage: node bench/failover.js [options]

Failover time from kill -9 of the master, over fresh topologies (master + 2 replicas,
3 sentinels with quorum 2, or 1 sentinel with quorum 1 with --single).

  --runs N               failovers per implementation (default 5)
  --single               one sentinel, quorum 1
  --down-after MS        down-after-milliseconds (default 1000)
  --failover-timeout MS  failover-timeout (default 10000)
  --run-timeout MS       give up on one failover after this long (default 60000)
  --steady MS            wait after all sentinels agree, before the kill, plus a random
                         0-1000 ms (default 2000)
${lib.IMPL_HELP}
`;

const OPTIONS = {
  runs: { type: 'string', default: '5' },
  single: { type: 'boolean', default: false },
  'down-after': { type: 'string', default: '1000' },
  'failover-timeout': { type: 'string', default: '10000' },
  'run-timeout': { type: 'string', default: '60000' },
  steady: { type: 'string', default: '2000' },
};
const INTEGERS = ['runs', 'down-after', 'failover-timeout', 'run-timeout', 'steady'];

/** Records when each event is first published; `onEvent` sees every one. */
function watchEvents(port, onEvent) {
  return EventFeed.open(port, { clock: now, onEvent: (e) => onEvent(e.channel, e.payload, e.at) });
}

async function pollNewAddress(sentinelPort, oldPort, deadline) {
  const client = await RespClient.connect(sentinelPort);
  try {
    for (;;) {
      const reply = await client.call(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME], 2000);
      const at = now();
      if (reply.type === 'array' && reply.items.length === 2) {
        const port = Number(text(reply.items[1]));
        if (port !== oldPort) return { at, host: text(reply.items[0]), port };
      }
      if (at > deadline) throw new Error('the sentinel never reported a new master address');
      await sleep(POLL_MS);
    }
  } finally {
    client.close();
  }
}

/** Retries through READONLY and refused connections until a write is accepted. */
async function firstWrite(port, deadline) {
  let client;
  let last = '';
  try {
    for (;;) {
      try {
        client ??= await RespClient.connect(port, 1000);
        const reply = await client.call(['SET', 'bench:failover', String(Date.now())], 1000);
        if (reply.type === 'simple' && reply.value === 'OK') return now();
        last = text(reply);
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
        client?.close();
        client = undefined;
      }
      if (now() > deadline) throw new Error(`no write accepted by the new master on ${port} (${last})`);
      await sleep(POLL_MS);
    }
  } finally {
    client?.close();
  }
}

/** An application's view: an ioredis client that finds the master through the sentinels. */
async function sentinelClient(sentinels) {
  const client = new Redis({
    sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    name: NAME,
    // Retry at the poll pace, so the client is never what the measure waits for.
    retryStrategy: () => POLL_MS,
    sentinelRetryStrategy: () => POLL_MS,
    commandTimeout: 1000,
  });
  client.on('error', () => undefined);
  await client.set('bench:ioredis', 'ready');
  return client;
}

async function firstClientWrite(client, deadline) {
  for (;;) {
    try {
      await client.set('bench:ioredis', String(Date.now()));
      return now();
    } catch (e) {
      if (now() > deadline) throw new Error(`no write through the ioredis sentinel client (${e.message})`);
      await sleep(POLL_MS);
    }
  }
}

async function oneFailover(impl, cfg) {
  const reg = lib.newRegistry();
  const feeds = [];
  const sentinels = [];
  let client;
  try {
    const { master, replicas } = await startMasterAndReplicas({
      replicas: 2,
      syncTimeoutMs: 15000,
      registry: reg,
    });
    const conf = monitorConf(NAME, master.port, cfg.quorum, {
      downAfterMs: cfg.downAfter,
      failoverTimeoutMs: cfg.failoverTimeout,
    });
    // Replicas first: a sentinel learns them from the master's first INFO reply.
    for (let i = 0; i < cfg.sentinels; i++) {
      sentinels.push(await startSentinel({ conf, bin: impl.argv, registry: reg }));
    }
    const expected = { replicas: replicas.length, peers: cfg.sentinels - 1 };
    for (const s of sentinels) {
      await waitFor(async () => (await discoveryProblem(s.port, NAME, expected)) === undefined, {
        timeoutMs: 30000,
        what: `sentinel ${s.port} to know 2 replicas and ${cfg.sentinels - 1} peers`,
      });
    }

    // Not a wait for a condition: right after start-up a sentinel's reconnect throttle still
    // runs from its first connect, which delays SDOWN by up to a second. Real masters die in
    // steady state, at a random point of the 1 s ping cycle.
    await sleep(cfg.steadyMs + Math.random() * 1000);

    const first = new Map();
    let switchSeen;
    const switched = new Promise((resolve) => (switchSeen = resolve));
    for (const [i, s] of sentinels.entries()) {
      const feed = await watchEvents(s.port, (channel, payload, at) => {
        // The old master comes back as "+sdown slave" later; only the master's events count.
        const aboutMaster = !/^[+-][so]down$/.test(channel) || payload.startsWith('master ');
        if (EVENTS.includes(channel) && aboutMaster && !first.has(channel)) first.set(channel, at);
        if (i === 0 && channel === devkit.MASTER_SWITCHED) switchSeen(at);
      });
      feeds.push(feed);
    }

    client = await sentinelClient(sentinels);
    const killedAt = now();
    const deadline = killedAt + cfg.runTimeout;
    await master.kill9();
    const timeout = sleep(cfg.runTimeout).then(() => {
      throw new Error(`no +switch-master within ${cfg.runTimeout} ms`);
    });
    const addressAndWrite = (async () => {
      const addr = await pollNewAddress(sentinels[0].port, master.port, deadline);
      const written = await firstWrite(addr.port, deadline);
      return { addr, written };
    })();
    const allAgree = Promise.all(sentinels.map((s) => pollNewAddress(s.port, master.port, deadline)));
    const clientWrite = firstClientWrite(client, deadline);
    const [switchAt, { addr, written }, everywhere, clientAt] = await Promise.race([
      Promise.all([switched, addressAndWrite, allAgree, clientWrite]),
      timeout,
    ]);
    const since = (t) => (t === undefined ? undefined : t - killedAt);
    return {
      switchMs: since(switchAt),
      odownMs: since(first.get('+odown')),
      addrMs: since(addr.at),
      allAddrMs: since(Math.max(...everywhere.map((a) => a.at))),
      writeMs: since(written),
      clientMs: since(clientAt),
      events: Object.fromEntries(EVENTS.map((e) => [e, since(first.get(e))])),
      newPort: addr.port,
    };
  } catch (e) {
    const tail = sentinels[0]?.logTail(15);
    if (tail !== undefined) process.stderr.write(`--- sentinel ${sentinels[0].port} log tail ---\n${tail}\n`);
    throw e;
  } finally {
    client?.disconnect();
    await Promise.all(feeds.map((f) => f.close()));
    await lib.teardown(reg);
  }
}

async function main(argv) {
  const v = lib.parseCli(argv, OPTIONS, INTEGERS);
  const impls = lib.implementations(v);
  const cfg = {
    sentinels: v.single ? 1 : 3,
    quorum: v.single ? 1 : 2,
    downAfter: v['down-after'],
    failoverTimeout: v['failover-timeout'],
    runTimeout: v['run-timeout'],
    steadyMs: v.steady,
  };
  const cmd = lib.commandLine('failover.js', argv);
  const topology =
    `master + 2 replicas, ${cfg.sentinels} sentinel${cfg.sentinels > 1 ? 's' : ''} quorum ${cfg.quorum}, ` +
    `down-after-milliseconds ${cfg.downAfter}, failover-timeout ${cfg.failoverTimeout}`;
  out(`$ ${cmd}`);
  out(`failover: ${topology}, ${v.runs} run(s) per implementation`);
  for (const impl of impls) out(`  ${impl.label}: ${impl.command}`);

  const results = impls.map((impl) => ({ impl, runs: [], failures: [], consecutiveFailures: 0 }));
  for (let run = 1; run <= v.runs; run++) {
    // Alternating who goes first keeps slow drift (other load, thermal) from favouring one.
    const order = run % 2 === 1 ? results : [...results].reverse();
    for (const r of order) {
      if (r.consecutiveFailures >= 2) continue;
      try {
        const m = await oneFailover(r.impl, cfg);
        r.runs.push(m);
        r.consecutiveFailures = 0;
        const ev = EVENTS.map((e) => `${e} ${lib.fmtMs(m.events[e])}`).join(', ');
        out(
          `  run ${run}/${v.runs} ${r.impl.label}: (a) ${lib.fmtMs(m.switchMs)} ms, (b) ${lib.fmtMs(m.addrMs)} ms, ` +
            `(b*) ${lib.fmtMs(m.allAddrMs)} ms, (c) ${lib.fmtMs(m.writeMs)} ms, (d) ${lib.fmtMs(m.clientMs)} ms   [${ev}]`,
        );
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        r.failures.push(msg);
        r.consecutiveFailures++;
        out(`  run ${run}/${v.runs} ${r.impl.label}: FAILED: ${msg}`);
        if (r.consecutiveFailures >= 2)
          out(`  (${r.impl.label}: two failures in a row, skipping its other runs)`);
      }
    }
  }

  const measures = [
    ['+odown (first sentinel)', 'odownMs'],
    ['(a) +switch-master on sentinel 1', 'switchMs'],
    ['(b) GET-MASTER-ADDR-BY-NAME new', 'addrMs'],
    ['(b*) ... new on all sentinels', 'allAddrMs'],
    ['(c) first SET on new master', 'writeMs'],
    ['(d) first SET via ioredis sentinel', 'clientMs'],
  ];
  const rows = [];
  const figures = {};
  for (const r of results) {
    figures[r.impl.label] = {};
    for (const [label, key] of measures) {
      const s = lib.summary(r.runs.map((m) => m[key]));
      // SDOWN comes 0-1 ping period after down-after (the ping cycle's phase at the kill);
      // counting from +sdown leaves that phase out.
      const afterSdown = lib.summary(
        r.runs.filter((m) => m.events[FIRST_SIGN] !== undefined).map((m) => m[key] - m.events[FIRST_SIGN]),
      );
      figures[r.impl.label][key] = s;
      figures[r.impl.label][`${key}AfterSdown`] = afterSdown;
      rows.push([
        r.impl.label,
        label,
        lib.fmtMs(s?.median),
        lib.fmtMs(s?.min),
        lib.fmtMs(s?.max),
        lib.fmtMs(s === undefined ? undefined : s.median - cfg.downAfter),
        lib.fmtMs(afterSdown?.median),
        `${r.runs.length}/${r.runs.length + r.failures.length}`,
      ]);
    }
  }
  out();
  out(`failover time, ms from kill -9 of the master (${topology})`);
  out(`$ ${cmd}`);
  out(
    lib.table(
      [
        'implementation',
        'measure',
        'median',
        'min',
        'max',
        `median-${cfg.downAfter}`,
        'median after +sdown',
        'runs ok',
      ],
      rows,
      2,
    ),
  );
  if (results.length === 2) {
    const [ours, theirs] = results.map((r) => figures[r.impl.label]);
    out();
    out(
      `ratio ${results[0].impl.label} / ${results[1].impl.label} of the median time beyond ` +
        `down-after-milliseconds (${cfg.downAfter} ms); lower is faster`,
    );
    out(
      lib.table(
        ['measure', 'ratio'],
        measures.map(([label, key]) => {
          const a = ours[key]?.median;
          const b = theirs[key]?.median;
          const ok = a !== undefined && b !== undefined && b > cfg.downAfter;
          return [label, ok ? ((a - cfg.downAfter) / (b - cfg.downAfter)).toFixed(2) : '-'];
        }),
      ),
    );
  }
  out();
  out('breakdown: median ms from the kill to the first time any sentinel published the event');
  out(
    lib.table(
      ['implementation', ...EVENTS],
      results.map((r) => [
        r.impl.label,
        ...EVENTS.map((e) =>
          lib.fmtMs(lib.summary(r.runs.map((m) => m.events[e]).filter((x) => x !== undefined))?.median),
        ),
      ]),
    ),
  );
  return { command: cmd, topology, downAfter: cfg.downAfter, figures, results };
}

module.exports = { main, HELP };

if (require.main === module) lib.runMain(main, HELP);
