/**
 * Process toolkit for tests, the demo and benchmarks: free loopback ports, redis-server and
 * sentinel processes in temp dirs, fault injection (SIGKILL, SIGSTOP), a registry that never
 * leaks a child, a wait-for-condition with a deadline, and a raw RESP client for exact bytes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOOPBACK = '127.0.0.1';

/** Repository root, both from src/devtools (ts-jest) and from dist/devtools (compiled). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// Waiting

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Names the condition in the timeout message, e.g. "replica 6381 to report role:slave". */
  what: string;
}

/** Thrown from a waitFor probe to stop waiting at once (e.g. the process being waited on died). */
export class GiveUpError extends Error {}

type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

/**
 * Polls `probe` until it returns a value other than undefined/null/false, and returns it. Errors
 * thrown by the probe count as "not yet" (connection refused during a restart is normal) and are
 * quoted in the timeout message. A probe that hangs is cut off at the deadline.
 */
export async function waitFor<T>(probe: Probe<T>, opts: WaitOptions): Promise<T> {
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    const remaining = deadline - Date.now();
    const outcome = await withDeadline(Promise.resolve().then(probe), Math.max(remaining, 1));
    if (outcome.kind === 'value') {
      const v = outcome.value;
      if (v !== undefined && v !== null && v !== false) return v;
      last = `last result: ${String(v)}`;
    } else if (outcome.kind === 'error') {
      if (outcome.error instanceof GiveUpError) {
        throw new Error(`Gave up waiting for ${opts.what}: ${outcome.error.message}`);
      }
      last = `last error: ${errorText(outcome.error)}`;
    } else {
      last = 'last probe still running at the deadline';
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${opts.what} (${last})`);
    await sleep(Math.min(intervalMs, left));
  }
}

type Outcome<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

function withDeadline<T>(p: Promise<T>, ms: number): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// Ports

const handedOut = new Set<number>();

/**
 * A port on 127.0.0.1 that was free a moment ago. The OS picks it (bind to port 0); a port is
 * never handed out twice by this process, even after the probe socket released it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await bindEphemeral();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`No free port found on ${LOOPBACK}`);
}

function bindEphemeral(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('listen gave no port'))));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Registry of children and temp dirs

/** Set to 1 to keep temp dirs (configs, logs) after teardown for post-mortems. */
const KEEP_TMP = process.env.TS_SENTINEL_KEEP_TMP === '1';

/**
 * Runs beside us with our pids and dirs fed on stdin; when stdin closes, because we exited,
 * crashed, were killed or tore down, it SIGKILLs what is left and removes the dirs. Process
 * 'exit' and signal hooks cannot do this job: they miss SIGKILL and, inside jest, are registered
 * on a copy of `process` that never fires.
 */
const WATCHDOG_SOURCE = `
const fs = require('fs');
const pids = new Set();
const dirs = new Set();
let pending = '';
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => undefined);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\\n');
  pending = lines.pop();
  for (const line of lines) {
    const arg = line.slice(1);
    if (line[0] === '+') pids.add(Number(arg));
    else if (line[0] === '-') pids.delete(Number(arg));
    else if (line[0] === 'd') dirs.add(arg);
  }
});
process.stdin.on('end', () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
`;

export class ProcessRegistry {
  private readonly children = new Map<number, ChildProcess>();
  /** Processes we did not spawn (a daemon that went to the background), known by pid only. */
  private readonly adopted = new Set<number>();
  private readonly dirs = new Set<string>();
  private watchdog: ChildProcess | undefined;

  /** Keeps `child` until it exits; teardown, or our own death, SIGKILLs it by pid. */
  track(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.children.set(pid, child);
    this.tell(`+${pid}`);
    child.once('exit', () => {
      this.children.delete(pid);
      this.tell(`-${pid}`);
    });
  }

  /**
   * A process that is not our child, e.g. a sentinel that daemonized itself: SIGKILLed by pid at
   * teardown, or by the watchdog if we die first.
   */
  adopt(pid: number): void {
    this.adopted.add(pid);
    this.tell(`+${pid}`);
  }

  /** A fresh directory under the OS temp dir, removed at teardown. */
  makeTempDir(label: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ts-sentinel-${label}-`));
    this.dirs.add(dir);
    if (!KEEP_TMP) this.tell(`d${dir}`);
    return dir;
  }

  /** SIGKILLs every live child, waits for each to be reaped, then removes the temp dirs. */
  async teardown(): Promise<void> {
    const exits = [...this.children.values()].map((child) => {
      const exited = exitOf(child);
      killQuietly(child.pid, 'SIGKILL');
      return withDeadline(exited, 5000);
    });
    const strays = [...this.adopted].map(async (pid) => {
      killQuietly(pid, 'SIGKILL');
      // Not our child, so no 'exit' event: poll until the kernel has let go of it.
      await waitFor(() => pidGone(pid), {
        timeoutMs: 5000,
        intervalMs: 20,
        what: `pid ${pid} to exit`,
      }).catch(() => undefined);
    });
    await Promise.all([...exits, ...strays]);
    this.adopted.clear();
    for (const dir of this.dirs) {
      if (KEEP_TMP) process.stderr.write(`kept ${dir}\n`);
      else fs.rmSync(dir, { recursive: true, force: true });
    }
    this.dirs.clear();
    const watchdog = this.watchdog;
    this.watchdog = undefined;
    if (watchdog !== undefined) {
      const exited = exitOf(watchdog);
      watchdog.stdin?.end();
      await withDeadline(exited, 5000);
    }
  }

  private tell(line: string): void {
    if (this.watchdog === undefined) {
      const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      // Neither the watchdog nor its pipe may keep our event loop alive.
      watchdog.unref();
      if (watchdog.stdin instanceof net.Socket) watchdog.stdin.unref();
      // A watchdog that died must not take us down with EPIPE.
      watchdog.stdin?.on('error', () => undefined);
      this.watchdog = watchdog;
    }
    this.watchdog.stdin?.write(`${line}\n`);
  }
}

