/**
 * ts-sentinel /path/to/sentinel.conf [--port 26380] [--sentinel announce-ip 1.2.3.4] ...
 *
 * Same command line as redis-sentinel: everything after the config file is redis-style
 * `--name value` directives, handed to the config loader untouched. Only our own flags,
 * which come before the file (or anywhere, for --log-format), go through yargs.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import yargs from 'yargs';
import { COMMAND_TABLES } from './commands/meta';
import { REDIS_VERSION } from './config/errors';
import { noConfigFileMessage } from './config/file-checks';
import { checkConfig } from './config/loader';
import { DEFAULT_SENTINEL_PORT } from './config/types';
import { createLogger, type LogFormat } from './log';
import type { MetricsOptions } from './runtime/metrics';

const LOG_FORMATS: readonly LogFormat[] = ['redis', 'json'];
/** Chooses the command set COMMAND lists: 7.0's (default) or 7.4's, which adds CLIENT SETINFO. */
const COMMAND_TABLE_ENV = 'TS_SENTINEL_COMMAND_TABLE';
/** Flags that are no redis directive, so they may also follow the config file. */
const ANYWHERE = new Set(['--log-format', '--metrics-port', '--metrics-bind']);
const ANYWHERE_SWITCHES = new Set(['--fence-minority']);
const SWITCHES = new Set(['-h', '--help', '-v', '--version', '--healthcheck', ...ANYWHERE_SWITCHES]);
const VALUED = new Set(['--test-config', ...ANYWHERE]);
/** Minority fencing when --fence-minority is not given: on when this is `1`. */
const FENCE_MINORITY_ENV = 'TS_SENTINEL_FENCE_MINORITY';
/** The metrics port when --metrics-port is not given (handy in containers). */
const METRICS_PORT_ENV = 'TS_SENTINEL_METRICS_PORT';
/** Metrics stay on loopback unless the operator says otherwise. */
const DEFAULT_METRICS_BIND = '127.0.0.1';
const HEALTHCHECK_TIMEOUT_MS = 2000;

interface SplitArgs {
  /** Our own flags, for yargs. */
  own: string[];
  /** The config file (if any) and the redis-style directives after it. */
  rest: string[];
}

/** Separates our flags from the redis-style part, so yargs never sees (or eats) `--port` & co. */
function splitArgs(argv: readonly string[]): SplitArgs {
  const own: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? '';
    const name = arg.split('=')[0] ?? '';
    if (SWITCHES.has(arg)) {
      own.push(arg);
      i += 1;
    } else if (VALUED.has(name) || (name === '--port' && own.includes('--healthcheck'))) {
      const inline = arg.includes('=');
      own.push(...argv.slice(i, inline ? i + 1 : i + 2));
      i += inline ? 1 : 2;
    } else {
      break;
    }
  }
  const rest: string[] = [];
  for (let j = i; j < argv.length; j++) {
    const arg = argv[j] ?? '';
    if (ANYWHERE.has(arg) && j + 1 < argv.length) {
      own.push(arg, argv[j + 1] ?? '');
      j++;
    } else if (ANYWHERE.has(arg.split('=')[0] ?? '') || ANYWHERE_SWITCHES.has(arg)) {
      own.push(arg);
    } else {
      rest.push(arg);
    }
  }
  return { own, rest };
}

function packageVersion(): string {
  // dist/cli.js and src/cli.ts both sit one level below the package root; walk up to be sure.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') {
        return pkg.version;
      }
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** PING over an inline command: 0 on PONG, 1 on anything else. */
function healthcheck(port: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (code: number, message?: string) => {
      socket.destroy();
      if (message !== undefined) process.stderr.write(`${message}\n`);
      resolve(code);
    };
    socket.setTimeout(HEALTHCHECK_TIMEOUT_MS, () => done(1, `no reply from 127.0.0.1:${port}`));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const eol = data.indexOf('\r\n');
      if (eol < 0) return;
      const line = data.slice(0, eol);
      if (line === '+PONG') done(0);
      else done(1, line);
    });
    socket.on('error', (err) => done(1, err.message));
  });
}

