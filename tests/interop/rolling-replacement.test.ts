/**
 * Rolling replacement of a live redis-sentinel quorum: master + 2 replicas watched by three
 * Debian redis-sentinel processes (quorum 2) while an ioredis client, which knows all three
 * sentinels, INCRs a counter every ~20 ms. One at a time, each redis-sentinel gets SIGTERM and
 * ts-sentinel (`node dist/cli.js`) starts on the same port from the very file redis-sentinel left
 * behind; it must come back into the quorum under the same id while the writes never fail. Then
 * the all-ts-sentinel quorum fails the master over after kill -9, and the client writes again on
 * the new master.
 */
import * as fs from 'node:fs';
import Redis from 'ioredis';
import {
  command,
  type Instance,
  items,
  monitorConf,
  OURS,
  parseInfo,
  record,
  REDIS,
  sleep,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
  waitReplicaOf,
  withLogTails,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';
const WRITE_INTERVAL_MS = 20;
/** How long one INFO replication probe may take. */
const INFO_TIMEOUT_MS = 2000;
/** How long the test waits for a write after kill -9 of the master before giving up. */
const RESUME_DEADLINE_MS = 20000;
/**
 * From kill -9 of the master to a write the client got through on the new master: down-after
 * (1 s), then ODOWN, election, promotion and the client's 100 ms reconnect must fit in 4 s more.
 * ts-sentinel takes ~1.3 s here.
 */
const RESUME_BOUND_MS = 5000;
/** Set to 1 to print the measured timings. */
const VERBOSE = process.env.TS_SENTINEL_VERBOSE === '1';

interface Attempt {
  /** When the INCR was sent. */
  sentAt: number;
  /** When the INCR settled. */
  at: number;
  ok: boolean;
  value?: number;
  error?: string;
}

/** INCRs one counter back to back (with a short pause) and records every outcome. */
class Writer {
  readonly attempts: Attempt[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: Redis,
    private readonly key: string,
  ) {
    this.loop = this.run();
  }

  /** Index of the next attempt, to look at "what happened since" later. */
  mark(): number {
    return this.attempts.length;
  }

  since(mark: number): Attempt[] {
    return this.attempts.slice(mark);
  }

  successesSince(mark: number): number {
    return this.since(mark).filter((a) => a.ok).length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const sentAt = Date.now();
      try {
        const value = await this.client.incr(this.key);
        this.attempts.push({ sentAt, at: Date.now(), ok: true, value });
      } catch (e) {
        this.attempts.push({
          sentAt,
          at: Date.now(),
          ok: false,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      // The workload's pace, not a wait for a condition.
      await sleep(WRITE_INTERVAL_MS);
    }
  }
}

/** SENTINEL SENTINELS as seen from `port`: one field map per peer. */
async function peersOf(port: number): Promise<Record<string, string>[]> {
  return items(await command(port, ['SENTINEL', 'SENTINELS', NAME])).map(record);
}

async function ckquorum(port: number): Promise<string> {
  const reply = await command(port, ['SENTINEL', 'CKQUORUM', NAME]);
  return reply.type === 'error' ? `error: ${reply.value}` : text(reply);
}

async function masterPortSeenBy(port: number): Promise<number> {
  const addr = items(await command(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME])).map(text);
  return Number(addr[1]);
}

/**
 * Why the quorum is not (yet) whole, or undefined when it is: every sentinel lists exactly the
 * two others, under the expected ids, flagged plain `sentinel`, and CKQUORUM says 3 usable. For
 * `fresh` (a sentinel started at `freshSince`), every other sentinel must have had a PING reply
 * and a hello from it since then, so the entry is not a leftover from the process it replaced.
 */
async function quorumProblem(
  sentinels: readonly Instance[],
  ids: readonly string[],
  fresh?: { index: number; since: number },
): Promise<string | undefined> {
  for (const [i, s] of sentinels.entries()) {
    const peers = await peersOf(s.port);
    const seen = peers.map((p) => `${p.port}/${p.runid}/${p.flags}`).sort();
    const expected = sentinels.flatMap((o, j) => (j === i ? [] : [`${o.port}/${ids[j]}/sentinel`])).sort();
    if (JSON.stringify(seen) !== JSON.stringify(expected))
      return `sentinel ${s.port} lists ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`;
    if (fresh !== undefined && i !== fresh.index) {
      const freshPort = String(sentinels[fresh.index]?.port);
      const entry = peers.find((p) => p.port === freshPort);
      const age = Date.now() - fresh.since;
      const ping = Number(entry?.['last-ok-ping-reply']);
      const hello = Number(entry?.['last-hello-message']);
      if (!(ping < age && hello < age))
        return `sentinel ${s.port} last heard of ${freshPort} ${ping} ms (PONG) / ${hello} ms (hello) ago, it restarted ${age} ms ago`;
    }
    const quorum = await ckquorum(s.port);
    if (!quorum.startsWith('OK 3 usable Sentinels')) return `CKQUORUM on ${s.port}: ${quorum}`;
  }
  return undefined;
}

async function waitForQuorum(
  sentinels: readonly Instance[],
  ids: readonly string[],
  what: string,
  fresh?: { index: number; since: number },
): Promise<number> {
  const started = Date.now();
  let problem: string | undefined = 'not checked yet';
  await waitFor(
    async () => {
      problem = await quorumProblem(sentinels, ids, fresh);
      return problem === undefined;
    },
    { timeoutMs: 20000, intervalMs: 200, what },
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last problem: ${problem}`);
  });
  return Date.now() - started;
}

/** No failure, steady progress and a counter that only went up since `mark`. */
function expectCleanWrites(writer: Writer, mark: number, minSuccesses: number): void {
  const attempts = writer.since(mark);
  expect(attempts.filter((a) => !a.ok)).toEqual([]);
  expect(attempts.length).toBeGreaterThanOrEqual(minSuccesses);
  const values = attempts.map((a) => a.value ?? 0);
  for (let k = 1; k < values.length; k++) expect(values[k]).toBe((values[k - 1] ?? 0) + 1);
}

describe('rolling replacement of three redis-sentinels by ts-sentinel under write load', () => {
  let master: Instance;
  let replicas: Instance[];
  const sentinels: Instance[] = [];
  let ids: string[] = [];
  let client: Redis;
  let writer: Writer;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    if (!fs.existsSync(OURS.bin[1] ?? '')) throw new Error('dist/cli.js is missing: run `npm run build`');
    ({ master, replicas } = await startMasterAndReplicas({
      replicas: 2,
      syncTimeoutMs: 10000,
      probeTimeoutMs: INFO_TIMEOUT_MS,
    }));
    const conf = monitorConf(NAME, master.port, 2, { downAfterMs: 1000, failoverTimeoutMs: 5000 });
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel({ conf, bin: REDIS.bin }));
  }, 30000);

  afterAll(async () => {
    await writer?.stop();
    client?.disconnect();
    if (VERBOSE) process.stdout.write(`rolling-replacement timings (ms): ${JSON.stringify(timings)}\n`);
  });

  test('three redis-sentinels form a quorum; the client writes through them', async () => {
    for (const s of sentinels) {
      const version = parseInfo(text(await command(s.port, ['INFO', 'server'])));
      expect(version.redis_mode).toBe('sentinel');
      expect(version.redis_version).toMatch(/^7\./);
    }
    ids = await Promise.all(sentinels.map(async (s) => text(await command(s.port, ['SENTINEL', 'MYID']))));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(new Set(ids).size).toBe(3);
    timings.initialQuorum = await waitForQuorum(sentinels, ids, 'the redis-sentinels to find each other');

    client = new Redis({
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: NAME,
      // A write either goes through now or counts as a failure: no queueing while disconnected.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      retryStrategy: () => 100,
    });
    // Connection errors are expected around the failover; the writer records each outcome.
    client.on('error', () => undefined);
    await waitFor(() => client.status === 'ready', { timeoutMs: 10000, what: 'ioredis to connect' });
    expect(parseInfo(await client.info('server')).tcp_port).toBe(String(master.port));

    writer = new Writer(client, 'rolling:counter');
    await waitFor(() => writer.successesSince(0) >= 10, { timeoutMs: 5000, what: 'the first 10 writes' });
    expectCleanWrites(writer, 0, 10);
  }, 40000);

  test.each([0, 1, 2])(
    'redis-sentinel #%i is replaced by ts-sentinel from its own file; the quorum and writes carry on',
    async (i) => {
      const old = sentinels[i];
      if (old === undefined) throw new Error(`no sentinel #${i}`);
      const mark = writer.mark();

      // The file redis-sentinel left behind: its id, and the peers and replicas it discovered.
      const left = fs.readFileSync(old.confPath, 'utf8');
      expect(left).toContain(`sentinel myid ${ids[i]}`);
      for (const [j, s] of sentinels.entries()) {
        if (j !== i) expect(left).toContain(`sentinel known-sentinel ${NAME} 127.0.0.1 ${s.port} ${ids[j]}`);
      }

      const stopAt = Date.now();
      expect(await old.stop('SIGTERM')).toBe('exited');
      const successor = await startSentinel({
        conf: { path: old.confPath, inPlace: true },
        bin: OURS.bin,
      });
      const since = Date.now();
      sentinels[i] = successor;
      expect(successor.port).toBe(old.port);
      expect(successor.confPath).toBe(old.confPath);

      expect(text(await command(successor.port, ['SENTINEL', 'MYID']))).toBe(ids[i]);
      expect(parseInfo(text(await command(successor.port, ['INFO', 'server']))).redis_mode).toBe('sentinel');
      expect(await masterPortSeenBy(successor.port)).toBe(master.port);

      timings[`rejoin${i}`] =
        (await waitForQuorum(sentinels, ids, `ts-sentinel #${i} to rejoin the quorum`, { index: i, since })) +
        (since - stopAt);

      // A client that knows only the newcomer finds the master through it.
      const probe = new Redis({
        sentinels: [{ host: '127.0.0.1', port: successor.port }],
        name: NAME,
        lazyConnect: true,
        retryStrategy: () => null,
        sentinelRetryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        expect(parseInfo(await probe.info('server')).tcp_port).toBe(String(master.port));
      } finally {
        probe.disconnect();
      }

      // Writes never stopped: wait for some more, then no failure anywhere in this step.
      const before = writer.successesSince(mark);
      await waitFor(() => writer.successesSince(mark) >= before + 10, {
        timeoutMs: 5000,
        what: '10 more writes after the replacement',
      });
      expectCleanWrites(writer, mark, 20);
      for (const s of sentinels) expect(await ckquorum(s.port)).toMatch(/^OK 3 usable Sentinels/);
    },
    45000,
  );

  test('kill -9 of the master: the three ts-sentinels fail over and the client writes on the new master', async () => {
    // Every sentinel now is ts-sentinel, each from a file redis-sentinel wrote: the process we
    // started answers on each port (process_id), and it runs our CLI (executable; redis-sentinel
    // reports its own binary there).
    const ourCli = OURS.bin[1];
    for (const s of sentinels) {
      const info = parseInfo(text(await command(s.port, ['INFO', 'server'])));
      expect({ port: s.port, executable: info.executable, process_id: info.process_id }).toEqual({
        port: s.port,
        executable: ourCli,
        process_id: String(s.pid),
      });
    }
    expect(sentinels.map((s) => s.alive)).toEqual([true, true, true]);

    const mark = writer.mark();
    const killAt = Date.now();
    await master.kill9();
    // The INCR in flight at the kill may still be answered by the old master; only one sent
    // after it was reaped shows the client writing on the new one.
    const deadAt = Date.now();

    const newPort = await withLogTails(
      sentinels,
      waitFor(
        async () => {
          const seen = await Promise.all(sentinels.map((s) => masterPortSeenBy(s.port)));
          const first = seen[0];
          return first !== master.port && seen.every((p) => p === first) ? first : undefined;
        },
        { timeoutMs: 30000, intervalMs: 50, what: 'all three sentinels to agree on a new master' },
      ),
    );
    timings.agreed = Date.now() - killAt;
    const promoted = replicas.find((r) => r.port === newPort);
    const follower = replicas.find((r) => r.port !== newPort);
    if (promoted === undefined || follower === undefined)
      throw new Error(`new master ${newPort} is not one of the replicas`);

    const [role] = items(await command(promoted.port, ['ROLE']));
    expect(role).toEqual({ type: 'bulk', value: 'master' });
    await waitReplicaOf(follower, promoted.port, 15000, INFO_TIMEOUT_MS);
    await waitFor(
      async () => {
        const views = await Promise.all(
          sentinels.map(async (s) => record(await command(s.port, ['SENTINEL', 'MASTER', NAME]))),
        );
        return views.every((v) => v.flags === 'master' && v['config-epoch'] === views[0]?.['config-epoch']);
      },
      { timeoutMs: 15000, what: 'the three sentinels to share the new config epoch' },
    );

    // Each ts-sentinel recorded the switch in the file it inherited from redis-sentinel.
    for (const s of sentinels) {
      await waitFor(
        () =>
          fs
            .readFileSync(s.confPath, 'utf8')
            .includes(`sentinel monitor ${NAME} 127.0.0.1 ${promoted.port} 2\n`),
        { timeoutMs: 5000, what: `${s.confPath} to name the new master` },
      );
    }

    const resumed = await waitFor(() => writer.since(mark).find((a) => a.ok && a.sentAt >= deadAt), {
      timeoutMs: Math.max(RESUME_DEADLINE_MS - (Date.now() - killAt), 1),
      what: 'the client to write again after the failover',
    });
    timings.resumed = resumed.at - killAt;
    expect(timings.resumed).toBeLessThan(RESUME_BOUND_MS);

    // It writes on the new master, steadily.
    const after = writer.mark();
    await waitFor(() => writer.successesSince(after) >= 20, {
      timeoutMs: 5000,
      what: '20 writes after resuming',
    });
    expectCleanWrites(writer, after, 20);
    expect(parseInfo(await client.info('server')).tcp_port).toBe(String(promoted.port));
    const onMaster = Number(text(await command(promoted.port, ['GET', 'rolling:counter'])));
    expect(onMaster).toBeGreaterThanOrEqual(writer.attempts.at(-1)?.value ?? Infinity);

    // Failures only inside the failover window: after the kill, before the first write that resumed.
    const failures = writer.since(mark).filter((a) => !a.ok);
    timings.failedWrites = failures.length;
    for (const f of failures) {
      expect(f.at).toBeGreaterThanOrEqual(killAt);
      expect(f.at).toBeLessThanOrEqual(resumed.at);
    }
    // And before the kill, nothing ever failed.
    expect(writer.attempts.slice(0, mark).filter((a) => !a.ok)).toEqual([]);
  }, 60000);
});
