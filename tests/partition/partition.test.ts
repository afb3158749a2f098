/**
 * Real network partitions (issue 8, item 6), in a lab of Linux network namespaces A, B and C on
 * one bridge (devkit/netns.ts): the master and sentinel 1 in A, a replica and sentinel 2 in B, a
 * replica and sentinel 3 in C; quorum 2.
 *   lab. The cut itself: a cut namespace reaches nobody and nobody reaches it, its processes
 *        still reach their own address, the test still reaches them; the heal undoes it.
 *   a.   A (master and sentinel 1) cut off for several seconds, a writer beside the master in A:
 *        B and C fail over, sentinel 1 does not; after the heal one master, agreed by all three,
 *        the old one its replica, and nobody ever pointed an instance back at the old master.
 *        The acknowledged writes that the old master took and the new one never got are
 *        counted and printed.
 *   b.   B (a replica and sentinel 2) cut off: sentinel 2 alone sees the master down, which is no
 *        quorum; no failover at all, and after the heal all three agree on the same master.
 *   c.   As a, with ts-sentinel's --fence-minority: sentinel 1 pauses the old master's writes, so
 *        the writer beside it loses about down-after worth instead of the whole cut; after the
 *        heal one master and no pause left; then a namespace holding only a replica and a
 *        sentinel is cut off, and nothing is paused.
 * Network namespaces need root: without it the file is skipped with a warning (CI runs as root).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import {
  EventFeed,
  type Instance,
  Lab,
  NO_SYNC_DELAY,
  OURS,
  Writer,
  addressAgreement,
  addressView,
  command,
  discoveryProblem,
  items,
  masterAddressOf,
  monitorConf,
  netnsAvailable,
  record,
  roleOf,
  sleep,
  teardownAfterAll,
  text,
  waitFor,
  waitReplicaOf,
} from '../helpers/devkit';

teardownAfterAll();

const netns = netnsAvailable();
if (!netns.available) console.warn(`tests/partition skipped: ${netns.why} (CI runs them as root)`);
const inLab = netns.available ? describe : describe.skip;

const NAME = 'mymaster';
const TIMING = { downAfterMs: 1500, failoverTimeoutMs: 4000 };
/** How long a namespace stays cut off, at least. */
const CUT_MS = 6000;

inLab('lab. a cut and a heal', () => {
  let lab: Lab | undefined;
  afterAll(() => lab?.teardown());

  test('a cut namespace is cut off from the others, not from itself or from the test', async () => {
    lab = await Lab.create(['a', 'b', 'c']);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((label) => lab!.startRedis(label)));
    if (a === undefined || b === undefined || c === undefined) throw new Error('three servers');
    const [addrA, addrB, addrC] = [a, b, c].map((r) => lab!.homeOf(r.port).address);
    // `ip netns exec` execs: the pid we track (and kill) is redis-server's own.
    expect(fs.readFileSync(`/proc/${a.pid}/comm`, 'utf8').trim()).toBe('redis-server');
    expect(await lab.connects('a', addrB!, b.port)).toBe(true);

    lab.cut('a');
    expect(await lab.connects('a', addrB!, b.port)).toBe(false);
    expect(await lab.connects('b', addrA!, a.port)).toBe(false);
    expect(await lab.connects('a', addrA!, a.port)).toBe(true);
    expect(await lab.connects('b', addrC!, c.port)).toBe(true);
    expect(text(await command(a.port, ['PING']))).toBe('PONG');

    lab.heal('a');
    await waitFor(() => lab!.connects('a', addrB!, b.port), { timeoutMs: 10000, what: 'A to reach B again' });
    expect(await lab.connects('b', addrA!, a.port)).toBe(true);

    const names = lab.namespaces.map((ns) => ns.name).concat(lab.hub);
    for (const r of [a, b, c]) await r.kill9();
    await lab.teardown();
    await lab.teardown();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const name of names) expect(left).not.toContain(name);
  }, 60000);
});

interface Deployment {
  lab: Lab;
  master: Instance;
  /** In B and C. */
  replicas: [Instance, Instance];
  /** In A, B and C. */
  sentinels: [Instance, Instance, Instance];
  feeds: EventFeed[];
}

