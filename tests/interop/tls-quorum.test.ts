/**
 * A mixed TLS quorum: Debian's redis-sentinel (built with TLS) and two ts-sentinels, everything
 * TLS only (`port 0`, `tls-port`, `tls-replication yes`, client certificates required), watching
 * a master and two replicas with quorum 2. They list each other at their tls-ports; then a
 * failover led by a ts-sentinel and one led by redis-sentinel, each through a real election.
 * The leader is chosen as in mixed-quorum.test.ts: it alone has quorum 2, the others quorum 4
 * (never reached by three sentinels), so only it reaches ODOWN, while the others still vote.
 */
import * as fs from 'node:fs';
import {
  agreement,
  command,
  healthyReplicas,
  type Instance,
  items,
  makeTestCerts,
  monitorConf,
  NO_SYNC_DELAY,
  record,
  REDIS,
  roleOf,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  waitFor,
  waitReplicaOf,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';
const KINDS = ['redis-sentinel', 'ts-sentinel', 'ts-sentinel'] as const;

let redisInstances: Instance[];
let sentinels: Instance[];
let current: { master: Instance; epoch: number };

beforeAll(async () => {
  const certs = makeTestCerts();
  const { master, replicas } = await startMasterAndReplicas({
    replicas: 2,
    tls: certs,
    args: NO_SYNC_DELAY,
    syncTimeoutMs: 15000,
  });
  redisInstances = [master, ...replicas];
  current = { master, epoch: 0 };
  const conf = monitorConf(NAME, master.port, 2, { downAfterMs: 1000, failoverTimeoutMs: 6000 });
  sentinels = await Promise.all(
    KINDS.map((kind) =>
      startSentinel({ conf, tls: certs, bin: kind === 'redis-sentinel' ? REDIS.bin : undefined }),
    ),
  );
}, 60000);

function logLength(s: Instance): number {
  return fs.readFileSync(s.logPath, 'utf8').length;
}

/**
 * Elections `s` won since the mark to fail over the master at `masterPort`. Only those: right
 * after a switch redis-sentinel may try once more against the new master, when its reconnection
 * (throttled to one a ping period) makes it look down for a moment and its peers' down replies
 * from the last ask still count; that attempt finds no replica and aborts.
 */
function electedSince(s: Instance, mark: number, masterPort: number): number {
  return fs
    .readFileSync(s.logPath, 'utf8')
    .slice(mark)
    .split('\n')
    .filter((l) => l.includes(` +elected-leader master ${NAME} 127.0.0.1 ${masterPort}`)).length;
}

test('every sentinel lists the other two at their tls-ports, and both replicas', async () => {
  for (const [i, s] of sentinels.entries()) {
    const expected = sentinels
      .filter((p) => p !== s)
      .map((p) => String(p.port))
      .sort();
    await waitFor(
      async () => {
        const peers = items(await command(s.port, ['SENTINEL', 'SENTINELS', NAME], { tls: s.tls })).map(
          record,
        );
        const ports = peers.filter((p) => p.flags === 'sentinel').map((p) => p.port ?? '');
        return JSON.stringify(ports.sort()) === JSON.stringify(expected);
      },
      { timeoutMs: 20000, what: `${KINDS[i]} ${s.port} to list both peers` },
    );
    await waitFor(async () => (await healthyReplicas(s, NAME)).length === 2, {
      timeoutMs: 15000,
      what: `${KINDS[i]} ${s.port} to list both replicas as healthy`,
    });
  }
}, 45000);

async function failoverLedBy(leaderIndex: number): Promise<void> {
  for (const [i, s] of sentinels.entries()) {
    const quorum = i === leaderIndex ? '2' : '4';
    expect(await command(s.port, ['SENTINEL', 'SET', NAME, 'quorum', quorum], { tls: s.tls })).toEqual({
      type: 'simple',
      value: 'OK',
    });
  }
  const marks = sentinels.map(logLength);
  const old = current;
  await old.master.kill9();
  const agreed = await agreement(sentinels, NAME, old.master.port, 40000);
  expect(agreed.epoch).toBeGreaterThan(old.epoch);
  expect(sentinels.map((s, i) => electedSince(s, marks[i] ?? 0, old.master.port))).toEqual(
    sentinels.map((_, i) => (i === leaderIndex ? 1 : 0)),
  );
  const promoted = redisInstances.find((r) => r.port === agreed.port);
  if (promoted === undefined) throw new Error(`agreed master ${agreed.port} is none of ours`);
  expect(await roleOf(promoted.port, promoted.tls)).toBe('master');
  for (const r of redisInstances) {
    if (r !== promoted && r.alive) await waitReplicaOf(r, promoted.port, 20000);
  }
  current = { master: promoted, epoch: agreed.epoch };
}

test('failover led by a ts-sentinel', async () => {
  await failoverLedBy(KINDS.indexOf('ts-sentinel'));
}, 60000);

test('failover led by redis-sentinel', async () => {
  // Its leader needs the remaining replica healthy in its own view before the next kill.
  for (const s of sentinels)
    await waitFor(async () => (await healthyReplicas(s, NAME)).length >= 1, {
      timeoutMs: 20000,
      what: `sentinel ${s.port} to list a healthy replica of the new master`,
    });
  await failoverLedBy(KINDS.indexOf('redis-sentinel'));
}, 60000);
