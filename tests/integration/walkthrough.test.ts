/**
 * The walk-through of the seed tutorial (seeds/000): one master and two replicas with
 * requirepass/masterauth 123, one sentinel with quorum 1; kill -9 the master, watch the failover
 * from redis-cli, a raw subscriber and ioredis, bring the old master back as a replica, and
 * restart the sentinel from the config file it rewrote. Runs against SENTINEL_BIN.
 */
import * as fs from 'node:fs';
import Redis from 'ioredis';
import {
  command,
  EventFeed,
  healthyReplicas,
  type Instance,
  items,
  parseInfo,
  record,
  redisCli,
  replication,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
} from '../helpers/devkit';

teardownAfterAll();

const PASSWORD = '123';
const NAME = 'mymaster';

async function sentinelReplicaPorts(sentinelPort: number): Promise<number[]> {
  const reply = await command(sentinelPort, ['SENTINEL', 'REPLICAS', NAME]);
  return items(reply)
    .map((r) => Number(record(r).port))
    .sort((a, b) => a - b);
}

describe('sentinel walk-through: failover of a password-protected master', () => {
  let master: Instance;
  let replicas: Instance[];
  let sentinel: Instance;
  let subscription: EventFeed;
  let client: Redis;
  let promoted: Instance;
  let follower: Instance;
  let myid: string;
  let configEpoch: number;

  beforeAll(async () => {
    ({ master, replicas } = await startMasterAndReplicas({
      replicas: 2,
      password: PASSWORD,
      syncTimeoutMs: 10000,
    }));
    sentinel = await startSentinel({
      conf: [
        `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 1`,
        `sentinel auth-pass ${NAME} ${PASSWORD}`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 10000`,
      ].join('\n'),
    });
  }, 30000);

  afterAll(async () => {
    client?.disconnect();
    await subscription?.close();
  });

  test('SENTINEL REPLICAS lists both replicas, linked and in sync', async () => {
    const expected = replicas.map((r) => r.port).sort((a, b) => a - b);
    await waitFor(async () => (await healthyReplicas(sentinel, NAME)).length === 2, {
      timeoutMs: 15000,
      what: 'the sentinel to list two healthy replicas',
    });
    expect(await sentinelReplicaPorts(sentinel.port)).toEqual(expected);
    const masterView = record(await command(sentinel.port, ['SENTINEL', 'MASTER', NAME]));
    expect(masterView).toMatchObject({
      name: NAME,
      ip: '127.0.0.1',
      port: String(master.port),
      flags: 'master',
    });
    expect(masterView['num-slaves']).toBe('2');
  }, 20000);

  test('ioredis finds the master through the sentinel and writes', async () => {
    client = new Redis({
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      name: NAME,
      password: PASSWORD,
    });
    // Connection errors are expected while the master is down; the assertions check the outcome.
    client.on('error', () => undefined);
    await client.set('walkthrough', 'before');
    expect(text(await command(master.port, ['GET', 'walkthrough'], { password: PASSWORD }))).toBe('before');
  }, 15000);

  test('kill -9 of the master: a replica is promoted, the other follows, +switch-master is published', async () => {
    subscription = await EventFeed.open(sentinel.port, { channels: ['+switch-master', '+convert-to-slave'] });

    await master.kill9();
    const payload = await subscription.next('+switch-master', 40000);

    const match = /^mymaster 127\.0\.0\.1 (\d+) 127\.0\.0\.1 (\d+)$/.exec(payload);
    expect(match?.[1]).toBe(String(master.port));
    const newPort = Number(match?.[2]);
    const chosen = replicas.find((r) => r.port === newPort);
    const other = replicas.find((r) => r.port !== newPort);
    if (chosen === undefined || other === undefined)
      throw new Error(`promoted port ${newPort} is not a replica`);
    promoted = chosen;
    follower = other;

    const [role] = items(await command(promoted.port, ['ROLE'], { password: PASSWORD }));
    expect(role).toEqual({ type: 'bulk', value: 'master' });
    await waitFor(
      async () => {
        const repl = await replication(follower.port, { password: PASSWORD });
        return repl.role === 'slave' && repl.master_port === String(promoted.port);
      },
      { timeoutMs: 15000, what: `replica ${follower.port} to follow ${promoted.port}` },
    );
    const addr = (await redisCli(sentinel.port, ['SENTINEL', 'get-master-addr-by-name', NAME])).trim();
    expect(addr.split('\n')).toEqual(['127.0.0.1', String(promoted.port)]);
  }, 50000);

  test('the same ioredis client writes again, through the new master', async () => {
    await waitFor(async () => (await client.set('walkthrough', 'after')) === 'OK', {
      timeoutMs: 20000,
      what: 'ioredis to write after the failover',
    });
    expect(parseInfo(await client.info('server')).tcp_port).toBe(String(promoted.port));
    expect(text(await command(promoted.port, ['GET', 'walkthrough'], { password: PASSWORD }))).toBe('after');
  }, 25000);

  test('the old master, restarted with its old config, is converted to a replica of the new one', async () => {
    await master.restart();
    expect((await replication(master.port, { password: PASSWORD })).role).toBe('master');

    const payload = await subscription.next('+convert-to-slave', 40000);
    expect(payload).toBe(
      `slave 127.0.0.1:${master.port} 127.0.0.1 ${master.port} @ ${NAME} 127.0.0.1 ${promoted.port}`,
    );
    await waitFor(
      async () => {
        const repl = await replication(master.port, { password: PASSWORD });
        return repl.role === 'slave' && repl.master_port === String(promoted.port);
      },
      { timeoutMs: 10000, what: `old master ${master.port} to replicate ${promoted.port}` },
    );
    // The SLAVEOF transaction includes CONFIG REWRITE, so its redis.conf now says where it belongs.
    expect(fs.readFileSync(master.confPath, 'utf8')).toMatch(
      new RegExp(`^replicaof 127\\.0\\.0\\.1 ${promoted.port}$`, 'm'),
    );
  }, 50000);

  test('the config file records the new master, both replicas and a config epoch', async () => {
    const lines = await waitFor(
      () => {
        const conf = fs.readFileSync(sentinel.confPath, 'utf8').split('\n');
        const known = conf.filter((l) => l.startsWith(`sentinel known-replica ${NAME} `));
        return known.length === 2 ? conf : undefined;
      },
      { timeoutMs: 10000, what: 'two known-replica lines in sentinel.conf' },
    );
    expect(lines).toContain(`sentinel monitor ${NAME} 127.0.0.1 ${promoted.port} 1`);
    expect(lines.filter((l) => l.startsWith(`sentinel known-replica ${NAME} `)).sort()).toEqual(
      [master, follower].map((r) => `sentinel known-replica ${NAME} 127.0.0.1 ${r.port}`).sort(),
    );
    const epochLine = lines.find((l) => l.startsWith(`sentinel config-epoch ${NAME} `));
    configEpoch = Number(epochLine?.split(' ')[3]);
    expect(configEpoch).toBeGreaterThan(0);
    const idLine = lines.find((l) => l.startsWith('sentinel myid '));
    myid = idLine?.split(' ')[2] ?? '';
    expect(myid).toMatch(/^[0-9a-f]{40}$/);
  }, 15000);

  test('restarted from its file after SIGTERM, the sentinel knows the same id, master, replicas and epoch', async () => {
    await subscription.close();
    expect(await sentinel.stop('SIGTERM')).toBe('exited');
    await sentinel.restart();

    expect(text(await command(sentinel.port, ['SENTINEL', 'MYID']))).toBe(myid);
    const addr = items(await command(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME])).map(text);
    expect(addr).toEqual(['127.0.0.1', String(promoted.port)]);
    expect(await sentinelReplicaPorts(sentinel.port)).toEqual(
      [master.port, follower.port].sort((a, b) => a - b),
    );
    const masterView = record(await command(sentinel.port, ['SENTINEL', 'MASTER', NAME]));
    expect(masterView['config-epoch']).toBe(String(configEpoch));
  }, 30000);
});
