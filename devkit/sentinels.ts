/**
 * Sentinel processes: ours (`node dist/cli.js`) or Debian's redis-sentinel, each with its own
 * sentinel.conf in its own directory, or run in place on a file another sentinel left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Instance, startWithPortRetry } from './instance';
import { LOOPBACK } from './ports';
import { registry, wrapped, type ProcessRegistry } from './processes';
import { REPO_ROOT } from './repo';
import { type TestCerts, tlsClientOptions, tlsOnlyDirectives } from './tls';

/** A sentinel executable as argv, with a label for test titles (`$label` in describe.each). */
export interface SentinelBinary {
  label: 'ts-sentinel' | 'redis-sentinel';
  bin: readonly string[];
}

/** Our daemon, `node <repo>/dist/cli.js`, whatever SENTINEL_BIN says (`npm run build` first). */
export const OURS: SentinelBinary = {
  label: 'ts-sentinel',
  bin: [process.execPath, path.join(REPO_ROOT, 'dist', 'cli.js')],
};

/** Debian's redis-sentinel, from PATH. */
export const REDIS: SentinelBinary = { label: 'redis-sentinel', bin: ['redis-sentinel'] };

/** Both, explicitly: for tests that run the same statement against the original and ours. */
export const BOTH: readonly SentinelBinary[] = [OURS, REDIS];

/**
 * The sentinel executable as argv: SENTINEL_BIN from the environment (split on spaces, e.g.
 * `redis-sentinel`), else our daemon.
 */
export function sentinelBin(): readonly string[] {
  const fromEnv = process.env.SENTINEL_BIN?.trim();
  if (fromEnv) return fromEnv.split(/\s+/);
  return OURS.bin;
}

/**
 * sentinel.conf lines: monitor `name` at `masterHost` (127.0.0.1 by default):`masterPort` with
 * `quorum`, and its timings.
 */
export function monitorConf(
  name: string,
  masterPort: number,
  quorum: number,
  timing: { downAfterMs: number; failoverTimeoutMs: number },
  masterHost: string = LOOPBACK,
): string {
  return [
    `sentinel monitor ${name} ${masterHost} ${masterPort} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${timing.downAfterMs}`,
    `sentinel failover-timeout ${name} ${timing.failoverTimeoutMs}`,
  ].join('\n');
}

export interface SentinelOptions {
  /**
   * sentinel.conf text, or `{path}` of an existing file (copied, since the sentinel rewrites it).
   * `port <n>` is added when the text has none, `bind 127.0.0.1` when it has no bind line.
   * With `{path, inPlace: true}` the file is run where it is, untouched (its directory becomes the
   * working directory); it must name its port. This is how one sentinel executable takes over
   * the file another one left behind.
   */
  conf: string | { path: string; inPlace?: boolean };
  port?: number;
  /**
   * Redis-style directives after the config file on the command line, e.g. ['--port', '26380'];
   * a `--port` there is the port the sentinel listens on, whatever the config text says.
   */
  args?: readonly string[];
  /** argv of the executable; defaults to sentinelBin(). */
  bin?: readonly string[];
  /** argv before the executable, e.g. `ip netns exec <ns>` (see wrapped()). */
  wrapper?: readonly string[];
  dir?: string;
  /**
   * TLS only: `port 0`, the instance's port as tls-port, TLS links (tlsOnlyDirectives). The conf
   * text then must not name a port.
   */
  tls?: TestCerts;
  registry?: ProcessRegistry;
}

/** Writes sentinel.conf into its own dir, runs `<bin> sentinel.conf` there, waits for PING. */
export function startSentinel(opts: SentinelOptions): Promise<Instance> {
  const reg = opts.registry ?? registry;
  const text = typeof opts.conf === 'string' ? opts.conf : fs.readFileSync(opts.conf.path, 'utf8');
  const extraArgs = opts.args ?? [];
  const portArgAt = extraArgs.lastIndexOf('--port');
  // Named "in text" for short: the port the sentinel will listen on, command line first.
  const portInText =
    (portArgAt < 0 ? undefined : extraArgs[portArgAt + 1]) ?? /^\s*port\s+(\d+)\s*$/im.exec(text)?.[1];
  if (portInText !== undefined && opts.port !== undefined && Number(portInText) !== opts.port) {
    throw new Error(`startSentinel: port ${opts.port} given but the config says port ${portInText}`);
  }
  const bin = opts.bin ?? sentinelBin();
  if (bin.length === 0) throw new Error('startSentinel: empty sentinel command');
  const ourCli = bin[1];
  if (opts.bin === undefined && ourCli?.startsWith(REPO_ROOT) && !fs.existsSync(ourCli)) {
    throw new Error(`${ourCli} does not exist: run \`npm run build\` first, or set SENTINEL_BIN`);
  }
  const fixedPort = portInText !== undefined ? Number(portInText) : opts.port;
  if (typeof opts.conf !== 'string' && opts.conf.inPlace === true) {
    const confPath = path.resolve(opts.conf.path);
    if (portInText === undefined) throw new Error(`startSentinel: ${confPath} has no port line`);
    if (opts.dir !== undefined && path.resolve(opts.dir) !== path.dirname(confPath)) {
      throw new Error(`startSentinel: dir ${opts.dir} given but ${confPath} is run in place`);
    }
    const dir = path.dirname(confPath);
    const launch = wrapped([...bin, confPath, ...extraArgs], opts.wrapper);
    return startWithPortRetry(fixedPort, (port) => {
      const logPath = path.join(dir, 'sentinel.log');
      return new Instance('sentinel', port, dir, confPath, logPath, undefined, launch, reg);
    });
  }
  return startWithPortRetry(fixedPort, (port) => {
    const dir = opts.dir ?? reg.makeTempDir(`sentinel-${port}`);
    const confPath = path.join(dir, 'sentinel.conf');
    const tlsLines = opts.tls !== undefined ? tlsOnlyDirectives(opts.tls, port).map((d) => d.join(' ')) : [];
    const head = [
      ...(opts.tls !== undefined ? tlsLines : portInText === undefined ? [`port ${port}`] : []),
      ...(/^\s*bind\s/im.test(text) ? [] : [`bind ${LOOPBACK}`]),
    ];
    fs.writeFileSync(confPath, [...head, text].join('\n') + '\n');
    const logPath = path.join(dir, 'sentinel.log');
    const launch = wrapped([...bin, confPath, ...extraArgs], opts.wrapper);
    const tlsOptions = opts.tls !== undefined ? tlsClientOptions(opts.tls) : undefined;
    return new Instance('sentinel', port, dir, confPath, logPath, undefined, launch, reg, tlsOptions);
  });
}
