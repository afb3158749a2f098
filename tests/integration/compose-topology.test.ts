/**
 * docker-compose.yml's topology without Docker: the Redis command lines and the sentinels'
 * environments are read from the compose file itself, docker/sentinel.conf is rendered for each
 * sentinel by docker/entrypoint.sh, and everything runs on 127.0.0.1. Only what Docker provides
 * is substituted: service names become `localhost` (there is no DNS for them here) and, since
 * all six share one host, each process gets its own free port (redis-server `--port`, and
 * `--port` after the sentinel's config file, which the rendered file's `port 26379` yields to).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  command,
  freePort,
  type Instance,
  items,
  OURS,
  record,
  registry,
  replication,
  REPO_ROOT,
  startRedis,
  startSentinel,
  teardownAfterAll,
  text,
  waitFor,
} from '../helpers/devkit';
import { type Compose, environmentOf, parseCompose, sentinelServices } from '../helpers/deploy/compose';
import { renderSentinelConfig } from '../helpers/deploy/render';

teardownAfterAll();

const COMPOSE_PORT = '6379';
const HOST = 'localhost';

function loadCompose(): Compose {
  const { compose, problems } = parseCompose(
    fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'),
  );
  if (compose === undefined) throw new Error(problems.join('\n'));
  return compose;
}

/** A service's command line with service names and the master's port replaced. */
function localCommand(compose: Compose, service: string, masterPort: number): string[] {
  const cmd = compose.services[service]?.command;
  if (!Array.isArray(cmd)) throw new Error(`${service}: expected a command list in docker-compose.yml`);
  return cmd.map((arg) =>
    compose.services[arg] !== undefined ? HOST : arg === COMPOSE_PORT ? String(masterPort) : arg,
  );
}

/** A sentinel's environment with service names and the master's port replaced. */
function localEnvironment(
  compose: Compose,
  env: Record<string, string>,
  masterPort: number,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      compose.services[value] !== undefined ? HOST : key === 'MASTER_PORT' ? String(masterPort) : value,
    ]),
  );
}

async function masterAddr(sentinel: Instance, name: string): Promise<string> {
  return items(await command(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name]))
    .map(text)
    .join(' ');
}

/** What the compose `client` service does: ask a sentinel, check ROLE, write. */
async function clientWrite(sentinel: Instance, name: string): Promise<number> {
  const [host, port] = (await masterAddr(sentinel, name)).split(' ');
  expect(host).toBe(HOST);
  const role = items(await command(Number(port), ['ROLE'])).map((v) => (v.type === 'array' ? '' : text(v)));
  expect(role[0]).toBe('master');
  expect(text(await command(Number(port), ['INCR', 'demo:counter']))).toMatch(/^\d+$/);
  return Number(port);
}