async function deploy(opts: { sentinelArgs?: string[]; timing?: typeof TIMING } = {}): Promise<Deployment> {
  const lab = await Lab.create(['a', 'b', 'c']);
  const master = await lab.startRedis('a', { args: NO_SYNC_DELAY });
  const [b, c] = await Promise.all(
    ['b', 'c'].map((label) => lab.startRedis(label, { args: NO_SYNC_DELAY, replicaOf: master })),
  );
  if (b === undefined || c === undefined) throw new Error('two replicas');
  for (const replica of [b, c]) await waitReplicaOf(replica, master.port, 15000);
  const conf = monitorConf(NAME, master.port, 2, opts.timing ?? TIMING, lab.ns('a').address);
  const sentinelOpts = opts.sentinelArgs ? { conf, bin: OURS.bin, args: opts.sentinelArgs } : { conf };
  const [s1, s2, s3] = await Promise.all(
    ['a', 'b', 'c'].map((label) => lab.startSentinel(label, sentinelOpts)),
  );
  if (s1 === undefined || s2 === undefined || s3 === undefined) throw new Error('three sentinels');
  for (const s of [s1, s2, s3]) {
    await waitFor(
      async () => ((await discoveryProblem(s.port, NAME, { replicas: 2, peers: 2 })) ? undefined : true),
      { timeoutMs: 30000, what: `sentinel ${lab.addressOf(s)} to see the whole deployment` },
    );
  }
  const feeds = await Promise.all([s1, s2, s3].map((s) => EventFeed.open(s.port)));
  return { lab, master, replicas: [b, c], sentinels: [s1, s2, s3], feeds };
}

async function undeploy(d: Deployment | undefined): Promise<void> {
  if (d === undefined) return;
  for (const feed of d.feeds) await feed.close();
  for (const instance of [...d.sentinels, d.master, ...d.replicas]) await instance.kill9();
  await d.lab.teardown();
}

/** Payloads of the events on `channel` that one sentinel published. */
function eventsOf(feed: EventFeed, channel: string): string[] {
  return feed.seen.filter((e) => e.channel === channel).map((e) => e.payload);
}

/** A deployment for the tests of one describe block, built before them and torn down after. */
function deployedForBlock(opts?: Parameters<typeof deploy>[0]): () => Deployment {
  let d: Deployment | undefined;
  beforeAll(async () => {
    d = await deploy(opts);
  }, 60000);
  afterAll(() => undeploy(d));
  return () => {
    if (d === undefined) throw new Error('no deployment');
    return d;
  };
}

/** A writer beside the master, in its namespace, once it has 200 writes acknowledged. */
async function writerBesideMaster({ lab, master }: Deployment): Promise<Writer> {
  const home = lab.homeOf(master.port).label;
  const writer = Writer.start({
    host: lab.ns(home).address,
    port: master.port,
    wrapper: lab.wrapper(home),
    pauseMs: 2,
  });
  await writer.waitAcked(200, 10000);
  return writer;
}

