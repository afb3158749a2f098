/**
 * A network lab for real partitions: a few Linux network namespaces, each with one address in a
 * private /24 and a veth link to one bridge. The bridge lives in a hub namespace of its own, so
 * no lab traffic ever touches the host's network. Cutting a namespace off sets its link down on
 * the hub side: the namespace keeps its address and its loopback, so the processes inside still
 * reach each other (and their own address), but nothing else.
 *
 * The test process stays in the host namespace. It reaches a process of the lab through a door:
 * a loopback port on the host with the process's own port number, joined (via a Unix socket, a
 * file, which every namespace can reach) to an agent inside the namespace (netns-agent.js) that
 * connects to the namespace's address. So every devkit probe that takes a port works unchanged,
 * and keeps working across a cut. Needs root and iproute2; netnsAvailable() says whether.
 */
import { execFile, spawnSync, type ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Instance } from './instance';
import { freePort, LOOPBACK } from './ports';
import { deleteNetns, exitOf, killQuietly, registry, type ProcessRegistry } from './processes';
import { startRedis, type RedisOptions } from './redis';
import { record, text } from './resp';
import { command } from './resp-client';
import { startSentinel, type SentinelOptions } from './sentinels';
import { errorText, waitFor, withDeadline } from './wait';

const AGENT = path.join(__dirname, 'netns-agent.js');