/** The registry used when a start function is not given one. */
export const registry = new ProcessRegistry();

function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: that is what we wanted.
  }
}

/** True when no process `pid` exists any more, or only its zombie awaits a reaper. */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // Field 3 of /proc/<pid>/stat, after the parenthesised command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

// ---------------------------------------------------------------------------------------------
// Managed processes

interface LaunchSpec {
  command: string;
  args: string[];
}

export type InstanceKind = 'redis' | 'sentinel';

/** A redis-server or sentinel process that can be faulted and restarted with the same arguments. */
export class Instance {
  private child: ChildProcess;

  constructor(
    readonly kind: InstanceKind,
    readonly port: number,
    readonly dir: string,
    /** redis.conf or sentinel.conf inside `dir`. */
    readonly confPath: string,
    /** stdout and stderr of every run, appended. */
    readonly logPath: string,
    /** requirepass of a redis-server, so probes and callers can AUTH. */
    readonly password: string | undefined,
    private readonly launch: LaunchSpec,
    private readonly reg: ProcessRegistry,
  ) {
    this.child = this.spawnChild();
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !hasExited(this.child);
  }

  /** How the current run ended: its exit code and signal (both null while it runs). */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } {
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  /** Resolves when it answers PING; rejects at once, with the log tail, if it exits first. */
  async ready(timeoutMs = 15000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.alive)
          throw new GiveUpError(`it exited (${this.exitText()}); log tail:\n${this.logTail()}`);
        return this.kind === 'sentinel' ? pingInline(this.port) : pingAuthed(this.port, this.password);
      },
      { timeoutMs, intervalMs: 50, what: `${this.kind} on port ${this.port} to answer PING` },
    );
  }

  /** kill -9, and wait until the OS reaped it so the port is free. */
  async kill9(): Promise<void> {
    await this.signalAndWait('SIGKILL', 5000);
  }

  sigstop(): void {
    killQuietly(this.child.pid, 'SIGSTOP');
  }

  sigcont(): void {
    killQuietly(this.child.pid, 'SIGCONT');
  }

  /**
   * Sends `signal` and waits for the exit; SIGKILL if it is still there after `timeoutMs`.
   * Resolves 'exited' when the signal sufficed, 'killed' when SIGKILL was needed.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10000): Promise<'exited' | 'killed'> {
    if ((await this.signalAndWait(signal, timeoutMs)) === 'exited') return 'exited';
    await this.kill9();
    return 'killed';
  }

  /** Starts it again with the same command line, port and directory (killing it first if alive). */
  async restart(timeoutMs = 15000): Promise<void> {
    if (this.alive) await this.kill9();
    this.child = this.spawnChild();
    await this.ready(timeoutMs);
  }

  /** The last `lines` lines of its output, for failure messages. */
  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Resolves when the current run exits. */
  exited(): Promise<void> {
    return exitOf(this.child);
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<'exited' | 'timeout'> {
    if (!this.alive) return 'exited';
    const exited = this.exited();
    killQuietly(this.child.pid, signal);
    // A stopped process only acts on SIGKILL; let it see the polite signal too.
    if (signal !== 'SIGKILL') killQuietly(this.child.pid, 'SIGCONT');
    const outcome = await withDeadline(exited, timeoutMs);
    return outcome.kind === 'timeout' ? 'timeout' : 'exited';
  }

  private exitText(): string {
    return this.child.signalCode !== null ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
  }

  private spawnChild(): ChildProcess {
    const fd = fs.openSync(this.logPath, 'a');
    try {
      const child = spawn(this.launch.command, this.launch.args, {
        cwd: this.dir,
        stdio: ['ignore', fd, fd],
      });
      // A missing binary surfaces as an exit with code -2; keep the reason in the log.
      child.once('error', (e) => fs.appendFileSync(this.logPath, `spawn error: ${e.message}\n`));
      this.reg.track(child);
      return child;
    } finally {
      fs.closeSync(fd);
    }
  }
}