inLab('a. the master and one sentinel cut off from the majority', () => {
  const deployment = deployedForBlock();

  test('the majority fails over, the minority does not; after the heal one master, agreed by all', async () => {
    const d = deployment();
    const { lab, master, replicas, sentinels, feeds } = d;
    const [s1, s2, s3] = sentinels;
    const oldAddress = lab.addressOf(master);
    const writer = await writerBesideMaster(d);

    lab.cut('a');
    const cutAt = Date.now();
    const majority = await addressAgreement([s2, s3], NAME, { notAddress: oldAddress, timeoutMs: 30000 });
    const failoverMs = Date.now() - cutAt;
    const promoted = replicas.find((r) => lab.addressOf(r) === majority.address);
    const other = replicas.find((r) => r !== promoted);
    if (promoted === undefined || other === undefined)
      throw new Error(`the majority agreed on ${majority.address}, not a replica in B or C`);
    expect(await roleOf(promoted.port)).toBe('master');
    // Meanwhile, on the other side: sentinel 1 still names the old master, which is still one.
    expect(await masterAddressOf(s1.port, NAME)).toBe(oldAddress);
    expect(await roleOf(master.port)).toBe('master');

    await sleep(Math.max(0, CUT_MS - (Date.now() - cutAt)));
    const ackedInCut = writer.acked.filter((w) => w.at > cutAt).length;
    lab.heal('a');
    const healedAt = Date.now();
    const cutMs = healedAt - cutAt;

    const agreed = await addressAgreement(sentinels, NAME, { timeoutMs: 30000 });
    expect(agreed).toEqual(majority);
    await waitReplicaOf(master, promoted.port, 30000);
    await waitReplicaOf(other, promoted.port, 30000);
    const roles = await Promise.all([master, ...replicas].map((r) => roleOf(r.port)));
    expect(roles.filter((r) => r === 'master')).toHaveLength(1);
    // The old master, now a replica, refuses the writer.
    const demoted = await waitFor(() => writer.refused.find((w) => w.detail?.startsWith('READONLY')), {
      timeoutMs: 10000,
      what: 'the writer to be refused with READONLY by the demoted master',
    });
    await writer.stop();

    // One leader, in B or C; sentinel 1 never saw its master down, never tried a failover.
    expect(feeds.flatMap((f) => eventsOf(f, '+elected-leader'))).toHaveLength(1);
    for (const channel of ['+try-failover', '+elected-leader', '+odown'])
      expect(eventsOf(feeds[0]!, channel)).toEqual([]);
    expect(eventsOf(feeds[0]!, '+sdown').filter((p) => p.startsWith('master '))).toEqual([]);
    // Nobody pointed an instance back at the old master, not even the sentinel that knew it as
    // the master until their hellos came through after the heal.
    const towardOld = `@ ${NAME} ${oldAddress.replace(':', ' ')}`;
    for (const channel of ['+fix-slave-config', '+convert-to-slave'])
      expect(feeds.flatMap((f) => eventsOf(f, channel)).filter((p) => p.endsWith(towardOld))).toEqual([]);
    // It learnt the new master from a peer once the heal let their hellos through.
    expect(eventsOf(feeds[0]!, '+switch-master')).toEqual([
      `${NAME} ${oldAddress.replace(':', ' ')} ${majority.address.replace(':', ' ')}`,
    ]);

    const present = new Set(items(await command(promoted.port, ['KEYS', `${writer.prefix}:*`])).map(text));
    const lost = writer.acked.filter((w) => !present.has(writer.key(w.n)));
    const lostInCut = lost.filter((w) => w.at > cutAt && w.at <= healedAt).length;
    console.log(
      `partition: master cut off ${(cutMs / 1000).toFixed(1)} s, ${lost.length} acknowledged writes lost ` +
        `(${lostInCut} during the cut, ${lost.length - lostInCut} others until the old master refused ` +
        `writes ${((demoted.at - healedAt) / 1000).toFixed(1)} s after the heal; ` +
        `${writer.acked.length} acknowledged in all; the majority agreed on a new master ` +
        `${failoverMs} ms after the cut)`,
    );
    // The writer kept writing to the old master through the cut, and every such write is lost:
    // the new master was cut off from it. What was acknowledged well before the cut was not.
    expect(ackedInCut).toBeGreaterThan(0);
    const ackedAfterCut = writer.acked.filter((w) => w.at > cutAt + 200);
    expect(ackedAfterCut.filter((w) => present.has(writer.key(w.n)))).toEqual([]);
    expect(lost.filter((w) => w.at < cutAt - 1000)).toEqual([]);
  }, 120000);
});

inLab('b. one sentinel cut off with a replica', () => {
  const deployment = deployedForBlock();

  test('no quorum, no failover: the master stays, and after the heal all three agree on it', async () => {
    const d = deployment();
    const { lab, master, replicas, sentinels, feeds } = d;
    const [s1, s2, s3] = sentinels;
    const before = await addressView(s1, NAME);
    expect(before.address).toBe(lab.addressOf(master));

    lab.cut('b');
    const cutAt = Date.now();
    // Sentinel 2 sees the master down by itself: the cut is real from where it stands.
    await waitFor(
      async () =>
        record(await command(s2.port, ['SENTINEL', 'MASTER', NAME]))
          .flags?.split(',')
          .includes('s_down'),
      { timeoutMs: 15000, what: 'sentinel 2 to flag the master s_down' },
    );
    await sleep(Math.max(0, CUT_MS - (Date.now() - cutAt)));
    // The majority side still has its master, healthy.
    for (const s of [s1, s3]) expect(await addressView(s, NAME)).toEqual(before);
    expect(await roleOf(master.port)).toBe('master');
    lab.heal('b');

    expect(await addressAgreement(sentinels, NAME, { timeoutMs: 30000 })).toEqual(before);
    await waitReplicaOf(replicas[0], master.port, 30000);
    for (const channel of ['+odown', '+try-failover', '+elected-leader', '+switch-master'])
      expect(feeds.flatMap((f) => eventsOf(f, channel))).toEqual([]);
    expect(eventsOf(feeds[1]!, '+sdown').filter((p) => p.startsWith('master '))).toHaveLength(1);
    const roles = await Promise.all([master, ...replicas].map((r) => roleOf(r.port)));
    expect(roles).toEqual(['master', 'slave', 'slave']);
  }, 120000);
});

