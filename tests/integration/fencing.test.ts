/**
 * Minority fencing with real processes: three of our sentinels, quorum 2, one master with a
 * replica. Freezing two sentinels (SIGSTOP) leaves the third one able to reach the master but
 * no majority: with --fence-minority it pauses the master's writes (a SET blocks, INFO sentinel
 * says so); once the two are thawed the pause ends and writes go through. Without the flag
 * nothing is paused. (Real partitions: tests/partition.)
 */
import {
  EventFeed,
  type Instance,
  NO_SYNC_DELAY,
  OURS,
  RespClient,
  command,
  items,
  monitorConf,
  parseInfo,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';
const DOWN_AFTER_MS = 1500;

async function deploy(args: string[]): Promise<{ master: Instance; sentinels: Instance[] }> {
  const { master } = await startMasterAndReplicas({ replicas: 1, args: NO_SYNC_DELAY, syncTimeoutMs: 10000 });
  const conf = monitorConf(NAME, master.port, 2, { downAfterMs: DOWN_AFTER_MS, failoverTimeoutMs: 10000 });
  const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel({ bin: OURS.bin, conf, args })));
  for (const s of sentinels) {
    await waitFor(async () => items(await command(s.port, ['SENTINEL', 'SENTINELS', NAME])).length === 2, {
      timeoutMs: 15000,
      what: `sentinel ${s.port} to know the two others`,
    });
  }
  return { master, sentinels };
}

/** How long one SET on the master takes to be acknowledged, at most `capMs`. */
async function setLatency(port: number, capMs: number): Promise<number> {
  const client = await RespClient.connect(port);
  const started = Date.now();
  try {
    // A paused write gets no answer: the call times out at capMs.
    await client.call(['SET', 'fenced', String(started)], capMs).catch(() => undefined);
    return Date.now() - started;
  } finally {
    client.close();
  }
}

async function infoSentinel(port: number): Promise<Record<string, string>> {
  return parseInfo(text(await command(port, ['INFO', 'sentinel'])));
}

describe('--fence-minority', () => {
  it('pauses writes on a master while its sentinel sees no majority, and lifts it after', async () => {
    const { master, sentinels } = await deploy(['--fence-minority']);
    const [lone, ...frozen] = sentinels as [Instance, Instance, Instance];
    expect(await infoSentinel(lone.port)).toMatchObject({
      sentinel_fence_minority: '1',
      sentinel_fenced_masters: '0',
    });
    const feed = await EventFeed.open(lone.port);
    try {
      expect(await setLatency(master.port, 1000)).toBeLessThan(500);
      for (const s of frozen) s.sigstop();
      const frozenAt = Date.now();
      await feed.next('+fence-minority', DOWN_AFTER_MS + 5000);
      const fencedAfter = Date.now() - frozenAt;
      console.log(`fencing: writes paused ${fencedAfter} ms after the majority went silent`);
      expect(await setLatency(master.port, 1500)).toBeGreaterThanOrEqual(1500);
      expect((await infoSentinel(lone.port)).sentinel_fenced_masters).toBe('1');
      for (const s of frozen) s.sigcont();
      await feed.next('-fence-minority', 10000);
      await waitFor(async () => (await setLatency(master.port, 1000)) < 500, {
        timeoutMs: 5000,
        what: 'writes acknowledged again',
      });
      expect((await infoSentinel(lone.port)).sentinel_fenced_masters).toBe('0');
    } finally {
      for (const s of frozen) s.sigcont();
      await feed.close();
    }
  }, 90000);

  it('is off by default: INFO stays redis-sentinel’s and nothing is paused', async () => {
    const { master, sentinels } = await deploy([]);
    const [lone, ...frozen] = sentinels as [Instance, Instance, Instance];
    expect(await infoSentinel(lone.port)).not.toHaveProperty('sentinel_fence_minority');
    try {
      for (const s of frozen) s.sigstop();
      await new Promise((r) => setTimeout(r, DOWN_AFTER_MS + 3000));
      expect(await setLatency(master.port, 1000)).toBeLessThan(500);
    } finally {
      for (const s of frozen) s.sigcont();
    }
  }, 90000);
});
