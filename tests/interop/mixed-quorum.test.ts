/**
 * Mixed quorums: Debian's redis-sentinel and ours (SENTINEL_BIN, by default dist/cli.js) watch
 * one master and two replicas together, quorum 2, as (i) two redis-sentinel + one ts-sentinel
 * and (ii) one redis-sentinel + two ts-sentinels. In each:
 *   - every sentinel lists the other two, with their run IDs, in SENTINEL SENTINELS;
 *   - a failover led by a ts-sentinel, then (after the old master rejoined as a replica) one led
 *     by a redis-sentinel, each through a real election.
 * Choosing the leader: a sentinel starts a failover only once it sees ODOWN, i.e. SDOWN confirmed
 * by `quorum` sentinels including itself. With three sentinels, quorum 3 would not stop anybody
 * (all three see the dead master), so the others get quorum 4, which three sentinels can never
 * reach; they still answer IS-MASTER-DOWN-BY-ADDR and vote when the chosen one asks, and the
 * chosen one (quorum 2) needs a majority of 2 of the 3 to win.
 */
import * as fs from 'node:fs';
import {
  agreement,
  command,
  healthyReplicas,
  type Instance,
  items,
  masterView,
  monitorConf,
  NO_SYNC_DELAY,
  record,
  REDIS,
  roleOf,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
  waitReplicaOf,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 6000;

type Kind = 'redis-sentinel' | 'ts-sentinel';

interface Member {
  kind: Kind;
  instance: Instance;
  id: string;
}

/** The log of one sentinel from a mark on: its lines and the events in them. */
class LogWindow {
  private readonly start: number;

  constructor(private readonly instance: Instance) {
    this.start = this.all().length;
  }

  /** Payloads of the `type` events logged since the mark (`<pid>:X <date> <c> <type> <payload>`). */
  events(type: string): string[] {
    const out: string[] = [];
    for (const line of this.lines()) {
      const m = /^\d+:X \d+ \w+ \d+ [\d:.]+ [#*\-.] (\S+) ?(.*)$/.exec(line);
      if (m?.[1] === type) out.push(m[2] ?? '');
    }
    return out;
  }

  /**
   * Epochs in which it announced +elected-leader since the mark: each election follows the
   * `+new-epoch <e>` and `+try-failover` that opened the attempt (protocol §6.2).
   */
  electedEpochs(): number[] {
    let current = 0;
    let attempt = 0;
    const out: number[] = [];
    for (const line of this.lines()) {
      const m = / [#*\-.] (\+new-epoch|\+try-failover|\+elected-leader) ?(.*)$/.exec(line);
      if (m?.[1] === '+new-epoch') current = Number(m[2]);
      else if (m?.[1] === '+try-failover') attempt = current;
      else if (m?.[1] === '+elected-leader') out.push(attempt);
    }
    return out;
  }

  private lines(): string[] {
    return this.all().slice(this.start);
  }

  private all(): string[] {
    return fs.readFileSync(this.instance.logPath, 'utf8').split('\n');
  }
}

const MIXES: [string, Kind[]][] = [
  ['two redis-sentinel + one ts-sentinel', ['redis-sentinel', 'redis-sentinel', 'ts-sentinel']],
  ['one redis-sentinel + two ts-sentinels', ['redis-sentinel', 'ts-sentinel', 'ts-sentinel']],
];

describe.each(MIXES)('mixed quorum: %s', (_label, kinds) => {
  let master: Instance;
  let replicas: Instance[];
  let members: Member[] = [];
  /** The Redis instance the sentinels agree is the master, and the config epoch of that. */
  let current: { master: Instance; epoch: number };

  beforeAll(async () => {
    ({ master, replicas } = await startMasterAndReplicas({
      replicas: 2,
      args: NO_SYNC_DELAY,
      syncTimeoutMs: 15000,
    }));
    current = { master, epoch: 0 };
    const conf = monitorConf(NAME, master.port, 2, {
      downAfterMs: DOWN_AFTER_MS,
      failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
    });
    const instances = await Promise.all(
      kinds.map((kind) => startSentinel({ conf, bin: kind === 'redis-sentinel' ? REDIS.bin : undefined })),
    );
    members = await Promise.all(
      instances.map(async (instance, i) => ({
        kind: kinds[i] as Kind,
        instance,
        id: text(await command(instance.port, ['SENTINEL', 'MYID'])),
      })),
    );
  }, 60000);

  afterAll(async () => {
    for (const instance of [...members.map((m) => m.instance), master, ...replicas]) await instance?.kill9();
  });

  test('every sentinel lists the other two, with the right run IDs, and both replicas', async () => {
    for (const [i, me] of members.entries()) {
      const peers = members
        .filter((_, j) => j !== i)
        .map((p) => ({ runid: p.id, ip: '127.0.0.1', port: String(p.instance.port), flags: 'sentinel' }))
        .sort((a, b) => a.runid.localeCompare(b.runid));
      const listed = await waitFor(
        async () => {
          const known = items(await command(me.instance.port, ['SENTINEL', 'SENTINELS', NAME]))
            .map(record)
            .map((p) => ({ runid: p.runid ?? '', ip: p.ip ?? '', port: p.port ?? '', flags: p.flags ?? '' }))
            .sort((a, b) => a.runid.localeCompare(b.runid));
          return known.length === 2 && known.every((p) => p.flags === 'sentinel') ? known : undefined;
        },
        { timeoutMs: 20000, what: `${me.kind} ${me.instance.port} to list two healthy peers` },
      );
      expect(listed).toEqual(peers);
      await waitFor(async () => (await healthyReplicas(me.instance, NAME)).length === 2, {
        timeoutMs: 15000,
        what: `${me.kind} ${me.instance.port} to list both replicas as healthy`,
      });
    }
  }, 45000);

  /**
   * Makes `leaderIndex` the only sentinel able to reach ODOWN, kills the master, and checks the
   * election and its outcome. Resolves with the promoted instance.
   */
  async function failoverLedBy(leaderIndex: number): Promise<Instance> {
    const leader = members[leaderIndex];
    if (leader === undefined) throw new Error(`no sentinel ${leaderIndex}`);
    for (const [i, m] of members.entries()) {
      const quorum = i === leaderIndex ? '2' : '4';
      expect(await command(m.instance.port, ['SENTINEL', 'SET', NAME, 'quorum', quorum])).toEqual({
        type: 'simple',
        value: 'OK',
      });
      expect(record(await command(m.instance.port, ['SENTINEL', 'MASTER', NAME])).quorum).toBe(quorum);
    }
    const logs = members.map((m) => new LogWindow(m.instance));
    const old = current;
    await old.master.kill9();
    const killedAt = Date.now();

    const agreed = await agreement(
      members.map((m) => m.instance),
      NAME,
      old.master.port,
      40000,
    );
    const elapsedMs = Date.now() - killedAt;
    const promoted =
      replicas.find((r) => r.port === agreed.port) ?? (agreed.port === master.port ? master : undefined);
    if (promoted === undefined) throw new Error(`agreed master ${agreed.port} is none of ours`);
    expect(agreed.epoch).toBeGreaterThan(old.epoch);

    // The chosen sentinel, and only it, tried and won, in the epoch that became the config epoch.
    expect(logs.map((l) => l.electedEpochs())).toEqual(
      members.map((_, i) => (i === leaderIndex ? [agreed.epoch] : [])),
    );
    expect(logs.map((l) => l.events('+try-failover').length)).toEqual(
      members.map((_, i) => (i === leaderIndex ? 1 : 0)),
    );
    // Both others voted for it in that epoch, and learnt the result from a hello (the leader's,
    // or the other follower's if that one was quicker), once.
    const updatedFrom: string[] = [];
    for (const [i, log] of logs.entries()) {
      if (i === leaderIndex) continue;
      expect(log.events('+vote-for-leader')).toEqual([`${leader.id} ${agreed.epoch}`]);
      const updates = log.events('+config-update-from');
      expect(updates).toHaveLength(1);
      const from = members.find((m) =>
        updates[0]?.startsWith(
          `sentinel ${m.id} 127.0.0.1 ${m.instance.port} @ ${NAME} 127.0.0.1 ${old.master.port}`,
        ),
      );
      expect(from).toBeDefined();
      expect(from).not.toBe(members[i]);
      updatedFrom.push(from?.id ?? '');
    }
    expect(updatedFrom).toContain(leader.id);
    for (const log of logs)
      expect(log.events('+switch-master')).toEqual([
        `${NAME} 127.0.0.1 ${old.master.port} 127.0.0.1 ${promoted.port}`,
      ]);

    // Redis agrees: the promoted one is a master and every other live instance replicates it.
    expect(await roleOf(promoted.port)).toBe('master');
    for (const r of [master, ...replicas]) {
      if (r === promoted || r === old.master) continue;
      await waitReplicaOf(r, promoted.port, 20000);
    }
    process.stdout.write(
      `${kinds.join('+')}: ${leader.kind} led epoch ${agreed.epoch}; all agreed ${elapsedMs} ms after kill -9\n`,
    );
    current = { master: promoted, epoch: agreed.epoch };
    return promoted;
  }

  test('failover led by a ts-sentinel', async () => {
    await failoverLedBy(kinds.indexOf('ts-sentinel'));
  }, 70000);

  test('the killed master, restarted, rejoins as a replica of the new one', async () => {
    await master.restart();
    await waitReplicaOf(master, current.master.port, 45000);
    const expected = [master, ...replicas]
      .filter((r) => r !== current.master)
      .map((r) => r.port)
      .sort((a, b) => a - b);
    for (const m of members) {
      await waitFor(
        async () => JSON.stringify(await healthyReplicas(m.instance, NAME)) === JSON.stringify(expected),
        {
          timeoutMs: 20000,
          what: `${m.kind} ${m.instance.port} to list ${expected.join(', ')} as healthy replicas`,
        },
      );
      expect(await masterView(m.instance, NAME)).toEqual({
        port: current.master.port,
        epoch: current.epoch,
        flags: 'master',
      });
    }
  }, 70000);

  test('failover led by a redis-sentinel', async () => {
    await failoverLedBy(kinds.indexOf('redis-sentinel'));
  }, 70000);
});