async function pingAuthed(port: number, password: string | undefined): Promise<boolean> {
  const client = await RespClient.connect(port, 1000);
  try {
    if (password !== undefined) await client.call(['AUTH', password], 1000);
    const pong = await client.call(['PING'], 1000);
    return pong.type === 'simple' && pong.value === 'PONG';
  } finally {
    client.close();
  }
}

/** Inline PING, the way a health check with `redis-cli` or `nc` probes a sentinel. */
async function pingInline(port: number): Promise<boolean> {
  const client = await RespClient.connect(port, 1000);
  try {
    client.write('PING\r\n');
    const reply = (await client.read(1000)).value;
    // A sentinel with requirepass answers NOAUTH: it is up all the same.
    return (
      (reply.type === 'simple' && reply.value === 'PONG') ||
      (reply.type === 'error' && reply.value.startsWith('NOAUTH'))
    );
  } finally {
    client.close();
  }
}

/** Retries a start when the port we picked was taken in between by someone else. */
async function startWithPortRetry(
  explicitPort: number | undefined,
  start: (port: number) => Instance,
): Promise<Instance> {
  for (let attempt = 1; ; attempt++) {
    const instance = start(explicitPort ?? (await freePort()));
    try {
      await instance.ready();
      return instance;
    } catch (e) {
      const portTaken = /address already in use/i.test(instance.logTail());
      if (explicitPort !== undefined || !portTaken || attempt >= 3) throw e;
      await instance.kill9();
    }
  }
}

export interface RedisOptions {
  port?: number;
  /** Extra command-line arguments, after ours (so they win), e.g. ['--maxmemory', '10mb']. */
  args?: string[];
  /** Sets both requirepass and masterauth. */
  password?: string;
  /**
   * Port of a master on 127.0.0.1 to replicate. Written to redis.conf rather than the command
   * line, so that the CONFIG REWRITE a sentinel sends with SLAVEOF sticks across restarts.
   */
  replicaOf?: number;
  /** Working directory; a fresh temp dir when absent. */
  dir?: string;
  registry?: ProcessRegistry;
}

/** Starts redis-server on 127.0.0.1 without persistence and resolves once PING answers. */
export function startRedis(opts: RedisOptions = {}): Promise<Instance> {
  const reg = opts.registry ?? registry;
  return startWithPortRetry(opts.port, (port) => {
    const dir = opts.dir ?? reg.makeTempDir(`redis-${port}`);
    const confPath = path.join(dir, 'redis.conf');
    const conf = opts.replicaOf !== undefined ? `replicaof ${LOOPBACK} ${opts.replicaOf}\n` : '';
    fs.writeFileSync(confPath, conf);
    const args = [confPath, '--port', String(port), '--bind', LOOPBACK];
    args.push('--save', '', '--appendonly', 'no', '--dir', dir);
    if (opts.password !== undefined) args.push('--requirepass', opts.password, '--masterauth', opts.password);
    args.push(...(opts.args ?? []));
    const logPath = path.join(dir, 'redis.log');
    return new Instance(
      'redis',
      port,
      dir,
      confPath,
      logPath,
      opts.password,
      { command: 'redis-server', args },
      reg,
    );
  });
}

/**
 * The sentinel executable as argv: SENTINEL_BIN from the environment (split on spaces, e.g.
 * `redis-sentinel`), else our daemon `node <repo>/dist/cli.js`.
 */
