/**
 * Hostnames and NAT (§13), with the one name that resolves here, `localhost`, and a TCP
 * forwarder standing in for a port-mapping NAT. Each scenario runs with our daemon and, where it
 * is a statement about redis-sentinel 7.0's behaviour, with Debian's redis-sentinel as well, so
 * the assertions are shown to describe the original.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  BOTH,
  command,
  EventFeed,
  freePort,
  type Instance,
  items,
  OURS,
  record,
  registry,
  replication,
  startMasterAndReplicas,
  startRedis,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'm';
// BOTH names both binaries explicitly, whatever SENTINEL_BIN says: the point is to compare them.

async function sentinelView(port: number, sub: 'MASTER' | 'REPLICAS' | 'SENTINELS') {
  const reply = await command(port, ['SENTINEL', sub, NAME]);
  return sub === 'MASTER' ? [record(reply)] : items(reply).map(record);
}

async function masterAddr(port: number): Promise<string[]> {
  return items(await command(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME])).map(text);
}

/** Non-comment lines of a sentinel's config file starting with `prefix`. */
function configLines(sentinel: Instance, prefix: string): string[] {
  return fs
    .readFileSync(sentinel.confPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(prefix));
}

/**
 * A port-mapping NAT in miniature: accepts on its own port and pipes every connection to
 * `target`. Can be shut (listener closed, live connections cut) and opened again on its port.
 */
class Forwarder {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  static async start(target: number): Promise<Forwarder> {
    const forwarder = new Forwarder(await freePort(), target);
    await forwarder.open();
    return forwarder;
  }

  open(): Promise<void> {
    const server = net.createServer((inbound) => {
      this.accepted++;
      const outbound = net.createConnection({ host: '127.0.0.1', port: this.target });
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        // Either side failing ends the pair, as a NAT entry would.
        socket.on('error', () => undefined);
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port }, () => resolve());
    });
  }

  shut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

const forwarders: Forwarder[] = [];
afterAll(async () => {
  await Promise.all(forwarders.map((f) => f.shut()));
});

describe.each(BOTH)('resolve-hostnames yes + announce-hostnames yes with $label', ({ bin }) => {
  let master: Instance;
  let replicas: Instance[];
  let sentinels: Instance[];

  beforeAll(async () => {
    // Every Redis announces `localhost`, so the master lists its replicas by that name.
    ({ master, replicas } = await startMasterAndReplicas({
      replicas: 2,
      args: ['--replica-announce-ip', 'localhost'],
    }));
    await waitFor(async () => (await replication(master.port)).connected_slaves === '2', {
      timeoutMs: 10000,
      what: 'both replicas to connect to the master',
    });
    const conf = [
      'sentinel resolve-hostnames yes',
      'sentinel announce-hostnames yes',
      `sentinel monitor ${NAME} localhost ${master.port} 2`,
      `sentinel down-after-milliseconds ${NAME} 1000`,
      `sentinel failover-timeout ${NAME} 10000`,
    ].join('\n');
    sentinels = await Promise.all([0, 1, 2].map(() => startSentinel({ conf, bin })));
  }, 30000);

  test('the master is named by its hostname in SENTINEL MASTER and GET-MASTER-ADDR-BY-NAME', async () => {
    for (const s of sentinels) {
      const [view] = await sentinelView(s.port, 'MASTER');
      expect(view).toMatchObject({ name: NAME, ip: 'localhost', port: String(master.port) });
      expect(await masterAddr(s.port)).toEqual(['localhost', String(master.port)]);
    }
  });

  test('replicas are discovered as localhost:<port>, and the sentinels find each other', async () => {
    const expected = replicas.map((r) => `localhost:${r.port}`).sort();
    for (const s of sentinels) {
      await waitFor(
        async () => {
          const names = (await sentinelView(s.port, 'REPLICAS')).map((r) => r.name).sort();
          const peers = await sentinelView(s.port, 'SENTINELS');
          return JSON.stringify(names) === JSON.stringify(expected) && peers.length === 2;
        },
        { timeoutMs: 15000, what: `sentinel ${s.port} to list both replicas and both peers` },
      );
      for (const r of await sentinelView(s.port, 'REPLICAS')) expect(r.ip).toBe('localhost');
    }
    // The discovery was flushed with the hostname, the way it is announced.
    for (const r of replicas) {
      await waitFor(
        () =>
          configLines(sentinels[0] as Instance, `sentinel known-replica ${NAME} localhost ${r.port}`)
            .length === 1,
        {
          timeoutMs: 5000,
          what: `known-replica localhost ${r.port} in the config`,
        },
      );
    }
  }, 40000);

  test('a failover announces hostnames, reconfigures by hostname and keeps them in the config', async () => {
    const [first] = sentinels as [Instance, ...Instance[]];
    const sub = await EventFeed.open(first.port, { channels: ['+switch-master'] });
    try {
      await master.kill9();
      const payload = await sub.next('+switch-master', 45000);
      const match = new RegExp(`^${NAME} localhost ${master.port} localhost (\\d+)$`).exec(payload);
      expect(match).not.toBeNull();
      const promoted = replicas.find((r) => r.port === Number(match?.[1]));
      const other = replicas.find((r) => r !== promoted);
      if (promoted === undefined || other === undefined)
        throw new Error(`unexpected switch-master ${payload}`);

      expect((await replication(promoted.port)).role).toBe('master');
      // The replicas were started with `replicaof 127.0.0.1`: a `localhost` now can only come
      // from the SLAVEOF the sentinels sent.
      await waitFor(
        async () => {
          const info = await replication(other.port);
          return info.master_host === 'localhost' && info.master_port === String(promoted.port);
        },
        { timeoutMs: 20000, what: `replica ${other.port} to follow localhost:${promoted.port}` },
      );
      for (const s of sentinels) {
        await waitFor(async () => (await masterAddr(s.port)).join(' ') === `localhost ${promoted.port}`, {
          timeoutMs: 15000,
          what: `sentinel ${s.port} to name localhost ${promoted.port} as the master`,
        });
        await waitFor(
          () =>
            configLines(s, `sentinel monitor ${NAME} `)[0] ===
            `sentinel monitor ${NAME} localhost ${promoted.port} 2`,
          { timeoutMs: 5000, what: `sentinel ${s.port} to flush the new monitor line` },
        );
        const known = configLines(s, `sentinel known-replica ${NAME} `).sort();
        expect(known).toEqual(
          [master.port, other.port].map((p) => `sentinel known-replica ${NAME} localhost ${p}`).sort(),
        );
      }
    } finally {
      await sub.close();
    }
  }, 60000);
});

