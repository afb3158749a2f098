'use strict';
/**
 * Shared pieces of the benchmark scripts: argument parsing, the sentinel implementations to
 * compare, cleanup on errors and Ctrl-C, statistics and plain-text tables. The process work
 * itself is done by the devkit, compiled to build/devkit by `npm run build:tools`.
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { parseArgs } = require('node:util');

const REPO_ROOT = path.resolve(__dirname, '..');
const DEVKIT_JS = path.join(REPO_ROOT, 'build', 'devkit', 'index.js');

function loadDevkit() {
  if (!fs.existsSync(DEVKIT_JS)) {
    throw new Error(
      `${path.relative(process.cwd(), DEVKIT_JS)} is missing: run \`npm run build:tools\` first`,
    );
  }
  return require(DEVKIT_JS);
}

const devkit = loadDevkit();

/** Monotonic milliseconds: wall-clock jumps must not show up as failover time. */
function now() {
  return performance.now();
}

// ---------------------------------------------------------------------------------------------
// Implementations

const OURS_COMMAND = 'node dist/cli.js';
const REDIS_COMMAND = 'redis-sentinel';

/**
 * argv for a `--sentinel` value. `node` becomes this Node binary and a relative script path is
 * taken from the repository root, because sentinels run with their temp dir as cwd.
 */
function resolveCommand(commandText) {
  const words = commandText.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new Error('--sentinel: empty command');
  return words.map((word, i) => {
    if (i === 0 && word === 'node') return process.execPath;
    if (i > 0 && !path.isAbsolute(word) && /\.[cm]?js$/.test(word)) {
      const fromRoot = path.resolve(REPO_ROOT, word);
      return fs.existsSync(fromRoot) ? fromRoot : path.resolve(word);
    }
    return word;
  });
}

function labelOf(commandText) {
  const trimmed = commandText.trim().replace(/\s+/g, ' ');
  if (trimmed === OURS_COMMAND) return 'ts-sentinel';
  if (trimmed === REDIS_COMMAND) return 'redis-sentinel';
  return trimmed;
}

/** The implementations a run covers: `--compare` means ours and redis-sentinel, ours first. */
function implementations(values) {
  const texts = values.compare ? [OURS_COMMAND, REDIS_COMMAND] : [values.sentinel ?? OURS_COMMAND];
  return texts.map((t) => ({ label: labelOf(t), command: t, argv: resolveCommand(t) }));
}

const IMPL_OPTIONS = {
  sentinel: { type: 'string' },
  compare: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

const IMPL_HELP = `  --sentinel CMD     sentinel command line (default "${OURS_COMMAND}", e.g. "${REDIS_COMMAND}")
  --compare          run both "${OURS_COMMAND}" and "${REDIS_COMMAND}"
  -h, --help         this text`;

/** util.parseArgs with the implementation options added and integers checked. */
function parseCli(argv, options, integerNames = []) {
  const { values } = parseArgs({ args: argv, options: { ...IMPL_OPTIONS, ...options }, strict: true });
  for (const name of integerNames) {
    const raw = values[name];
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
    values[name] = n;
  }
  return values;
}

/** How to reproduce a figure: the command line as the user would type it. */
function commandLine(script, argv) {
  return ['node', `bench/${script}`, ...argv].map(shellQuote).join(' ');
}

function shellQuote(word) {
  return /^[\w./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Cleanup

const liveRegistries = new Set();

/** A ProcessRegistry that Ctrl-C also tears down. */
function newRegistry() {
  const reg = new devkit.ProcessRegistry();
  liveRegistries.add(reg);
  return reg;
}

async function teardown(reg) {
  liveRegistries.delete(reg);
  await reg.teardown();
}

let signalsHooked = false;

function hookSignals() {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every process we started\n`);
      // The watchdog in each registry would also do it when we exit; this waits for the reaping.
      Promise.allSettled([...liveRegistries].map((reg) => reg.teardown())).finally(() => process.exit(130));
    });
  }
}

/** Entry point of a script run alone: prints --help, runs, exits non-zero on failure. */
function runMain(main, help) {
  hookSignals();
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return;
  }
  main(argv).then(
    () => process.exit(0),
    async (e) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      await Promise.allSettled([...liveRegistries].map((reg) => reg.teardown()));
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Figures

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function summary(xs) {
  if (xs.length === 0) return undefined;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

function fmtMs(x) {
  return x === undefined ? '-' : String(Math.round(x));
}

/** Left-aligned first column(s), right-aligned numbers. */
function table(header, rows, leftColumns = 1) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) => r.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .map((line) => line.trimEnd())
    .join('\n');
}

function out(line = '') {
  process.stdout.write(`${line}\n`);
}

module.exports = {
  REPO_ROOT,
  IMPL_HELP,
  devkit,
  now,
  implementations,
  resolveCommand,
  parseCli,
  commandLine,
  newRegistry,
  teardown,
  runMain,
  median,
  summary,
  fmtMs,
  table,
  out,
};