/** Every lab namespace is named `tss-<suffix>-<label>`, so a stray one says whose it is. */
const PREFIX = 'tss';
/** The bridge's side of a namespace's link is `v-<label>`: interface names have 15 bytes at most. */
const LABEL = /^[a-z][a-z0-9]{0,7}$/;

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs `ip <words>` (no word has a space) and returns its stdout; throws with its stderr when it fails. */
function ip(words: string): string {
  const args = words.split(' ');
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`ip ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`ip ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Installs iproute2 with apt-get when `ip` is missing and we are root, the way
 * scripts/ensure-redis.js installs Redis; throws, saying how, when it cannot.
 */
function ensureIp(): void {
  if (onPath('ip')) return;
  if (!onPath('apt-get')) throw new Error('`ip` (iproute2) is missing and apt-get is not here to install it');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'iproute2']]) {
    const result = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.status})`);
  }
  if (!onPath('ip')) throw new Error('apt-get installed iproute2 but `ip` is still not on PATH');
}

export type NetnsProbe = { available: true } | { available: false; why: string };

let probed: NetnsProbe | undefined;

/**
 * Whether labs can be built here: we are root and can add a namespace with a bridge and a veth
 * link in it. Installs iproute2 first if it is missing (throws if that fails: a missing tool is
 * not a reason to skip). Probed once per process.
 */
export function netnsAvailable(): NetnsProbe {
  if (probed !== undefined) return probed;
  if (process.getuid?.() !== 0) return (probed = { available: false, why: 'network namespaces need root' });
  ensureIp();
  const name = `${PREFIX}-${crypto.randomBytes(3).toString('hex')}-probe`;
  try {
    ip(`netns add ${name}`);
    ip(`-n ${name} link add br0 type bridge`);
    ip(`-n ${name} link add v-probe type veth peer name eth0`);
    probed = { available: true };
  } catch (e) {
    probed = { available: false, why: errorText(e) };
  } finally {
    deleteNetns(name);
  }
  return probed;
}

/** One namespace of a lab. */
export interface LabNamespace {
  /** What the lab calls it, e.g. `a`. */
  label: string;
  /** Its name for `ip netns`, e.g. `tss-3f9a1c-a`. */
  name: string;
  /** Its address on the lab's bridge, e.g. `10.213.57.2`. */
  address: string;
}

/** A host-side door: a loopback listener whose connections are joined to one port in a namespace. */
interface Door {
  server: net.Server;
  sockets: Set<net.Socket>;
}

export class Lab {
  private readonly doors = new Map<number, Door>();
  /** Which namespace each door's port leads into. */
  private readonly portHomes = new Map<number, LabNamespace>();
  private readonly agents = new Map<string, ChildProcess>();
  private tornDown = false;

  private constructor(
    readonly hub: string,
    private readonly spaces: ReadonlyMap<string, LabNamespace>,
    private readonly socketDir: string,
    private readonly reg: ProcessRegistry,
  ) {}

  /**
   * Builds a lab of one namespace per label (`a`, `b`...), all linked to the hub's bridge, each
   * with an agent ready for doors. What exists when a step fails is deleted before the error is
   * rethrown; the registry deletes the namespaces at its teardown too, or its watchdog if we die.
   */
  static async create(labels: readonly string[], opts: { registry?: ProcessRegistry } = {}): Promise<Lab> {
    const reg = opts.registry ?? registry;
    for (const label of labels)
      if (!LABEL.test(label) || label === 'hub') throw new Error(`lab label ${JSON.stringify(label)}`);
    if (new Set(labels).size !== labels.length) throw new Error('lab labels must be distinct');
    if (labels.length > 250) throw new Error('a lab has one /24: 250 namespaces at most');
    const suffix = crypto.randomBytes(3).toString('hex');
    // A random /24 in 10.213.0.0/16: the lab is sealed off anyway, this only keeps two labs'
    // addresses apart in logs.
    const subnet = `10.213.${crypto.randomInt(256)}`;
    const hub = `${PREFIX}-${suffix}-hub`;
    const spaces = new Map(
      labels.map((label, i) => [
        label,
        { label, name: `${PREFIX}-${suffix}-${label}`, address: `${subnet}.${i + 2}` },
      ]),
    );
    const lab = new Lab(hub, spaces, reg.makeTempDir(`lab-${suffix}`), reg);
    try {
      reg.ownNetns(hub);
      ip(`netns add ${hub}`);
      ip(`-n ${hub} link set lo up`);
      ip(`-n ${hub} link add br0 type bridge`);
      ip(`-n ${hub} link set br0 up`);
      for (const ns of spaces.values()) {
        reg.ownNetns(ns.name);
        ip(`netns add ${ns.name}`);
        ip(`-n ${hub} link add v-${ns.label} type veth peer name eth0 netns ${ns.name}`);
        ip(`-n ${hub} link set v-${ns.label} master br0 up`);
        ip(`-n ${ns.name} link set lo up`);
        ip(`-n ${ns.name} addr add ${ns.address}/24 dev eth0`);
        ip(`-n ${ns.name} link set eth0 up`);
      }
      for (const ns of spaces.values()) lab.startAgent(ns);
      await Promise.all([...spaces.values()].map((ns) => lab.agentReady(ns)));
    } catch (e) {
      await lab.teardown();
      throw e;
    }
    return lab;
  }

  /** The namespace called `label`. */
  ns(label: string): LabNamespace {
    const ns = this.spaces.get(label);
    if (ns === undefined) throw new Error(`no namespace ${label} in this lab`);
    return ns;
  }

  get namespaces(): LabNamespace[] {
    return [...this.spaces.values()];
  }

  /** The argv prefix that runs a command inside namespace `label`: `ip netns exec <name>`. */
  wrapper(label: string): string[] {
    return ['ip', 'netns', 'exec', this.ns(label).name];
  }

  /** Runs `argv` inside namespace `label`; resolves with stdout, rejects on failure or after `timeoutMs`. */
  exec(label: string, argv: readonly string[], timeoutMs = 10000): Promise<string> {
    const [cmd, ...args] = [...this.wrapper(label), ...argv] as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const child = execFile(cmd, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
        if (error) reject(new Error(`in ${label}: ${argv.join(' ')}: ${error.message} ${stderr}`));
        else resolve(stdout);
      });
      this.reg.track(child);
    });
  }

  /** Whether a TCP connection from inside `label` to `address`:`port` opens within `timeoutMs`. */
  async connects(label: string, address: string, port: number, timeoutMs = 1000): Promise<boolean> {
    const probe =
      `const s = require('net').connect(${port}, ${JSON.stringify(address)}, () => process.exit(0));` +
      `s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), ${timeoutMs});`;
    return this.exec(label, [process.execPath, '-e', probe], timeoutMs + 5000).then(
      () => true,
      () => false,
    );
  }

  /**
   * Cuts namespace `label` off from all the others: its link goes down on the bridge's side.
   * Inside it, its processes still reach each other, on loopback and on its own address.
   */
  cut(label: string): void {
    ip(`-n ${this.hub} link set v-${this.ns(label).label} down`);
  }

  /** Undoes cut(label). */
  heal(label: string): void {
    ip(`-n ${this.hub} link set v-${this.ns(label).label} up`);
  }

  /**
   * A free port that 127.0.0.1:<port> on the host leads to <address of label>:<port>. Whatever
   * listens there later is reachable with every devkit probe that takes a port.
   */
  async door(label: string): Promise<number> {
    const ns = this.ns(label);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await this.openDoor(ns, port);
        return port;
      } catch (e) {
        // Taken by another process since freePort() saw it free.
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 3) throw e;
      }
    }
  }

  /** The namespace a door's port leads into. */
  homeOf(port: number): LabNamespace {
    const ns = this.portHomes.get(port);
    if (ns === undefined) throw new Error(`port ${port} is not a door of this lab`);
    return ns;
  }

  /** `<address>:<port>` of an instance the lab started. */
  addressOf(instance: Instance): string {
    return `${this.homeOf(instance.port).address}:${instance.port}`;
  }

  /**
   * redis-server inside `label`, listening on the namespace's address (protected mode off: its
   * clients come from other addresses), reachable from here on 127.0.0.1 at the same port.
   * `replicaOf` another instance of the lab replicates that one, at its lab address.
   */
  async startRedis(
    label: string,
    opts: Omit<RedisOptions, 'port' | 'bind' | 'wrapper' | 'replicaOf' | 'registry'> & {
      replicaOf?: Instance;
    } = {},
  ): Promise<Instance> {
    const port = await this.door(label);
    const master = opts.replicaOf;
    return startRedis({
      ...opts,
      port,
      bind: this.ns(label).address,
      args: ['--protected-mode', 'no', ...(opts.args ?? [])],
      replicaOf:
        master !== undefined ? { host: this.homeOf(master.port).address, port: master.port } : undefined,
      wrapper: this.wrapper(label),
      registry: this.reg,
    });
  }

  /**
   * A sentinel inside `label`, bound to and announcing the namespace's address, reachable from
   * here on 127.0.0.1 at the same port. `conf` is sentinel.conf text without port or bind.
   */
  async startSentinel(
    label: string,
    opts: Omit<SentinelOptions, 'port' | 'wrapper' | 'conf' | 'registry'> & { conf: string },
  ): Promise<Instance> {
    const port = await this.door(label);
    const { address } = this.ns(label);
    return startSentinel({
      ...opts,
      conf: [`bind ${address}`, `sentinel announce-ip ${address}`, opts.conf].join('\n'),
      port,
      wrapper: this.wrapper(label),
      registry: this.reg,
    });
  }

  /**
   * Closes the doors, kills the agents and deletes the namespaces. Safe to call again, and after
   * a failed create(). Processes started in the lab are the registry's to kill.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    for (const door of this.doors.values()) {
      for (const socket of door.sockets) socket.destroy();
      door.server.close();
    }
    this.doors.clear();
    await Promise.all(
      [...this.agents.values()].map(async (agent) => {
        const exited = exitOf(agent);
        killQuietly(agent.pid, 'SIGKILL');
        await withDeadline(exited, 5000);
      }),
    );
    for (const ns of this.spaces.values()) deleteNetns(ns.name);
    deleteNetns(this.hub);
  }

  private socketOf(ns: LabNamespace): string {
    return path.join(this.socketDir, `${ns.label}.sock`);
  }

  private startAgent(ns: LabNamespace): void {
    const log = fs.openSync(path.join(this.socketDir, `${ns.label}-agent.log`), 'a');
    try {
      const agent = spawn(
        'ip',
        ['netns', 'exec', ns.name, process.execPath, AGENT, this.socketOf(ns), ns.address],
        {
          stdio: ['ignore', log, log],
        },
      );
      this.reg.track(agent);
      this.agents.set(ns.label, agent);
    } finally {
      fs.closeSync(log);
    }
  }

  private async agentReady(ns: LabNamespace): Promise<void> {
    const socketPath = this.socketOf(ns);
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect(socketPath, () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      {
        timeoutMs: 10000,
        intervalMs: 50,
        what: `the agent of namespace ${ns.name} to listen on ${socketPath}`,
      },
    );
  }

  private openDoor(ns: LabNamespace, port: number): Promise<void> {
    const socketPath = this.socketOf(ns);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const inside = net.connect(socketPath);
      inside.write(`${port}\n`);
      client.setNoDelay(true);
      client.pipe(inside);
      inside.pipe(client);
      sockets.add(client).add(inside);
      const end = (): void => {
        client.destroy();
        inside.destroy();
        sockets.delete(client);
        sockets.delete(inside);
      };
      for (const socket of [client, inside]) {
        socket.on('error', end);
        socket.on('close', end);
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
        server.removeListener('error', reject);
        this.doors.set(port, { server, sockets });
        this.portHomes.set(port, ns);
        resolve();
      });
    });
  }
}

/** What one sentinel says of master `name`: its `<host>:<port>`, its config epoch and its flags. */
export interface AddressView {
  address: string;
  epoch: number;
  flags: string;
}

/** GET-MASTER-ADDR-BY-NAME of the sentinel at `port` as `<host>:<port>`, undefined for a null reply. */
export async function masterAddressOf(
  port: number,
  name: string,
  timeoutMs?: number,
): Promise<string | undefined> {
  const reply = await command(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name], { timeoutMs });
  if (reply.type !== 'array') return undefined;
  return reply.items.map(text).join(':');
}

/** The address (any host, unlike masterView), config epoch and flags `sentinel` gives master `name`. */
export async function addressView(sentinel: Instance, name: string): Promise<AddressView> {
  const address = await masterAddressOf(sentinel.port, name, 2000);
  if (address === undefined) throw new Error(`sentinel ${sentinel.port} has no address for ${name}`);
  const master = record(await command(sentinel.port, ['SENTINEL', 'MASTER', name], { timeoutMs: 2000 }));
  return { address, epoch: Number(master['config-epoch']), flags: master.flags ?? '' };
}

/**
 * Resolves when every given sentinel names the same master for `name`, other than `notAddress`
 * when given, with the same config epoch, and none has a failover in progress (flags `master`).
 */
export async function addressAgreement(
  sentinels: readonly Instance[],
  name: string,
  opts: { notAddress?: string; timeoutMs: number },
): Promise<AddressView> {
  let last: AddressView[] = [];
  try {
    return await waitFor(
      async () => {
        last = await Promise.all(sentinels.map((s) => addressView(s, name)));
        const [first] = last;
        if (first === undefined || first.address === opts.notAddress) return undefined;
        const same = last.every(
          (v) => v.address === first.address && v.epoch === first.epoch && v.flags === 'master',
        );
        return same ? first : undefined;
      },
      { timeoutMs: opts.timeoutMs, intervalMs: 200, what: `sentinels to agree on the master of ${name}` },
    );
  } catch (err) {
    throw new Error(`${errorText(err)}; last views ${JSON.stringify(last)}`);
  }
}
