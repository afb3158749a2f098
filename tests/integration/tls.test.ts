/**
 * TLS only, end to end: a master and two replicas with `port 0`, `tls-port`, `tls-replication yes`
 * and `tls-auth-clients yes`, watched by three ts-sentinels set up the same way (certificates
 * made by openssl for this file). The sentinels find each other over TLS and announce their
 * tls-port; a plain TCP client and a TLS client without a certificate are refused; after kill -9
 * of the master they fail over, and both an ioredis client in TLS sentinel mode and
 * `redis-cli --tls` get the new master from them.
 */
import type * as tls from 'node:tls';
import { Redis } from 'ioredis';
import {
  agreement,
  command,
  type Instance,
  items,
  makeTestCerts,
  monitorConf,
  NO_SYNC_DELAY,
  parseInfo,
  record,
  redisCli,
  redisCliTlsArgs,
  RespClient,
  roleOf,
  startMasterAndReplicas,
  startSentinel,
  teardownAfterAll,
  type TestCerts,
  text,
  tlsClientOptions,
  waitFor,
  waitReplicaOf,
} from '../helpers/devkit';

teardownAfterAll();

const NAME = 'mymaster';

let certs: TestCerts;
let master: Instance;
let replicas: Instance[];
let sentinels: Instance[];

beforeAll(async () => {
  certs = makeTestCerts();
  ({ master, replicas } = await startMasterAndReplicas({
    replicas: 2,
    tls: certs,
    args: NO_SYNC_DELAY,
    syncTimeoutMs: 15000,
  }));
  const conf = monitorConf(NAME, master.port, 2, { downAfterMs: 1000, failoverTimeoutMs: 6000 });
  sentinels = await Promise.all([0, 1, 2].map(() => startSentinel({ conf, tls: certs })));
}, 60000);

/** PING on a fresh connection: the reply text, or why there was none. */
async function pingOutcome(port: number, tlsOptions?: tls.ConnectionOptions): Promise<string> {
  try {
    const client = await RespClient.connect(port, 2000, tlsOptions);
    try {
      return text(await client.call(['PING'], 2000));
    } finally {
      client.close();
    }
  } catch (err) {
    return `refused: ${err instanceof Error ? err.message : String(err)}`;
  }
}

test('the sentinels find each other over TLS, each announcing its tls-port', async () => {
  for (const s of sentinels) {
    const info = parseInfo(text(await command(s.port, ['INFO', 'server'], { tls: s.tls })));
    expect(info.tcp_port).toBe(String(s.port));
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
      { timeoutMs: 20000, what: `sentinel ${s.port} to list its two peers at their tls-ports` },
    );
    expect(record(await command(s.port, ['SENTINEL', 'MASTER', NAME], { tls: s.tls })).flags).toBe('master');
  }
}, 30000);

test('a plain TCP client and a TLS client without a certificate are refused', async () => {
  const port = sentinels[0]?.port ?? 0;
  const withCert = tlsClientOptions(certs);
  expect(await pingOutcome(port, withCert)).toBe('PONG');
  expect(await pingOutcome(port)).toMatch(/^refused: /);
  const { ca } = withCert;
  expect(await pingOutcome(port, { ca, checkServerIdentity: () => undefined })).toMatch(/^refused: /);
});

test('kill -9 of the master: failover, and TLS clients get the new master from the sentinels', async () => {
  await master.kill9();
  const agreed = await agreement(sentinels, NAME, master.port, 40000);
  const promoted = replicas.find((r) => r.port === agreed.port);
  if (promoted === undefined) throw new Error(`agreed master ${agreed.port} is none of the replicas`);
  expect(await roleOf(promoted.port, promoted.tls)).toBe('master');
  for (const r of replicas) if (r !== promoted) await waitReplicaOf(r, promoted.port, 20000);

  const clientTls = tlsClientOptions(certs);
  const client = new Redis({
    sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    name: NAME,
    enableTLSForSentinelMode: true,
    sentinelTLS: clientTls,
    tls: clientTls,
    maxRetriesPerRequest: 1,
  });
  try {
    await client.set('written-over-tls', 'yes');
    expect(await client.get('written-over-tls')).toBe('yes');
    expect(client.stream.remotePort).toBe(promoted.port);
  } finally {
    client.disconnect();
  }
  for (const s of sentinels) {
    const printed = await redisCli(s.port, [
      ...redisCliTlsArgs(certs),
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      NAME,
    ]);
    expect(printed).toBe(`127.0.0.1\n${promoted.port}\n`);
  }
}, 60000);
