/**
 * A restarted old master is a second writable master until a sentinel demotes it. redis-sentinel
 * waits ~10 s for that; ours demotes it as soon as a majority of the sentinels confirmed the
 * current configuration by their hellos. Three of our sentinels, quorum 2, real redis-server.
 */
import {
  EventFeed,
  command,
  items,
  NO_SYNC_DELAY,
  OURS,
  monitorConf,
  sleep,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  waitFor,
  waitReplicaOf,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';

it('a restarted old master is a connected replica of the new one within 2 s', async () => {
  const { master } = await startMasterAndReplicas({ replicas: 2, args: NO_SYNC_DELAY, syncTimeoutMs: 10000 });
  const conf = monitorConf(NAME, master.port, 2, { downAfterMs: 1000, failoverTimeoutMs: 10000 });
  const sentinels = await Promise.all([1, 2, 3].map(() => startSentinel({ bin: OURS.bin, conf })));
  const feed = await EventFeed.open(sentinels[0]!.port);
  // Every sentinel knows the two others before the fault.
  for (const s of sentinels) {
    await waitFor(async () => items(await command(s.port, ['SENTINEL', 'SENTINELS', NAME])).length === 2, {
      timeoutMs: 15000,
      what: `sentinel ${s.port} to know the two others`,
    });
  }
  await sleep(2500);
  await master.kill9();
  const switched = await feed.next('+switch-master', 30000);
  const newPort = Number(switched.split(' ')[4]);
  // Restarting a process takes a moment anyway; hellos confirm the new configuration meanwhile.
  await sleep(3000);
  const restartedAt = Date.now();
  await master.restart();
  await waitReplicaOf(master, newPort, 15000, 1000);
  const ms = Date.now() - restartedAt;
  console.log(`old master restarted -> connected replica of the new master in ${ms} ms`);
  expect(ms).toBeLessThanOrEqual(2000);
  await feed.close();
}, 90000);