describe.each(BOTH)('resolve-hostnames no (the default) with $label', ({ label, bin }) => {
  test('a monitor line with a hostname is refused at load time', () => {
    const dir = registry.makeTempDir('hostname-load');
    const conf = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(conf, `port ${26379}\nsentinel monitor ${NAME} localhost 6379 2\n`);
    const [cmd, ...args] = bin;
    const result = spawnSync(cmd as string, [...args, conf], { cwd: dir, encoding: 'utf8', timeout: 10000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      '\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n' +
        'Reading the configuration file, at line 2\n' +
        `>>> 'sentinel monitor ${NAME} localhost 6379 2'\n` +
        "Can't resolve instance hostname.\n",
    );
  });

  test('SENTINEL MONITOR with a hostname is refused until CONFIG SET resolve-hostnames yes', async () => {
    const master = await startRedis();
    const sentinel = await startSentinel({ conf: '', bin });
    expect(await command(sentinel.port, ['SENTINEL', 'MONITOR', NAME, 'localhost', master.port, 2])).toEqual({
      type: 'error',
      value: 'ERR Invalid IP address or hostname specified',
    });
    expect(items(await command(sentinel.port, ['SENTINEL', 'MASTERS']))).toEqual([]);
    await command(sentinel.port, ['SENTINEL', 'CONFIG', 'SET', 'resolve-hostnames', 'yes']);
    expect(await command(sentinel.port, ['SENTINEL', 'MONITOR', NAME, 'localhost', master.port, 2])).toEqual({
      type: 'simple',
      value: 'OK',
    });
    // Resolved, but announced as the IP while announce-hostnames is no.
    const [view] = await sentinelView(sentinel.port, 'MASTER');
    expect(view).toMatchObject({ ip: '127.0.0.1', port: String(master.port) });
    expect(configLines(sentinel, `sentinel monitor ${NAME} `)).toEqual([
      `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 2`,
    ]);
  }, 20000);

  test(`a replica announcing a hostname is never discovered (${label})`, async () => {
    const master = await startRedis();
    const named = await startRedis({ replicaOf: master.port, args: ['--replica-announce-ip', 'localhost'] });
    const plain = await startRedis({ replicaOf: master.port });
    await waitFor(async () => (await replication(master.port)).connected_slaves === '2', {
      timeoutMs: 10000,
      what: 'both replicas to connect',
    });
    const sentinel = await startSentinel({
      conf: `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 1`,
      bin,
    });
    // Both come from the same INFO reply: once the plain one is listed, the named one was skipped.
    await waitFor(async () => (await sentinelView(sentinel.port, 'REPLICAS')).length > 0, {
      timeoutMs: 15000,
      what: 'the first replica to be discovered',
    });
    const listed = (await sentinelView(sentinel.port, 'REPLICAS')).map((r) => r.name);
    expect(listed).toEqual([`127.0.0.1:${plain.port}`]);
    expect(listed).not.toContain(`localhost:${named.port}`);
    await waitFor(() => sentinel.logTail(200).includes("Failed to resolve hostname 'localhost'"), {
      timeoutMs: 5000,
      what: 'the resolution failure to be logged',
    });
  }, 30000);
});

describe.each(BOTH)('announce-port behind a port-mapping forwarder, seen by a $label peer', ({ bin }) => {
  let master: Instance;
  let natted: Instance;
  let peer: Instance;
  let natId: string;
  let nat: Forwarder;

  async function peerViewOfNatted(): Promise<Record<string, string> | undefined> {
    return (await sentinelView(peer.port, 'SENTINELS')).find((s) => s.runid === natId);
  }

  beforeAll(async () => {
    master = await startRedis();
    const common = [
      `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 2`,
      `sentinel down-after-milliseconds ${NAME} 1000`,
    ];
    // The NATted sentinel listens on one port and tells its peers another, the forwarder's.
    const listenPort = await freePort();
    nat = await Forwarder.start(listenPort);
    forwarders.push(nat);
    natted = await startSentinel({
      conf: [`port ${listenPort}`, `sentinel announce-port ${nat.port}`, ...common].join('\n'),
      port: listenPort,
      bin: OURS.bin,
    });
    natId = text(await command(natted.port, ['SENTINEL', 'MYID']));
    peer = await startSentinel({ conf: common.join('\n'), bin });
  }, 30000);

  test('the peer records the announced port and reaches the sentinel through the forwarder', async () => {
    await waitFor(
      async () => {
        const view = await peerViewOfNatted();
        return view?.flags === 'sentinel' && Number(view['last-ok-ping-reply']) < 1000;
      },
      { timeoutMs: 15000, what: 'the peer to see the NATted sentinel healthy' },
    );
    expect(await peerViewOfNatted()).toMatchObject({ ip: '127.0.0.1', port: String(nat.port) });
    expect(nat.accepted).toBeGreaterThan(0);
    await waitFor(
      () => configLines(peer, `sentinel known-sentinel ${NAME} 127.0.0.1 ${nat.port} ${natId}`).length === 1,
      {
        timeoutMs: 5000,
        what: 'the peer to flush the announced address',
      },
    );
  }, 20000);

  test('with the forwarder shut the peer finds the sentinel down, and up again once it reopens', async () => {
    await nat.shut();
    await waitFor(async () => (await peerViewOfNatted())?.flags?.split(',').includes('s_down'), {
      timeoutMs: 10000,
      what: 'the peer to flag the unreachable sentinel s_down',
    });
    await nat.open();
    await waitFor(async () => (await peerViewOfNatted())?.flags === 'sentinel', {
      timeoutMs: 10000,
      what: 'the peer to see it healthy again',
    });
  }, 25000);

  test('SENTINEL CONFIG SET announce-port moves the peer to the new port (+sentinel-address-switch)', async () => {
    const moved = await Forwarder.start(natted.port);
    forwarders.push(moved);
    const sub = await EventFeed.open(peer.port, { channels: ['+sentinel-address-switch'] });
    try {
      expect(await command(natted.port, ['SENTINEL', 'CONFIG', 'SET', 'announce-port', moved.port])).toEqual({
        type: 'simple',
        value: 'OK',
      });
      expect(configLines(natted, 'sentinel announce-port')).toEqual([`sentinel announce-port ${moved.port}`]);
      const payload = await sub.next('+sentinel-address-switch', 10000);
      expect(payload).toBe(
        `master ${NAME} 127.0.0.1 ${master.port} ip 127.0.0.1 port ${moved.port} for ${natId}`,
      );
      await waitFor(
        async () => {
          const view = await peerViewOfNatted();
          return view?.port === String(moved.port) && view.flags === 'sentinel';
        },
        { timeoutMs: 10000, what: 'the peer to use the new port' },
      );
      expect((await sentinelView(peer.port, 'SENTINELS')).length).toBe(1);
      expect(moved.accepted).toBeGreaterThan(0);
      await waitFor(
        () =>
          configLines(peer, `sentinel known-sentinel ${NAME} 127.0.0.1 ${moved.port} ${natId}`).length === 1,
        {
          timeoutMs: 5000,
          what: 'the peer to flush the new address',
        },
      );
    } finally {
      await sub.close();
    }
  }, 25000);
});