export function sentinelBin(): string[] {
  const fromEnv = process.env.SENTINEL_BIN?.trim();
  if (fromEnv) return fromEnv.split(/\s+/);
  return [process.execPath, path.join(REPO_ROOT, 'dist', 'cli.js')];
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
  dir?: string;
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
  const [command, ...binArgs] = opts.bin ?? sentinelBin();
  if (command === undefined) throw new Error('startSentinel: empty sentinel command');
  const ourCli = binArgs[0];
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
    const launch = { command, args: [...binArgs, confPath, ...extraArgs] };
    return startWithPortRetry(fixedPort, (port) => {
      const logPath = path.join(dir, 'sentinel.log');
      return new Instance('sentinel', port, dir, confPath, logPath, undefined, launch, reg);
    });
  }
  return startWithPortRetry(fixedPort, (port) => {
    const dir = opts.dir ?? reg.makeTempDir(`sentinel-${port}`);
    const confPath = path.join(dir, 'sentinel.conf');
    const head = [
      ...(portInText === undefined ? [`port ${port}`] : []),
      ...(/^\s*bind\s/im.test(text) ? [] : [`bind ${LOOPBACK}`]),
    ];
    fs.writeFileSync(confPath, [...head, text].join('\n') + '\n');
    const logPath = path.join(dir, 'sentinel.log');
    const launch = { command, args: [...binArgs, confPath, ...extraArgs] };
    return new Instance('sentinel', port, dir, confPath, logPath, undefined, launch, reg);
  });
}

// ---------------------------------------------------------------------------------------------
// Raw RESP client

/** A reply exactly as typed on the wire; RESP2 and RESP3 nulls are kept apart. */
export type RespValue =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: string }
  | { type: 'verbatim'; format: string; value: string }
  | { type: 'double'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'bignum'; value: bigint }
  /** `$-1` */
  | { type: 'nullbulk' }
  /** `*-1` */
  | { type: 'nullarray' }
  /** RESP3 `_` */
  | { type: 'null' }
  | { type: 'array' | 'set' | 'push'; items: RespValue[] }
  | { type: 'map'; entries: [RespValue, RespValue][] };

export interface RawReply {
  /** The reply's exact bytes. */
  raw: Buffer;
  value: RespValue;
}

export class RespProtocolError extends Error {}

/**
 * Parses one reply starting at `start`. Returns undefined when `buf` does not hold all of it yet.
 * Bulk payloads are decoded as UTF-8; `raw` in RawReply keeps the bytes.
 */
export function parseReply(buf: Buffer, start = 0): { value: RespValue; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const prefix = String.fromCharCode(buf[start] ?? 0);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (prefix) {
    case '+':
      return { value: { type: 'simple', value: line }, end: next };
    case '-':
      return { value: { type: 'error', value: line }, end: next };
    case ':':
      return { value: { type: 'integer', value: BigInt(line) }, end: next };
    case '(':
      return { value: { type: 'bignum', value: BigInt(line) }, end: next };
    case ',':
      return { value: { type: 'double', value: parseDouble(line) }, end: next };
    case '#':
      return { value: { type: 'boolean', value: line === 't' }, end: next };
    case '_':
      return { value: { type: 'null' }, end: next };
    case '$':
    case '!':
    case '=': {
      const len = Number(line);
      if (len === -1 && prefix === '$') return { value: { type: 'nullbulk' }, end: next };
      if (!Number.isInteger(len) || len < 0) throw new RespProtocolError(`bad length ${line}`);
      if (buf.length < next + len + 2) return undefined;
      const body = buf.toString('utf8', next, next + len);
      const end = next + len + 2;
      if (prefix === '!') return { value: { type: 'error', value: body }, end };
      if (prefix === '=')
        return { value: { type: 'verbatim', format: body.slice(0, 3), value: body.slice(4) }, end };
      return { value: { type: 'bulk', value: body }, end };
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const count = Number(line);
      if (count === -1 && prefix === '*') return { value: { type: 'nullarray' }, end: next };
      if (!Number.isInteger(count) || count < 0) throw new RespProtocolError(`bad count ${line}`);
      const items: RespValue[] = [];
      let pos = next;
      for (let i = 0; i < (prefix === '%' ? count * 2 : count); i++) {
        const item = parseReply(buf, pos);
        if (item === undefined) return undefined;
        items.push(item.value);
        pos = item.end;
      }
      if (prefix === '%') return { value: { type: 'map', entries: pairUp(items) }, end: pos };
      const type = prefix === '*' ? 'array' : prefix === '~' ? 'set' : 'push';
      return { value: { type, items }, end: pos };
    }
    default:
      throw new RespProtocolError(`unsupported RESP type byte ${JSON.stringify(prefix)}`);
  }
}

