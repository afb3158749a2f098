/**
 * The surface newer sentinels added (Redis 7.2-8.0, Valkey 8.0): variadic SENTINEL CONFIG,
 * loglevel `nothing`, CLIENT SETINFO, the 7.4 command table, Valkey's aliases, the
 * master_reboot flag and sentinel_total_tilt. A RespServer runs SENTINEL on the real core
 * (fake clock), so the dispatcher's arity checks and the core's state are the real ones.
 */
import { defaultSentinelConfig, newMasterConfig, type LogLevel } from '../../../src/config/types';
import type { CommandTable } from '../../../src/commands/meta';
import { instanceFlags } from '../../../src/core/model';
import { Sentinel } from '../../../src/core/sentinel';
import { sentinelCommand } from '../../../src/server/commands/sentinel';
import { infoSentinelLines } from '../../../src/server/commands/sentinel-view';
import { RespServer } from '../../../src/server/server';
import { freePort, items, record, RespClient, type RespValue, text } from '../../../devkit';
import { fakeContext, serverConfig } from './helpers';

const NAME = 'mymaster';

interface Setup {
  core: Sentinel;
  client: RespClient;
  persisted: () => number;
  level: () => LogLevel;
  call: (...args: string[]) => Promise<RespValue>;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((f) => f()));
  cleanup = [];
});

async function setup(commandTable?: CommandTable): Promise<Setup> {
  const clock = { now: 1_000_000 };
  const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40) };
  config.masters.push(newMasterConfig(NAME, '127.0.0.1', 6380, 1));
  const core = new Sentinel(config, { now: () => clock.now, random: () => 0.5 }, { serverPort: 26379 });
  let level: LogLevel = 'notice';
  let persisted = 0;
  const env = {
    scripts: { pending: () => [], runningCount: () => 0, queuedCount: () => 0 },
    persist: () => {
      persisted++;
      return true;
    },
    resolveNow: () => null,
    getLogLevel: () => level,
    setLogLevel: (l: LogLevel) => {
      level = l;
    },
  };
  const port = await freePort();
  const { ctx } = fakeContext(serverConfig({ port }), {});
  const server = new RespServer({
    ...ctx,
    commandTable,
    sentinelCommand: (args) => sentinelCommand(core, env, args),
  });
  await server.listen();
  const client = await RespClient.connect(port);
  cleanup.push(async () => {
    client.close();
    await server.close();
  });
  return {
    core,
    client,
    persisted: () => persisted,
    level: () => level,
    call: (...args) => client.call(args),
  };
}

const err = (value: string): RespValue => ({ type: 'error', value });
const OK: RespValue = { type: 'simple', value: 'OK' };
const texts = (v: RespValue): string[] => items(v).map(text);

