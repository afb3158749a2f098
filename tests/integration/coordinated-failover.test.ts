/**
 * SENTINEL FAILOVER beyond redis-sentinel, against real redis-server processes and our daemon:
 * a COORDINATED failover under write load loses no acknowledged write; a plain one demotes the
 * old master itself right after the promotion; the handover's error and fallback paths.
 */
import {
  EventFeed,
  items,
  type Instance,
  NO_SYNC_DELAY,
  OURS,
  command,
  missingKeys,
  monitorConf,
  record,
  replication,
  roleOf,
  sleep,
  startMasterAndReplicas,
  startSentinel,
  startWriteLoad,
  teardownAfterAll,
  text,
  waitFor,
  waitReplicaOf,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';

interface Deployment {
  master: Instance;
  replicas: Instance[];
  sentinel: Instance;
  feed: EventFeed;
}

async function deploy(opts: { masterArgs?: string[]; failoverTimeoutMs?: number } = {}): Promise<Deployment> {
  const { master, replicas } = await startMasterAndReplicas({
    replicas: 2,
    args: [...NO_SYNC_DELAY, ...(opts.masterArgs ?? [])],
    syncTimeoutMs: 10000,
  });
  const sentinel = await startSentinel({
    bin: OURS.bin,
    conf: monitorConf(NAME, master.port, 1, {
      downAfterMs: 2000,
      failoverTimeoutMs: opts.failoverTimeoutMs ?? 6000,
    }),
  });
  await waitFor(
    async () => {
      // Promotable: connected, answering, and linked to the master.
      const seen = items(await command(sentinel.port, ['SENTINEL', 'REPLICAS', NAME])).map(record);
      return seen.length === 2 && seen.every((r) => r.flags === 'slave' && r['master-link-status'] === 'ok');
    },
    { timeoutMs: 15000, what: 'both replicas connected and in sync' },
  );
  const feed = await EventFeed.open(sentinel.port);
  return { master, replicas, sentinel, feed };
}

async function sentinelFailover(d: Deployment, ...words: string[]): Promise<string> {
  return text(await command(d.sentinel.port, ['SENTINEL', 'FAILOVER', NAME, ...words]));
}

async function masterPort(d: Deployment): Promise<number> {
  const reply = await command(d.sentinel.port, ['SENTINEL', 'MASTER', NAME]);
  return Number(record(reply).port);
}

describe('SENTINEL FAILOVER under write load', () => {
  it('COORDINATED loses no acknowledged write, and the old master ends as a replica', async () => {
    const d = await deploy();
    const load = startWriteLoad(d.sentinel.port, NAME, 3);
    try {
      await waitFor(() => load.acked.length > 500, { timeoutMs: 10000, what: 'writes flowing' });
      expect(await sentinelFailover(d, 'COORDINATED')).toBe('OK');
      const to = await d.feed.next('+switch-master', 15000);
      await sleep(500);
      await load.stop();
      const newPort = Number(to.split(' ')[4]);
      expect(newPort).not.toBe(d.master.port);
      expect(d.feed.seen.some((e) => e.channel === '+failover-state-handover')).toBe(true);
      await waitReplicaOf(d.master, newPort, 10000);
      const lost = await missingKeys(newPort, load.acked);
      console.log(`COORDINATED failover: ${load.acked.length} acknowledged writes, ${lost.length} lost`);
      expect(lost).toEqual([]);
    } finally {
      await load.stop();
      await d.feed.close();
    }
  }, 60000);

  it('a plain failover demotes the old master within 1 s of the promotion', async () => {
    const d = await deploy();
    const load = startWriteLoad(d.sentinel.port, NAME, 3);
    try {
      await waitFor(() => load.acked.length > 500, { timeoutMs: 10000, what: 'writes flowing' });
      expect(await sentinelFailover(d)).toBe('OK');
      await d.feed.next('+promoted-slave', 15000);
      const promotedAt = d.feed.seen.find((e) => e.channel === '+promoted-slave')!.at;
      await waitFor(async () => (await roleOf(d.master.port)) === 'slave', {
        timeoutMs: 15000,
        what: 'demotion',
      });
      const demotedMs = Date.now() - promotedAt;
      console.log(`plain failover: old master a replica ${demotedMs} ms after the promotion`);
      expect(demotedMs).toBeLessThanOrEqual(1000);
    } finally {
      await load.stop();
      await d.feed.close();
    }
  }, 60000);
});

describe('COORDINATED failover: errors and fallback', () => {
  it('refuses when the master is down, and falls back to a plain failover with FORCE', async () => {
    const d = await deploy();
    await d.master.kill9();
    await waitFor(
      async () =>
        record(await command(d.sentinel.port, ['SENTINEL', 'MASTER', NAME])).flags!.includes('disconnected'),
      { timeoutMs: 5000, what: 'master link down' },
    );
    expect(await sentinelFailover(d, 'COORDINATED')).toBe(
      'ERR The master is not reachable: a COORDINATED failover needs it (add FORCE to fall back to a plain failover)',
    );
    expect(await masterPort(d)).toBe(d.master.port);
    expect(await sentinelFailover(d, 'COORDINATED', 'FORCE')).toBe('OK');
    await d.feed.next('+failover-fallback-plain', 5000);
    await d.feed.next('+switch-master', 15000);
    expect(await masterPort(d)).not.toBe(d.master.port);
    await d.feed.close();
  }, 60000);

  it('says why when FAILOVER is renamed away, and uses the name rename-command gives', async () => {
    const d = await deploy({ masterArgs: ['--rename-command', 'FAILOVER', 'HANDOVER-7f3a'] });
    expect(await sentinelFailover(d, 'COORDINATED')).toBe('OK');
    const why = await d.feed.next('-failover-abort-handover-refused', 10000);
    expect(why).toMatch(/#ERR unknown command 'FAILOVER'/);
    await waitFor(
      async () =>
        !record(await command(d.sentinel.port, ['SENTINEL', 'MASTER', NAME])).flags!.includes('failover'),
      { timeoutMs: 5000, what: 'failover aborted' },
    );
    expect(await masterPort(d)).toBe(d.master.port);
    expect(await roleOf(d.master.port)).toBe('master');
    const set = await command(d.sentinel.port, [
      'SENTINEL',
      'SET',
      NAME,
      'rename-command',
      'FAILOVER',
      'HANDOVER-7f3a',
    ]);
    expect(text(set)).toBe('OK');
    expect(await sentinelFailover(d, 'COORDINATED')).toBe('OK');
    const to = await d.feed.next('+switch-master', 15000);
    await waitReplicaOf(d.master, Number(to.split(' ')[4]), 10000);
    await d.feed.close();
  }, 60000);

  it('gives up when the handover times out, leaving the master writable', async () => {
    const d = await deploy({ failoverTimeoutMs: 2000 });
    const [target, other] = d.replicas as [Instance, Instance];
    expect(text(await command(target.port, ['CONFIG', 'SET', 'replica-priority', '1']))).toBe('OK');
    await waitFor(
      async () => {
        const r = await command(d.sentinel.port, ['SENTINEL', 'REPLICAS', NAME]);
        return items(r).some((x) => record(x)['slave-priority'] === '1');
      },
      { timeoutMs: 15000, what: 'priority seen by the sentinel' },
    );
    // The target answers this failover's INFO, then stops before the handover can complete:
    // the other replica holds selection back until the target is frozen.
    other.sigstop();
    expect(await sentinelFailover(d, 'COORDINATED')).toBe('OK');
    await sleep(300);
    target.sigstop();
    other.sigcont();
    await d.feed.next('+failover-state-handover', 5000);
    const aborted = await Promise.race([
      d.feed.next('-failover-abort-handover-failed', 10000).then(() => 'failed'),
      d.feed.next('-failover-abort-handover-timeout', 10000).then(() => 'timeout'),
    ]);
    target.sigcont();
    console.log(`handover with a frozen target: aborted (${aborted})`);
    expect(await masterPort(d)).toBe(d.master.port);
    expect((await replication(d.master.port)).master_failover_state).toBe('no-failover');
    expect(text(await command(d.master.port, ['SET', 'after', '1']))).toBe('OK');
    await d.feed.close();
  }, 60000);
});