/** The metrics listener asked for, undefined for none, or why the port is unusable. */
function metricsOptions(port: string | undefined, bind: string): MetricsOptions | undefined | string {
  if (port === undefined || port === '') return undefined;
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) return `Invalid metrics port '${port}': expected 1-65535`;
  if (net.isIP(bind) === 0) return `Invalid metrics bind address '${bind}': expected an IP address`;
  return { port: n, bind };
}

/** The exit status, or null once the daemon runs (it exits through its own shutdown). */
export async function main(argv: readonly string[]): Promise<number | null> {
  const { own, rest } = splitArgs(argv);
  const options = yargs(own)
    .scriptName('ts-sentinel')
    .usage(
      'Usage: $0 /path/to/sentinel.conf [--<directive> <value> ...]\n\n' +
        'A drop-in replacement for redis-sentinel. Directives after the config file\n' +
        'are extra config lines, e.g. --port 26380 --sentinel announce-ip 1.2.3.4',
    )
    .wrap(null)
    .option('test-config', { type: 'string', describe: 'Check a config file, print its errors and exit' })
    .option('healthcheck', { type: 'boolean', describe: 'PING the sentinel on 127.0.0.1; exit 0 on PONG' })
    .option('port', { type: 'number', default: DEFAULT_SENTINEL_PORT, describe: 'Port for --healthcheck' })
    .option('log-format', {
      choices: LOG_FORMATS,
      default: 'redis' as LogFormat,
      describe: 'Log line format',
    })
    .option('metrics-port', {
      type: 'string',
      describe: `Serve Prometheus /metrics, /healthz and /readyz on this port (or $${METRICS_PORT_ENV})`,
    })
    .option('metrics-bind', {
      type: 'string',
      default: DEFAULT_METRICS_BIND,
      describe: 'Address the metrics listener binds',
    })
    .option('fence-minority', {
      type: 'boolean',
      describe: `Pause writes on a master cut off with a minority of the sentinels (or $${FENCE_MINORITY_ENV}=1)`,
    })
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'Show version' })
    .help('help')
    .alias('help', 'h')
    .strict()
    .parseSync();

  if (options.version) {
    process.stdout.write(
      `Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=0 ` +
        `(ts-sentinel v=${packageVersion()}, node ${process.version})\n`,
    );
    return 0;
  }
  if (options.healthcheck) return healthcheck(options.port);
  const testConfig = options['test-config'];
  if (testConfig !== undefined) {
    const errors = checkConfig(path.resolve(testConfig), rest);
    for (const err of errors) process.stderr.write(`${err.short()}\n`);
    return errors.length === 0 ? 0 : 1;
  }
  const metrics = metricsOptions(
    options['metrics-port'] ?? process.env[METRICS_PORT_ENV],
    options['metrics-bind'],
  );
  if (typeof metrics === 'string') {
    process.stderr.write(`${metrics}\n`);
    return 1;
  }
  const logFormat = options['log-format'];
  // As in redis-server: a first argument starting with '-' means there is no config file.
  const [configFile, ...directives] = rest;
  if (configFile === undefined || configFile.startsWith('-')) {
    createLogger({ logfile: '', level: 'notice', format: logFormat }).log('warning', noConfigFileMessage());
    return 1;
  }
  const tableText = process.env[COMMAND_TABLE_ENV] ?? '7.0';
  const commandTable = COMMAND_TABLES.find((t) => t === tableText);
  if (commandTable === undefined) {
    process.stderr.write(
      `${COMMAND_TABLE_ENV} must be one of ${COMMAND_TABLES.join(', ')}, not '${tableText}'\n`,
    );
    return 1;
  }
  // Loaded only now: --version, --help and --test-config need none of the daemon.
  const { startDaemon } = await import('./runtime/daemon');
  const executable = path.resolve(process.argv[1] ?? '');
  const fenceMinority = options['fence-minority'] ?? process.env[FENCE_MINORITY_ENV] === '1';
  await startDaemon(configFile, directives, { logFormat, executable, commandTable, metrics, fenceMinority });
  return null;
}