describe('SENTINEL CONFIG SET / GET, several parameters (Redis 7.2)', () => {
  it('checks every pair before applying any, with 7.2 error texts', async () => {
    const s = await setup();
    const get = async (...p: string[]) => texts(await s.call('SENTINEL', 'CONFIG', 'GET', ...p));
    expect(await s.call('SENTINEL', 'CONFIG', 'SET', 'announce-port', '111')).toEqual(OK);
    const refused: [string[], string][] = [
      [['nosuch', 'yes', 'announce-port', '1234'], "ERR Invalid argument 'nosuch' to SENTINEL CONFIG SET"],
      [
        ['announce-port', '1234', 'ANNOUNCE-PORT', '5'],
        "ERR Duplicate argument 'ANNOUNCE-PORT' to SENTINEL CONFIG SET",
      ],
      [['announce-port', '1234', 'resolve-hostnames'], "ERR Missing argument 'resolve-hostnames' value"],
      [
        ['announce-port', '1234', 'resolve-hostnames', 'maybe'],
        "ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'",
      ],
      [
        ['announce-port', '-1', 'loglevel', 'debug'],
        "ERR Invalid value '-1' to SENTINEL CONFIG SET 'announce-port'",
      ],
      [['loglevel', 'loud'], "ERR Invalid value 'loud' to SENTINEL CONFIG SET 'loglevel'"],
    ];
    for (const [pairs, message] of refused) {
      expect(await s.call('SENTINEL', 'CONFIG', 'SET', ...pairs)).toEqual(err(message));
    }
    // Nothing of the refused requests was applied, nor saved.
    expect(await get('announce-port', 'loglevel')).toEqual(['announce-port', '111', 'loglevel', 'notice']);
    expect(s.persisted()).toBe(1);

    expect(
      await s.call(
        'SENTINEL',
        'CONFIG',
        'SET',
        'resolve-hostnames',
        'yes',
        'announce-port',
        '1234',
        'LogLevel',
        'NOTHING',
      ),
    ).toEqual(OK);
    expect(s.level()).toBe('nothing');
    expect(s.core.view.settings).toMatchObject({ resolveHostnames: true, announcePort: 1234 });
    expect(s.persisted()).toBe(2);
  });

  it('GET names each matching parameter once, in the order the patterns first match', async () => {
    const s = await setup();
    const get = async (...p: string[]) => texts(await s.call('SENTINEL', 'CONFIG', 'GET', ...p));
    expect(await get('loglevel', 'announce-port', 'log*', '*level', 'nosuch')).toEqual([
      'loglevel',
      'notice',
      'announce-port',
      '0',
    ]);
    expect((await get('announce*')).filter((_, i) => i % 2 === 0)).toEqual([
      'announce-hostnames',
      'announce-ip',
      'announce-port',
    ]);
    expect(await get('nosuch')).toEqual([]);
  });

  it('answers arity and usage errors as 7.2 does', async () => {
    const s = await setup();
    expect(await s.call('SENTINEL', 'CONFIG', 'GET')).toEqual(
      err("ERR wrong number of arguments for 'sentinel|config' command"),
    );
    const usage = err(
      'ERR Only SENTINEL CONFIG GET <param> [<param> <param> ...] / SET <param> <value> [<param> <value> ...] are supported.',
    );
    expect(await s.call('SENTINEL', 'CONFIG', 'SET', 'loglevel')).toEqual(usage);
    expect(await s.call('SENTINEL', 'CONFIG', 'FOO', 'x')).toEqual(usage);
  });
});

describe('command tables', () => {
  const names = async (s: Setup) => texts(await s.call('COMMAND', 'LIST'));
  const clientSubcommands = async (s: Setup) => {
    const info = items(await s.call('COMMAND', 'INFO', 'client'))[0] as RespValue;
    return items(items(info)[9] as RespValue).map((sub) => text(items(sub)[0] as RespValue));
  };

  it("lists redis-sentinel 7.0's 72 names by default, yet runs and describes CLIENT SETINFO", async () => {
    const s = await setup();
    const list = await names(s);
    expect(list).toHaveLength(72);
    expect(list).not.toContain('client|setinfo');
    expect(await clientSubcommands(s)).not.toContain('client|setinfo');
    expect(text(await s.call('COMMAND', 'COUNT'))).toBe('15');
    expect(await s.call('CLIENT', 'SETINFO', 'lib-name', 'x')).toEqual(OK);
    const docs = items(await s.call('COMMAND', 'DOCS', 'client|setinfo'));
    expect(docs.map((d) => (d.type === 'bulk' ? d.value : 'doc'))).toEqual(['client|setinfo', 'doc']);
  });

  it("lists 7.4's 73 with CLIENT SETINFO when asked, and Valkey's aliases in neither", async () => {
    const s = await setup('7.4');
    const list = await names(s);
    expect(list).toHaveLength(73);
    expect(list).toContain('client|setinfo');
    expect(await clientSubcommands(s)).toContain('client|setinfo');
    expect(text(await s.call('COMMAND', 'COUNT'))).toBe('15');
    expect(list.filter((n) => n.includes('primar'))).toEqual([]);
    // Found by name all the same, with Valkey's arity.
    const primary = items(items(await s.call('COMMAND', 'INFO', 'sentinel|primary'))[0] as RespValue);
    expect([text(primary[0] as RespValue), text(primary[1] as RespValue)]).toEqual(['sentinel|primary', '3']);
  });
});