inLab('c. the cut of a, with --fence-minority', () => {
  const timing = { downAfterMs: 3000, failoverTimeoutMs: 6000 };
  const deployment = deployedForBlock({ sentinelArgs: ['--fence-minority'], timing });

  test('the cut-off master stops acknowledging writes after about down-after; nothing else is paused', async () => {
    const d = deployment();
    const { lab, master, replicas, sentinels, feeds } = d;
    const oldAddress = lab.addressOf(master);
    const writer = await writerBesideMaster(d);

    lab.cut('a');
    const cutAt = Date.now();
    const majority = await addressAgreement([sentinels[1], sentinels[2]], NAME, {
      notAddress: oldAddress,
      timeoutMs: 30000,
    });
    await feeds[0]!.next('+fence-minority', 15000);
    await sleep(Math.max(0, CUT_MS + 2000 - (Date.now() - cutAt)));
    lab.heal('a');
    const healedAt = Date.now();
    const promoted = replicas.find((r) => lab.addressOf(r) === majority.address);
    if (promoted === undefined) throw new Error(`the majority agreed on ${majority.address}`);
    expect(await addressAgreement(sentinels, NAME, { timeoutMs: 30000 })).toEqual(majority);
    await waitReplicaOf(master, promoted.port, 30000);
    await writer.stop();

    const present = new Set(items(await command(promoted.port, ['KEYS', `${writer.prefix}:*`])).map(text));
    const lost = writer.acked.filter((w) => !present.has(writer.key(w.n)));
    const lastLostMs = Math.max(0, ...lost.map((w) => w.at - cutAt));
    console.log(
      `partition with --fence-minority: master cut off ${((healedAt - cutAt) / 1000).toFixed(1)} s, ` +
        `${lost.length} acknowledged writes lost, the last acknowledged ${lastLostMs} ms after the cut ` +
        `(down-after ${timing.downAfterMs} ms)`,
    );
    // Fenced once peers are silent for down-after and no hello of theirs came through the
    // master for max(down-after, 3 s); a second more for the tick, PING and load. After that only
    // the write a writer had waiting when the pause ran out may be acknowledged, and lost.
    const fenceBoundMs = timing.downAfterMs + 2000;
    expect(lost.filter((w) => w.at - cutAt > fenceBoundMs).length).toBeLessThanOrEqual(1);
    expect(feeds.slice(1).flatMap((f) => eventsOf(f, '+fence-minority'))).toEqual([]);
    const roles = await Promise.all([master, ...replicas].map((r) => roleOf(r.port)));
    expect(roles.filter((r) => r === 'master')).toHaveLength(1);

    // A namespace with a replica and a sentinel only: that sentinel loses the master with its
    // peers, and the master keeps its majority. Nobody pauses anything.
    const quiet = replicas.find((r) => r !== promoted)!;
    const label = lab.homeOf(quiet.port).label;
    const fencesBefore = feeds.flatMap((f) => eventsOf(f, '+fence-minority')).length;
    lab.cut(label);
    await sleep(CUT_MS);
    lab.heal(label);
    await sleep(2000);
    expect(feeds.flatMap((f) => eventsOf(f, '+fence-minority')).length).toBe(fencesBefore);
    for (const s of sentinels) {
      const info = text(await command(s.port, ['INFO', 'sentinel']));
      expect(info).toContain('sentinel_fenced_masters:0');
    }
  }, 150000);
});