describe('the docker-compose.yml topology on loopback', () => {
  const compose = loadCompose();
  const sentinelEnvs = sentinelServices(compose).map(
    ([name, service]) => [name, environmentOf(service)] as const,
  );
  const masterName = sentinelEnvs[0]?.[1].MASTER_NAME ?? 'mymaster';
  const replicaServices = Object.keys(compose.services).filter((s) => {
    const cmd = compose.services[s]?.command;
    return Array.isArray(cmd) && cmd.includes('--replicaof');
  });
  let master: Instance;
  const replicas = new Map<string, Instance>();
  const sentinels: Instance[] = [];
  const rendered: string[] = [];

  beforeAll(async () => {
    expect(sentinelEnvs.map(([name]) => name)).toEqual(['sentinel-1', 'sentinel-2', 'sentinel-3']);
    expect(replicaServices).toEqual(['redis-replica-1', 'redis-replica-2']);

    const masterPort = await freePort();
    const masterCmd = localCommand(compose, 'redis-master', masterPort);
    expect(masterCmd[0]).toBe('redis-server');
    master = await startRedis({ port: masterPort, args: masterCmd.slice(1) });
    for (const service of replicaServices) {
      const cmd = localCommand(compose, service, masterPort);
      expect(cmd.slice(0, 4)).toEqual(['redis-server', '--replicaof', HOST, String(masterPort)]);
      replicas.set(service, await startRedis({ args: cmd.slice(1) }));
    }
    await waitFor(async () => (await replication(master.port)).connected_slaves === String(replicas.size), {
      timeoutMs: 10000,
      what: 'the replicas to connect to the master',
    });

    for (const [service, env] of sentinelEnvs) {
      const dir = registry.makeTempDir(`compose-${service}`);
      const file = renderSentinelConfig(
        localEnvironment(compose, env, masterPort),
        path.join(dir, 'sentinel.conf'),
      );
      rendered.push(fs.readFileSync(file, 'utf8'));
      // Run where it was rendered, untouched; the command line adds what one host needs.
      const port = await freePort();
      sentinels.push(
        await startSentinel({
          conf: { path: file, inPlace: true },
          args: ['--port', String(port), '--bind', '127.0.0.1'],
          bin: OURS.bin,
        }),
      );
    }
  }, 40000);

  test('each sentinel runs the template rendered with the compose environment', () => {
    for (const text of rendered) {
      expect(text).toContain('\nport 26379\n');
      expect(text).toContain('\nsentinel resolve-hostnames yes\nsentinel announce-hostnames yes\n');
      expect(text).toContain(`\nsentinel announce-ip "${HOST}"\n`);
      expect(text).toContain(`\nsentinel monitor ${masterName} ${HOST} ${master.port} 2\n`);
      const directives = text.split('\n').filter((line) => !line.trimStart().startsWith('#'));
      expect(directives.filter((line) => line.includes('${'))).toEqual([]);
    }
    expect(sentinels.map((s) => s.port)).toEqual([...new Set(sentinels.map((s) => s.port))]);
  });

  test('the sentinels find the replicas and each other by name', async () => {
    const replicaNames = [...replicas.values()].map((r) => `${HOST}:${r.port}`).sort();
    for (const s of sentinels) {
      const peersExpected = sentinels
        .filter((o) => o !== s)
        .map((o) => `${HOST}:${o.port}`)
        .sort();
      await waitFor(
        async () => {
          const listed = items(await command(s.port, ['SENTINEL', 'REPLICAS', masterName])).map(record);
          const peers = items(await command(s.port, ['SENTINEL', 'SENTINELS', masterName])).map(record);
          return (
            JSON.stringify(listed.map((r) => r.name).sort()) === JSON.stringify(replicaNames) &&
            JSON.stringify(peers.map((p) => `${p.ip}:${p.port}`).sort()) === JSON.stringify(peersExpected)
          );
        },
        { timeoutMs: 20000, what: `sentinel ${s.port} to know both replicas and both peers by name` },
      );
      expect(await masterAddr(s, masterName)).toBe(`${HOST} ${master.port}`);
    }
    expect(await clientWrite(sentinels[0] as Instance, masterName)).toBe(master.port);
  }, 60000);

  test('after the master dies every sentinel, replica and client agrees on the promoted one', async () => {
    await master.kill9();
    const ports = [...replicas.values()].map((r) => r.port);
    const agreed = await waitFor(
      async () => {
        const addrs = await Promise.all(sentinels.map((s) => masterAddr(s, masterName)));
        const first = addrs[0];
        return addrs.every((a) => a === first) && first !== `${HOST} ${master.port}` ? first : undefined;
      },
      { timeoutMs: 45000, what: 'all three sentinels to name the same new master' },
    );
    const newPort = Number(agreed.split(' ')[1]);
    expect(ports).toContain(newPort);
    const follower = [...replicas.values()].find((r) => r.port !== newPort) as Instance;
    await waitFor(
      async () => {
        const r = await replication(follower.port);
        return r.master_host === HOST && r.master_port === String(newPort) && r.master_link_status === 'up';
      },
      { timeoutMs: 20000, what: `replica ${follower.port} to sync with ${HOST}:${newPort}` },
    );
    // Right after the switch the links to the new master are still being opened.
    const views = await waitFor(
      async () => {
        const all = await Promise.all(
          sentinels.map(async (s) => record(await command(s.port, ['SENTINEL', 'MASTER', masterName]))),
        );
        return all.every((v) => v.flags === 'master') ? all : undefined;
      },
      { timeoutMs: 10000, what: 'every sentinel to be connected to the new master' },
    );
    for (const view of views) expect(view).toMatchObject({ ip: HOST, port: String(newPort) });
    // One configuration epoch for this failover, the same everywhere.
    expect(new Set(views.map((v) => v['config-epoch']))).toEqual(new Set(['1']));
    for (const s of sentinels) {
      await waitFor(
        () =>
          fs
            .readFileSync(s.confPath, 'utf8')
            .includes(`\nsentinel monitor ${masterName} ${HOST} ${newPort} 2\n`),
        { timeoutMs: 5000, what: `sentinel ${s.port} to save the new master by name` },
      );
    }
    for (const s of sentinels) expect(await clientWrite(s, masterName)).toBe(newPort);
  }, 60000);

  test('the old master comes back and is turned into a replica of the new one, by name', async () => {
    await master.restart();
    const newPort = Number((await masterAddr(sentinels[0] as Instance, masterName)).split(' ')[1]);
    await waitFor(
      async () => {
        const r = await replication(master.port);
        return r.role === 'slave' && r.master_host === HOST && r.master_port === String(newPort);
      },
      // A replica is asked for INFO every 10 s, and +convert-to-slave wants two replies 8 s apart.
      { timeoutMs: 45000, what: `the restarted master to replicate ${HOST}:${newPort}` },
    );
    for (const s of sentinels) {
      await waitFor(
        async () => {
          const listed = items(await command(s.port, ['SENTINEL', 'REPLICAS', masterName])).map(record);
          const old = listed.find((r) => r.name === `${HOST}:${master.port}`);
          return old?.flags === 'slave' && old['master-port'] === String(newPort);
        },
        { timeoutMs: 20000, what: `sentinel ${s.port} to list the old master as a healthy replica` },
      );
    }
  }, 90000);
});