function parseDouble(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  return Number(text);
}

function pairUp(items: RespValue[]): [RespValue, RespValue][] {
  const pairs: [RespValue, RespValue][] = [];
  for (let i = 0; i + 1 < items.length; i += 2)
    pairs.push([items[i] as RespValue, items[i + 1] as RespValue]);
  return pairs;
}

/** A command as a RESP multibulk. */
export function encodeCommand(args: readonly (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Waiter {
  resolve: (reply: RawReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One connection, no pipelining magic: write a command, read the next reply. Replies that arrive
 * with nobody reading (pub/sub messages) queue up until read.
 */
export class RespClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queued: RawReply[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, timeoutMs = 2000): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: LOOPBACK, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${LOOPBACK}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new RespClient(socket));
      });
    });
  }

  /** Raw bytes, e.g. an inline command or a deliberately broken frame. */
  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  send(args: readonly (string | number | Buffer)[]): void {
    this.write(encodeCommand(args));
  }

  /** The next reply; rejects after `timeoutMs` or when the connection fails. */
  read(timeoutMs = 5000): Promise<RawReply> {
    const ready = this.queued.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no reply within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  async call(args: readonly (string | number | Buffer)[], timeoutMs = 5000): Promise<RespValue> {
    return (await this.callRaw(args, timeoutMs)).value;
  }

  callRaw(args: readonly (string | number | Buffer)[], timeoutMs = 5000): Promise<RawReply> {
    this.send(args);
    return this.read(timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  /** True once the connection failed or was closed; reads then reject at once. */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let start = 0;
    try {
      for (;;) {
        const parsed = parseReply(this.buffer, start);
        if (parsed === undefined) break;
        this.deliver({ raw: Buffer.from(this.buffer.subarray(start, parsed.end)), value: parsed.value });
        start = parsed.end;
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.socket.destroy();
      return;
    }
    this.buffer = this.buffer.subarray(start);
  }

  private deliver(reply: RawReply): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queued.push(reply);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(reply);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(this.failure);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading replies

/** The text of a string-like reply (simple, bulk, verbatim, error, integer). */
export function text(v: RespValue): string {
  switch (v.type) {
    case 'simple':
    case 'bulk':
    case 'verbatim':
    case 'error':
      return v.value;
    case 'integer':
    case 'bignum':
      return v.value.toString();
    default:
      throw new Error(`expected a string reply, got ${describe(v)}`);
  }
}

/** The elements of an array, set or push reply. */
export function items(v: RespValue): RespValue[] {
  if (v.type === 'array' || v.type === 'set' || v.type === 'push') return v.items;
  throw new Error(`expected an array reply, got ${describe(v)}`);
}

/** Name/value pairs of a RESP3 map or of a RESP2 flat array of alternating names and values. */
export function entries(v: RespValue): [RespValue, RespValue][] {
  if (v.type === 'map') return v.entries;
  const list = items(v);
  if (list.length % 2 !== 0) throw new Error(`expected name/value pairs, got ${list.length} elements`);
  return pairUp(list);
}

/** A field map such as SENTINEL MASTER's, in either protocol, as name -> text. */
export function record(v: RespValue): Record<string, string> {
  return Object.fromEntries(entries(v).map(([k, val]) => [text(k), text(val)]));
}

/** Parses an INFO text into key -> value (section headers and blank lines dropped). */
export function parseInfo(info: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of info.split('\r\n')) {
    const colon = line.indexOf(':');
    if (line.startsWith('#') || colon < 0) continue;
    out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

function describe(v: RespValue): string {
  return v.type === 'error' ? `error "${v.value}"` : v.type;
}

/** Opens a connection, authenticates if asked, runs one command and closes. */
export async function command(
  port: number,
  args: readonly (string | number)[],
  opts: { password?: string; timeoutMs?: number } = {},
): Promise<RespValue> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const client = await RespClient.connect(port, timeoutMs);
  try {
    if (opts.password !== undefined) {
      const auth = await client.call(['AUTH', opts.password], timeoutMs);
      if (auth.type === 'error') throw new Error(`AUTH on port ${port}: ${auth.value}`);
    }
    return await client.call(args, timeoutMs);
  } finally {
    client.close();
  }
}
