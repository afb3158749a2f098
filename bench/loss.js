'use strict';
/**
 * Acknowledged writes lost by a manual failover under a heavy writer, side by side:
 * redis-sentinel (SENTINEL FAILOVER), ts-sentinel (SENTINEL FAILOVER) and ts-sentinel
 * (SENTINEL FAILOVER ... COORDINATED). Master + 2 replicas, 3 sentinels quorum 2, fresh for
 * every run. Several writers behave like a sentinel-aware client (ask the sentinel for the
 * master, write, on any error ask again and reconnect) and record every acknowledgement; after
 * the switch, and once the old master is a replica, each acknowledged key is looked up on the
 * final master. Printed per variant: writes acknowledged, writes lost, the longest time one
 * writer went without an acknowledgement, and how long the old master stayed writable after the
 * promotion.
 */
const lib = require('./lib');

const { devkit, now, out } = lib;
const { EventFeed, discoveryProblem, monitorConf, roleOf, sleep, startMasterAndReplicas, startSentinel } =
  devkit;
const { command, items, missingKeys, startWriteLoad, text, waitFor } = devkit;

const NAME = 'mymaster';

const HELP = `Usage: node bench/loss.js [options]

Acknowledged writes lost by a manual failover under write load: redis-sentinel plain,
ts-sentinel plain and ts-sentinel COORDINATED, each on a fresh master + 2 replicas and
3 sentinels (quorum 2).

  --runs N        failovers per variant (default 3)
  --writers N     concurrent writers (default 8)
  --load-ms MS    writing before the failover (default 2000)
  --tail-ms MS    writing after the old master is a replica (default 1000)
  --max-ms MS     give up waiting for the old master's demotion after this long (default 30000)
  -h, --help      this text
`;

const OPTIONS = {
  runs: { type: 'string', default: '3' },
  writers: { type: 'string', default: '8' },
  'load-ms': { type: 'string', default: '2000' },
  'tail-ms': { type: 'string', default: '1000' },
  'max-ms': { type: 'string', default: '30000' },
};
const INTEGERS = ['runs', 'writers', 'load-ms', 'tail-ms', 'max-ms'];

const OURS = 'node dist/cli.js';
const VARIANTS = [
  { label: 'redis-sentinel FAILOVER', command: 'redis-sentinel', words: [] },
  { label: 'ts-sentinel FAILOVER', command: OURS, words: [] },
  { label: 'ts-sentinel FAILOVER COORDINATED', command: OURS, words: ['COORDINATED'] },
];

async function oneRun(variant, argv, cfg) {
  const reg = lib.newRegistry();
  let feed;
  let load;
  try {
    const { master } = await startMasterAndReplicas({
      replicas: 2,
      args: devkit.NO_SYNC_DELAY,
      syncTimeoutMs: 15000,
      registry: reg,
    });
    const conf = monitorConf(NAME, master.port, 2, { downAfterMs: 5000, failoverTimeoutMs: 10000 });
    const sentinels = [];
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel({ conf, bin: argv, registry: reg }));
    for (const s of sentinels) {
      await waitFor(
        async () => (await discoveryProblem(s.port, NAME, { replicas: 2, peers: 2 })) === undefined,
        {
          timeoutMs: 30000,
          what: `sentinel ${s.port} to know 2 replicas and 2 peers`,
        },
      );
    }
    // Promotable replicas: connected and in sync, as seen by the sentinel asked to fail over.
    await waitFor(
      async () => {
        const seen = items(await command(sentinels[0].port, ['SENTINEL', 'REPLICAS', NAME]));
        return seen.every((r) => {
          const fields = devkit.record(r);
          return fields.flags === 'slave' && fields['master-link-status'] === 'ok';
        });
      },
      { timeoutMs: 15000, what: 'replicas connected and in sync' },
    );
    feed = await EventFeed.open(sentinels[0].port, { clock: now });
    load = startWriteLoad(sentinels[0].port, NAME, cfg.writers, 'loss');
    await sleep(cfg.loadMs);
    const reply = text(await command(sentinels[0].port, ['SENTINEL', 'FAILOVER', NAME, ...variant.words]));
    if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER answered ${reply}`);
    const promoted = await feed.next('+promoted-slave', 20000).then(() => now());
    const demoted = await waitFor(async () => ((await roleOf(master.port)) === 'slave' ? now() : undefined), {
      timeoutMs: cfg.maxMs,
      intervalMs: 20,
      what: 'the old master to become a replica',
    });
    await sleep(cfg.tailMs);
    await load.stop();
    const addr = items(await command(sentinels[0].port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME]));
    const finalPort = Number(text(addr[1]));
    const lost = await missingKeys(finalPort, load.acked);
    return {
      acked: load.acked.length,
      lost: lost.length,
      gapMs: load.longestGapMs(),
      writableMs: demoted - promoted,
    };
  } finally {
    await load?.stop();
    await feed?.close();
    await lib.teardown(reg);
  }
}

async function main(argv) {
  const v = lib.parseCli(argv, OPTIONS, INTEGERS);
  const cfg = {
    runs: v.runs,
    writers: v.writers,
    loadMs: v['load-ms'],
    tailMs: v['tail-ms'],
    maxMs: v['max-ms'],
  };
  out(`$ ${lib.commandLine('loss.js', argv)}`);
  out(
    `loss: master + 2 replicas, 3 sentinels quorum 2, ${cfg.writers} writers, ` +
      `${cfg.runs} manual failover(s) per variant`,
  );
  const results = VARIANTS.map((variant) => ({ variant, runs: [], failures: [] }));
  for (let run = 1; run <= cfg.runs; run++) {
    for (const r of run % 2 === 1 ? results : [...results].reverse()) {
      try {
        const m = await oneRun(r.variant, lib.resolveCommand(r.variant.command), cfg);
        r.runs.push(m);
        out(
          `  run ${run}/${cfg.runs} ${r.variant.label}: ${m.lost} of ${m.acked} acknowledged writes lost, ` +
            `longest gap ${lib.fmtMs(m.gapMs)} ms, old master writable ${lib.fmtMs(m.writableMs)} ms after the promotion`,
        );
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        r.failures.push(msg);
        out(`  run ${run}/${cfg.runs} ${r.variant.label}: FAILED: ${msg}`);
      }
    }
  }
  const med = (r, key) => lib.median(r.runs.map((m) => m[key]));
  const rows = results
    .filter((r) => r.runs.length > 0)
    .map((r) => [
      r.variant.label,
      String(r.runs.reduce((n, m) => n + m.lost, 0)),
      String(r.runs.reduce((n, m) => n + m.acked, 0)),
      lib.fmtMs(med(r, 'gapMs')),
      lib.fmtMs(med(r, 'writableMs')),
    ]);
  out();
  out(
    lib.table(
      [
        'variant',
        'writes lost',
        'acknowledged',
        'longest gap ms (median)',
        'old master writable ms (median)',
      ],
      rows,
    ),
  );
  const failed = results.filter((r) => r.failures.length > 0);
  if (failed.length > 0) throw new Error(`failed runs: ${failed.map((r) => r.variant.label).join(', ')}`);
}

lib.runMain(main, HELP);
