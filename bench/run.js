'use strict';
/**
 * `npm run bench`: failover.js, resp.js and scale.js one after the other, comparing ts-sentinel
 * with redis-sentinel, then one summary block. Each script prints its own full table first.
 */
const { parseArgs } = require('node:util');
const lib = require('./lib');
const failover = require('./failover');
const resp = require('./resp');
const scale = require('./scale');

const { out } = lib;

const HELP = `Usage: npm run bench [-- options]   (or: node bench/run.js [options])

Runs bench/failover.js, bench/resp.js and bench/scale.js (each also runnable alone, see their
--help) and prints a summary. Default: both implementations, about 3-4 minutes.

  --sentinel CMD   only this sentinel command (default: compare "node dist/cli.js" and "redis-sentinel")
  --quick          fewer runs and shorter windows (about 1-2 minutes)
  -h, --help       this text
`;

function section(title) {
  out();
  out(`=== ${title} ${'='.repeat(Math.max(0, 90 - title.length))}`);
}

async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { sentinel: { type: 'string' }, quick: { type: 'boolean', default: false } },
    strict: true,
  });
  const which = values.sentinel !== undefined ? ['--sentinel', values.sentinel] : ['--compare'];
  const plan = [
    ['failover', failover, [...which, '--runs', values.quick ? '3' : '5']],
    ['resp', resp, [...which, ...(values.quick ? ['--requests', '50000'] : ['--rounds', '2'])]],
    ['scale', scale, [...which, ...(values.quick ? ['--seconds', '10', '--warmup', '2'] : [])]],
  ];
  const results = {};
  const errors = {};
  for (const [name, mod, args] of plan) {
    section(`bench/${name}.js`);
    try {
      results[name] = await mod.main(args);
    } catch (e) {
      errors[name] = e instanceof Error ? e.message : String(e);
      out(`bench/${name}.js FAILED: ${errors[name]}`);
    }
  }

  section('summary');
  const f = results.failover;
  if (f !== undefined) {
    out(`failover, median ms from kill -9 of the master (${f.topology})`);
    out(`$ ${f.command}`);
    const rows = Object.entries(f.figures).map(([label, m]) => [
      label,
      lib.fmtMs(m.switchMs?.median),
      lib.fmtMs(m.addrMs?.median),
      lib.fmtMs(m.writeMs?.median),
      lib.fmtMs(m.writeMs === undefined ? undefined : m.writeMs.median - f.downAfter),
      lib.fmtMs(m.writeMsAfterSdown?.median),
    ]);
    out(
      lib.table(
        [
          'implementation',
          lib.devkit.MASTER_SWITCHED,
          'new address',
          'first SET',
          'SET beyond down-after',
          'SET after +sdown',
        ],
        rows,
      ),
    );
    out();
  }
  const r = results.resp;
  if (r !== undefined) {
    out('RESP throughput, requests/s');
    out(`$ ${r.command}`);
    const labels = Object.keys(r.rates);
    out(
      lib.table(
        ['test', ...labels],
        r.keys.map((k) => [k, ...labels.map((l) => (r.rates[l][k] ?? 0).toFixed(0))]),
      ),
    );
    out();
  }
  const s = results.scale;
  if (s !== undefined) {
    out(`${s.masters} monitored masters, ${s.seconds} s idle window`);
    out(`$ ${s.command}`);
    const rows = Object.entries(s.results).map(([label, x]) =>
      x.error !== undefined
        ? [label, 'failed']
        : [label, x.cpuPercent.toFixed(2), x.rssEnd.toFixed(1), x.hwm.toFixed(1)],
    );
    out(lib.table(['implementation', 'cpu % of 1 core', 'RSS MiB', 'peak RSS MiB'], rows));
  }
  for (const [name, msg] of Object.entries(errors)) out(`bench/${name}.js failed: ${msg}`);
  if (Object.keys(errors).length > 0) throw new Error(`${Object.keys(errors).length} benchmark(s) failed`);
}

if (require.main === module) lib.runMain(main, HELP);
