import * as fc from 'fast-check';

import {
  DEFAULT_DOWN_AFTER_MS,
  DEFAULT_FAILOVER_TIMEOUT_MS,
  MASTER_OPTIONS,
  type MasterOption,
  type MasterOptions,
  QUORUM_OPTION,
  applyMasterOption,
  defaultMasterOptions,
  lookupSetOption,
  masterOptionByDirective,
  pickMasterOptions,
  setEventText,
} from '../../../src/config/master-options';
import { newMasterConfig } from '../../../src/config/types';
import { atoi, string2ll } from '../../../src/util/redis-parsing';

/** Default settings (quorum 2) with the given renames. */
function withRenames(...renames: [string, string][]): MasterOptions {
  return { ...defaultMasterOptions(2), renameCommands: renames };
}

function option(name: string): MasterOption {
  const found = lookupSetOption(name);
  if (found === undefined) throw new Error(`no option ${name}`);
  return found;
}

/** The settings after a config line's values, or undefined when the line is refused. */
function fromConfig(
  name: string,
  values: string[],
  base = defaultMasterOptions(2),
): MasterOptions | undefined {
  const change = option(name).fromConfig(values, base);
  return change === undefined ? undefined : applyMasterOption(base, change);
}

/** The settings after SENTINEL SET, or the rejected argument. */
function fromSet(name: string, values: string[], base = defaultMasterOptions(2)): MasterOptions | string {
  const parsed = option(name).fromSet(values, base);
  return parsed.ok ? applyMasterOption(base, parsed.change) : parsed.argument;
}

const NUMERIC: [name: string, field: keyof MasterOptions, setMinimum: bigint][] = [
  ['quorum', 'quorum', 1n],
  ['down-after-milliseconds', 'downAfterMs', 1n],
  ['failover-timeout', 'failoverTimeoutMs', 1n],
  ['parallel-syncs', 'parallelSyncs', 1n],
  ['master-reboot-down-after-period', 'masterRebootDownAfterPeriodMs', 0n],
];