describe('CLIENT SETINFO (Redis 7.2)', () => {
  it('sets lib-name and lib-ver, shown last by CLIENT INFO; refuses what would break CLIENT LIST', async () => {
    const s = await setup();
    const info = async () => text(await s.call('CLIENT', 'INFO'));
    expect(await info()).toMatch(/ resp=2 lib-name= lib-ver=\n$/);
    expect(await s.call('CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py')).toEqual(OK);
    expect(await s.call('CLIENT', 'SETINFO', 'lib-ver', '5.0.1')).toEqual(OK);
    expect(await info()).toMatch(/ lib-name=redis-py lib-ver=5\.0\.1\n$/);
    expect(await s.call('CLIENT', 'SETINFO', 'Lib-Ver', '1 2')).toEqual(
      err('ERR Lib-Ver cannot contain spaces, newlines or special characters.'),
    );
    expect(await s.call('CLIENT', 'SETINFO', 'lib-ver', 'é')).toEqual(
      err('ERR lib-ver cannot contain spaces, newlines or special characters.'),
    );
    expect(await s.call('CLIENT', 'SETINFO', 'lib-foo', 'x')).toEqual(
      err("ERR Unrecognized option 'lib-foo'"),
    );
    expect(await s.call('CLIENT', 'SETINFO', 'lib-name')).toEqual(
      err("ERR wrong number of arguments for 'client|setinfo' command"),
    );
    expect(await s.call('CLIENT', 'SETINFO', 'lib-name', '')).toEqual(OK);
    expect(await info()).toMatch(/ lib-name= lib-ver=5\.0\.1\n$/);
  });
});

describe("Valkey's names", () => {
  it('answers PRIMARY, PRIMARIES, GET-PRIMARY-ADDR-BY-NAME, IS-PRIMARY-DOWN-BY-ADDR as the 7.0 names', async () => {
    const s = await setup();
    const same = async (alias: string[], original: string[]) => {
      const [a, o] = [await s.call('SENTINEL', ...alias), await s.call('SENTINEL', ...original)];
      // Times in the instance fields may move between the two calls; the fake clock does not.
      expect(a).toEqual(o);
      return a;
    };
    expect(record(await same(['PRIMARY', NAME], ['MASTER', NAME])).name).toBe(NAME);
    expect(items(await same(['PRIMARIES'], ['MASTERS']))).toHaveLength(1);
    expect(texts(await same(['GET-PRIMARY-ADDR-BY-NAME', NAME], ['GET-MASTER-ADDR-BY-NAME', NAME]))).toEqual([
      '127.0.0.1',
      '6380',
    ]);
    const vote = ['127.0.0.1', '6380', '0', '*'];
    expect(
      await same(['IS-PRIMARY-DOWN-BY-ADDR', ...vote], ['IS-MASTER-DOWN-BY-ADDR', ...vote]),
    ).toMatchObject({
      type: 'array',
    });
    expect(await s.call('SENTINEL', 'PRIMARY', 'nosuch')).toEqual(err('ERR No such master with that name'));
  });

  it('takes primary-reboot-down-after-period in SENTINEL SET', async () => {
    const s = await setup();
    expect(await s.call('SENTINEL', 'SET', NAME, 'primary-reboot-down-after-period', '1500')).toEqual(OK);
    expect(s.core.view.masters.get(NAME)?.options.masterRebootDownAfterPeriodMs).toBe(1500);
    expect(await s.call('SENTINEL', 'SET', NAME, 'primary-reboot-down-after-period', '-1')).toEqual(
      err("ERR Invalid argument '-1' for SENTINEL SET 'primary-reboot-down-after-period'"),
    );
  });
});

describe('state newer sentinels show', () => {
  it('flags a master in its reboot window with master_reboot, last, as 7.2 does', async () => {
    const s = await setup();
    const m = s.core.view.masters.get(NAME);
    if (m === undefined) throw new Error('no master');
    expect(instanceFlags(m)).toEqual(['master', 'disconnected']);
    expect(instanceFlags({ ...m, masterReboot: true, sDown: true })).toEqual([
      's_down',
      'master',
      'disconnected',
      'master_reboot',
    ]);
  });

  it('counts TILT entries in sentinel_total_tilt', () => {
    let now = 1_000_000;
    const config = { ...defaultSentinelConfig(), myid: 'a'.repeat(40) };
    const core = new Sentinel(config, { now: () => now, random: () => 0.5 }, { serverPort: 26379 });
    const total = () =>
      infoSentinelLines(core.view, { running: 0, queued: 0 }).find((l) =>
        l.startsWith('sentinel_total_tilt:'),
      );
    expect(total()).toBe('sentinel_total_tilt:0');
    for (const jump of [100, 5000, 100, -1000]) {
      now += jump;
      core.tick();
    }
    expect(total()).toBe('sentinel_total_tilt:2');
  });
});
