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
 *
 * With --partition (root: Linux network namespaces, devkit/netns.ts): the master and one
 * sentinel are cut off from the two others for --cut-ms, with a writer beside the master, for
 * redis-sentinel, ts-sentinel and ts-sentinel --fence-minority; after the heal every write the
 * old master acknowledged is looked up on the new one.
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
  --partition     instead: cut the master and one sentinel off (needs root), see above
  --cut-ms MS     with --partition: how long the cut lasts (default 8000)
  --down-after MS with --partition: down-after-milliseconds (default 3000)
  -h, --help      this text
`;

const OPTIONS = {
  runs: { type: 'string', default: '3' },
  writers: { type: 'string', default: '8' },
  'load-ms': { type: 'string', default: '2000' },
  'tail-ms': { type: 'string', default: '1000' },
  'max-ms': { type: 'string', default: '30000' },
  partition: { type: 'boolean', default: false },
  'cut-ms': { type: 'string', default: '8000' },
  'down-after': { type: 'string', default: '3000' },
};
const INTEGERS = ['runs', 'writers', 'load-ms', 'tail-ms', 'max-ms', 'cut-ms', 'down-after'];

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

const PARTITION_VARIANTS = [
  { label: 'redis-sentinel', command: 'redis-sentinel', args: [] },
  { label: 'ts-sentinel', command: OURS, args: [] },
  { label: 'ts-sentinel --fence-minority', command: OURS, args: ['--fence-minority'] },
];

async function onePartition(variant, argv, cfg) {
  const reg = lib.newRegistry();
  let lab;
  let writer;
  try {
    lab = await devkit.Lab.create(['a', 'b', 'c'], { registry: reg });
    const master = await lab.startRedis('a', { args: devkit.NO_SYNC_DELAY });
    const replicas = await Promise.all(
      ['b', 'c'].map((label) => lab.startRedis(label, { args: devkit.NO_SYNC_DELAY, replicaOf: master })),
    );
    for (const r of replicas) await devkit.waitReplicaOf(r, master.port, 15000);
    const timing = { downAfterMs: cfg.downAfter, failoverTimeoutMs: cfg.downAfter * 2 };
    const conf = monitorConf(NAME, master.port, 2, timing, lab.ns('a').address);
    const sentinels = await Promise.all(
      ['a', 'b', 'c'].map((label) => lab.startSentinel(label, { conf, bin: argv, args: variant.args })),
    );
    for (const s of sentinels) {
      await waitFor(
        async () => (await discoveryProblem(s.port, NAME, { replicas: 2, peers: 2 })) === undefined,
        {
          timeoutMs: 30000,
          what: `sentinel ${lab.addressOf(s)} to see the whole deployment`,
        },
      );
    }
    const oldAddress = lab.addressOf(master);
    writer = devkit.Writer.start({ host: lab.ns('a').address, port: master.port, wrapper: lab.wrapper('a') });
    await writer.waitAcked(200, 10000);
    lab.cut('a');
    const cutAt = Date.now();
    await sleep(cfg.cutMs);
    lab.heal('a');
    const agreed = await devkit.addressAgreement(sentinels, NAME, {
      notAddress: oldAddress,
      timeoutMs: 60000,
    });
    const promoted = replicas.find((r) => lab.addressOf(r) === agreed.address);
    if (promoted === undefined) throw new Error(`the sentinels agreed on ${agreed.address}, not a replica`);
    await devkit.waitReplicaOf(master, promoted.port, cfg.maxMs);
    await writer.stop();
    const present = new Set(items(await command(promoted.port, ['KEYS', `${writer.prefix}:*`])).map(text));
    const lost = writer.acked.filter((w) => !present.has(writer.key(w.n)));
    return {
      acked: writer.acked.length,
      lost: lost.length,
      lastLostMs: Math.max(0, ...lost.map((w) => w.at - cutAt)),
    };
  } finally {
    await writer?.stop();
    await lib.teardown(reg);
    await lab?.teardown();
  }
}

/**
 * Runs every variant `runs` times (alternating who goes first, so slow drift favours nobody),
 * prints a line per run and a table of medians; `columns` name [header, figure of a run].
 */
async function runVariants(variants, runs, runOne, describe, columns) {
  const results = variants.map((variant) => ({ variant, runs: [], failures: [] }));
  for (let run = 1; run <= runs; run++) {
    for (const r of run % 2 === 1 ? results : [...results].reverse()) {
      try {
        const m = await runOne(r.variant, lib.resolveCommand(r.variant.command));
        r.runs.push(m);
        out(`  run ${run}/${runs} ${r.variant.label}: ${describe(m)}`);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        r.failures.push(msg);
        out(`  run ${run}/${runs} ${r.variant.label}: FAILED: ${msg}`);
      }
    }
  }
  const rows = results
    .filter((r) => r.runs.length > 0)
    .map((r) => [
      r.variant.label,
      ...columns.map(([, key]) => lib.fmtMs(lib.median(r.runs.map((m) => m[key])))),
    ]);
  out();
  out(lib.table(['variant', ...columns.map(([header]) => `${header} (median)`)], rows));
  const failed = results.filter((r) => r.failures.length > 0);
  if (failed.length > 0) throw new Error(`failed runs: ${failed.map((r) => r.variant.label).join(', ')}`);
}

async function partitionMain(argv, v) {
  const probe = devkit.netnsAvailable();
  if (!probe.available) throw new Error(`--partition needs network namespaces: ${probe.why}`);
  const cfg = { runs: v.runs, cutMs: v['cut-ms'], downAfter: v['down-after'], maxMs: v['max-ms'] };
  out(`$ ${lib.commandLine('loss.js', argv)}`);
  out(
    `loss: master + sentinel cut off from 2 replicas + 2 sentinels for ${cfg.cutMs} ms, a writer beside ` +
      `the master, down-after ${cfg.downAfter} ms, ${cfg.runs} run(s) per variant`,
  );
  await runVariants(
    PARTITION_VARIANTS,
    cfg.runs,
    (variant, argv) => onePartition(variant, argv, cfg),
    (m) =>
      `${m.lost} of ${m.acked} acknowledged writes lost, the last ${lib.fmtMs(m.lastLostMs)} ms after the cut`,
    [
      ['writes lost', 'lost'],
      ['acknowledged', 'acked'],
      ['last lost write after the cut, ms', 'lastLostMs'],
    ],
  );
}

async function main(argv) {
  const v = lib.parseCli(argv, OPTIONS, INTEGERS);
  if (v.partition) return partitionMain(argv, v);
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
  await runVariants(
    VARIANTS,
    cfg.runs,
    (variant, argv) => oneRun(variant, argv, cfg),
    (m) =>
      `${m.lost} of ${m.acked} acknowledged writes lost, longest gap ${lib.fmtMs(m.gapMs)} ms, ` +
      `old master writable ${lib.fmtMs(m.writableMs)} ms after the promotion`,
    [
      ['writes lost', 'lost'],
      ['acknowledged', 'acked'],
      ['longest gap ms', 'gapMs'],
      ['old master writable ms', 'writableMs'],
    ],
  );
}

lib.runMain(main, HELP);