describe('master options', () => {
  it('declares each setting once, in the order a flush writes them', () => {
    expect(MASTER_OPTIONS.map((o) => [o.name, o.arity, o.placement])).toEqual([
      ['quorum', 1, 'monitor'],
      ['down-after-milliseconds', 1, 'settings'],
      ['failover-timeout', 1, 'settings'],
      ['parallel-syncs', 1, 'settings'],
      ['notification-script', 1, 'settings'],
      ['client-reconfig-script', 1, 'settings'],
      ['auth-pass', 1, 'settings'],
      ['auth-user', 1, 'settings'],
      ['master-reboot-down-after-period', 1, 'settings'],
      ['rename-command', 2, 'last'],
    ]);
    expect(new Set(MASTER_OPTIONS.map((o) => o.field)).size).toBe(MASTER_OPTIONS.length);
  });

  it('holds the defaults a monitor line starts from', () => {
    expect(defaultMasterOptions(3)).toEqual({
      quorum: 3,
      downAfterMs: DEFAULT_DOWN_AFTER_MS,
      failoverTimeoutMs: DEFAULT_FAILOVER_TIMEOUT_MS,
      parallelSyncs: 1,
      masterRebootDownAfterPeriodMs: 0,
      renameCommands: [],
    });
    expect([DEFAULT_DOWN_AFTER_MS, DEFAULT_FAILOVER_TIMEOUT_MS]).toEqual([30000, 180000]);
  });

  it('finds options case-insensitively; quorum has no directive of its own', () => {
    expect(lookupSetOption('Down-After-Milliseconds')?.field).toBe('downAfterMs');
    expect(lookupSetOption('config-epoch')).toBeUndefined();
    expect(masterOptionByDirective('AUTH-PASS')?.field).toBe('authPass');
    expect(masterOptionByDirective('quorum')).toBeUndefined();
    expect(masterOptionByDirective('monitor')).toBeUndefined();
    expect(MASTER_OPTIONS.every((o) => o.settable)).toBe(true);
  });

  it('reads config numbers with atoi, refusing only out-of-range results', () => {
    expect(fromConfig('down-after-milliseconds', ['5000ms'])?.downAfterMs).toBe(5000);
    expect(fromConfig('down-after-milliseconds', ['abc'])).toBeUndefined();
    expect(fromConfig('failover-timeout', ['-1'])).toBeUndefined();
    expect(fromConfig('parallel-syncs', ['-1'])?.parallelSyncs).toBe(-1);
    expect(fromConfig('master-reboot-down-after-period', ['0'])?.masterRebootDownAfterPeriodMs).toBe(0);
    expect(fromConfig('master-reboot-down-after-period', ['-5'])).toBeUndefined();
    expect(QUORUM_OPTION.fromConfig(['0'])).toBeUndefined();
    expect(applyMasterOption(defaultMasterOptions(9), QUORUM_OPTION.fromConfig([' 2x'])!).quorum).toBe(2);
  });

  it('gives the loader its messages', () => {
    expect(option('down-after-milliseconds').configError).toBe('negative or zero time parameter.');
    expect(option('master-reboot-down-after-period').configError).toBe('negative time parameter.');
    expect(QUORUM_OPTION.configError).toBe('Quorum must be 1 or greater.');
    expect(option('client-reconfig-script').configError).toBe(
      'Client reconfiguration script seems non existing or non executable.',
    );
  });

  it('matches atoi and the minimum for every config number', () => {
    const minimum: Record<string, number> = {
      quorum: 1,
      'down-after-milliseconds': 1,
      'failover-timeout': 1,
      'master-reboot-down-after-period': 0,
      'parallel-syncs': -Infinity,
    };
    fc.assert(
      fc.property(fc.constantFrom(...NUMERIC), fc.string(), ([name, field], text) => {
        const expected = atoi(text) >= (minimum[name] ?? 0) ? atoi(text) : undefined;
        expect(fromConfig(name, [text])?.[field]).toBe(expected);
      }),
    );
  });

  it('reads SENTINEL SET numbers with string2ll and a minimum, rejecting the argument', () => {
    expect(fromSet('down-after-milliseconds', ['5000'])).toMatchObject({ downAfterMs: 5000 });
    for (const bad of ['0', '+5', '05', ' 5', '5ms', '', '9223372036854775808']) {
      expect(fromSet('failover-timeout', [bad])).toBe(bad);
    }
    expect(fromSet('parallel-syncs', ['-1'])).toBe('-1');
    expect(fromSet('master-reboot-down-after-period', ['0'])).toMatchObject({
      masterRebootDownAfterPeriodMs: 0,
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...NUMERIC),
        fc.oneof(fc.string(), fc.bigInt().map(String)),
        ([name, field, min], text) => {
          const n = string2ll(text);
          const result = fromSet(name, [text]);
          if (n !== null && n >= min) expect(result).toMatchObject({ [field]: Number(n) });
          else expect(result).toBe(text);
        },
      ),
    );
  });

  it('keeps config strings as written but unsets them with "" through SENTINEL SET', () => {
    expect(fromConfig('auth-pass', [''])?.authPass).toBe('');
    expect(fromConfig('notification-script', ['n.sh'])?.notificationScript).toBe('n.sh');
    const withPass = { ...defaultMasterOptions(2), authPass: 'pw' };
    expect(fromSet('auth-pass', [''], withPass)).toMatchObject({ authPass: undefined });
    expect(fromSet('auth-user', ['alice'])).toMatchObject({ authUser: 'alice' });
    expect(option('notification-script').scriptError).toBe('SNT_ERR_NOTIFICATION_SCRIPT_UNUSABLE');
    expect(option('client-reconfig-script').scriptError).toBe('SNT_ERR_RECONFIG_SCRIPT_UNUSABLE');
    expect(option('auth-pass').scriptError).toBeUndefined();
  });

  it('tells the core what to do after SENTINEL SET', () => {
    const effects = MASTER_OPTIONS.filter((o) => o.afterSet !== undefined).map((o) => [o.name, o.afterSet]);
    expect(effects).toEqual([
      ['down-after-milliseconds', 'propagate-down-after'],
      ['auth-pass', 'drop-links'],
      ['auth-user', 'drop-links'],
    ]);
  });

  it('refuses a second config rename of the same command, case-insensitively', () => {
    const once = fromConfig('rename-command', ['CONFIG', 'a']);
    expect(once?.renameCommands).toEqual([['config', 'a']]);
    expect(fromConfig('rename-command', ['config', 'b'], once)).toBeUndefined();
    expect(fromConfig('rename-command', ['info', 'b'], once)?.renameCommands).toEqual([
      ['config', 'a'],
      ['info', 'b'],
    ]);
  });

  it('replaces, moves to the end or removes a rename through SENTINEL SET', () => {
    const base = withRenames(['config', 'a'], ['info', 'i']);
    expect(fromSet('rename-command', ['CONFIG', 'b'], base)).toMatchObject({
      renameCommands: [
        ['info', 'i'],
        ['config', 'b'],
      ],
    });
    expect(fromSet('rename-command', ['Info', 'INFO'], base)).toMatchObject({
      renameCommands: [['config', 'a']],
    });
    expect(fromSet('rename-command', ['', 'x'], base)).toBe('');
    expect(fromSet('rename-command', ['x', ''], base)).toBe('');
    expect(base.renameCommands).toHaveLength(2);
  });

  it('shows the +set payload as typed, hiding auth-pass', () => {
    expect(setEventText(option('auth-pass'), 'AUTH-PASS', ['secret'])).toBe('AUTH-PASS ******');
    expect(setEventText(option('quorum'), 'Quorum', ['3'])).toBe('Quorum 3');
    expect(setEventText(option('rename-command'), 'rename-command', ['config', 'x'])).toBe(
      'rename-command config x',
    );
  });

  it('writes a line only away from the default, one per rename', () => {
    const options = { ...withRenames(), parallelSyncs: 4, authPass: '' };
    const lines = MASTER_OPTIONS.flatMap((o) => o.rewriteValues(options).map((v) => [o.name, ...v]));
    expect(lines).toEqual([
      ['quorum', 2],
      ['parallel-syncs', 4],
      ['auth-pass', ''],
    ]);
    expect(option('rename-command').rewriteValues(withRenames(['a', 'b'], ['c', 'd']))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('applies a change to a copy of any object holding the settings', () => {
    const config = newMasterConfig('m', '127.0.0.1', 6379, 2);
    const parsed = option('failover-timeout').fromSet(['1000'], config);
    if (!parsed.ok) throw new Error('refused');
    const next = applyMasterOption(config, parsed.change);
    expect(next).toMatchObject({ name: 'm', failoverTimeoutMs: 1000 });
    expect(config.failoverTimeoutMs).toBe(DEFAULT_FAILOVER_TIMEOUT_MS);
    const picked = pickMasterOptions(next);
    expect(picked).not.toHaveProperty('name');
    expect(picked.renameCommands).not.toBe(next.renameCommands);
  });
});
