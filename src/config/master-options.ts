/**
 * The per-master settings, each declared once: its `sentinel <directive> <master> ...` line,
 * the field it fills, its default, how a config line and SENTINEL SET read its values (each
 * with the integer rule redis-sentinel applies there), its `+set` text and its rewrite.
 *
 * Pure data and functions: the I/O-free core imports this module. Checking that a script
 * path is executable is the caller's job (it needs fs), as is refusing script changes
 * under `deny-scripts-reconfig`.
 */
import { z } from 'zod';

import type { ErrorCode } from '../errors';
import { atoi, strictInteger } from './values';

export const DEFAULT_DOWN_AFTER_MS = 30000;
export const DEFAULT_FAILOVER_TIMEOUT_MS = 180000;
export const DEFAULT_PARALLEL_SYNCS = 1;
export const DEFAULT_MASTER_REBOOT_DOWN_AFTER_PERIOD_MS = 0;

/** What SENTINEL SET may change and a flush persists, for one master. */
export interface MasterOptions {
  /** Given by `monitor` (and written in its line); changed by SENTINEL SET quorum. */
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
  notificationScript?: string;
  clientReconfigScript?: string;
  authPass?: string;
  authUser?: string;
  masterRebootDownAfterPeriodMs: number;
  /** Original command name (lower-case) -> new name, in insertion order. */
  renameCommands: [string, string][];
}

export type MasterOptionField = keyof MasterOptions;

/** The settings of a master that `monitor` (or SENTINEL MONITOR) just created. */
export function defaultMasterOptions(quorum: number): MasterOptions {
  return {
    quorum,
    downAfterMs: DEFAULT_DOWN_AFTER_MS,
    failoverTimeoutMs: DEFAULT_FAILOVER_TIMEOUT_MS,
    parallelSyncs: DEFAULT_PARALLEL_SYNCS,
    masterRebootDownAfterPeriodMs: DEFAULT_MASTER_REBOOT_DOWN_AFTER_PERIOD_MS,
    renameCommands: [],
  };
}

/** A checked new value for one setting; only `applyMasterOption` opens it. */
export interface MasterOptionChange {
  readonly field: MasterOptionField;
  readonly assign: (target: MasterOptions) => void;
}

/** A copy of `options` (or of any object holding them) with the change made. */
export function applyMasterOption<T extends MasterOptions>(options: T, change: MasterOptionChange): T {
  const next = { ...options };
  const view: MasterOptions = next;
  change.assign(view);
  return next;
}

/** Just the settings of `source` (a MasterConfig, say), the rename list copied. */
export function pickMasterOptions(source: Readonly<MasterOptions>): MasterOptions {
  return {
    quorum: source.quorum,
    downAfterMs: source.downAfterMs,
    failoverTimeoutMs: source.failoverTimeoutMs,
    parallelSyncs: source.parallelSyncs,
    notificationScript: source.notificationScript,
    clientReconfigScript: source.clientReconfigScript,
    authPass: source.authPass,
    authUser: source.authUser,
    masterRebootDownAfterPeriodMs: source.masterRebootDownAfterPeriodMs,
    renameCommands: source.renameCommands.map(([from, to]) => [from, to]),
  };
}

/** SENTINEL SET's reading of an option's values: a change, or the argument it rejects. */
export type SetParse =
  | { readonly ok: true; readonly change: MasterOptionChange }
  | { readonly ok: false; readonly argument: string };

export interface MasterOption {
  /** Lower-case directive name, which is also the SENTINEL SET option name. */
  readonly name: string;
  /** Other names read from config lines and SENTINEL SET; a flush writes `name` only. */
  readonly aliases: readonly string[];
  readonly field: MasterOptionField;
  /** Values after the master name (config line) or after the option name (SENTINEL SET). */
  readonly arity: number;
  /** Where a flush writes it: in the `monitor` line, with the settings, or after the known instances. */
  readonly placement: 'monitor' | 'settings' | 'last';
  /** Whether SENTINEL SET accepts it. */
  readonly settable: boolean;
  /**
   * A config line's values, read as redis-sentinel reads them; undefined when refused.
   * `current` is the master's settings so far, absent while `monitor` creates it.
   */
  fromConfig(values: readonly string[], current?: Readonly<MasterOptions>): MasterOptionChange | undefined;
  /** The loader's message when `fromConfig` refuses the value, or a script is not executable. */
  readonly configError: string;
  /** SENTINEL SET's values, read with string2ll where it takes a number. */
  fromSet(values: readonly string[], current: Readonly<MasterOptions>): SetParse;
  /** A script path: must be executable (when non-empty for SENTINEL SET); this code otherwise. */
  readonly scriptError?: ErrorCode;
  /** What the core must do after SENTINEL SET changes it. */
  readonly afterSet?: 'propagate-down-after' | 'drop-links';
  /** The `+set` event hides the value (`******`). */
  readonly redacted: boolean;
  /** The values of each line a flush writes after `sentinel <name> <master>`; none at the default. */
  rewriteValues(options: Readonly<MasterOptions>): (string | number)[][];
}

/** How one kind of value reads from a config line and from SENTINEL SET. */
interface ValueKind<T> {
  readonly config: z.ZodType<T, string>;
  readonly set: z.ZodType<T, string>;
}

/** Config lines read numbers with atoi(): garbage is 0, so only the range can fail. */
const atoiAtLeast = (min: number) => z.string().transform(atoi).pipe(z.number().gte(min));
/** SENTINEL SET reads them with string2ll() and a minimum. */
const string2llAtLeast = (min: bigint) => strictInteger.pipe(z.bigint().gte(min)).transform(Number);

const POSITIVE: ValueKind<number> = { config: atoiAtLeast(1), set: string2llAtLeast(1n) };
const NON_NEGATIVE: ValueKind<number> = { config: atoiAtLeast(0), set: string2llAtLeast(0n) };
/** QUIRK: the config file takes any atoi value for parallel-syncs, SENTINEL SET only > 0. */
const ANY_COUNT: ValueKind<number> = { config: z.string().transform(atoi), set: string2llAtLeast(1n) };
/** Kept as written in the file (even ""); `""` unsets it through SENTINEL SET. */
const TEXT: ValueKind<string | undefined> = {
  config: z.string(),
  set: z.string().transform((s) => (s === '' ? undefined : s)),
};

type ScalarField = {
  [K in MasterOptionField]-?: MasterOptions[K] extends readonly unknown[] ? never : K;
}[MasterOptionField];

interface ScalarSpec<K extends ScalarField> {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly field: K;
  readonly kind: ValueKind<MasterOptions[K]>;
  /** A flush skips the line at this value (unset optional settings are always skipped). */
  readonly default?: MasterOptions[K];
  readonly placement?: 'monitor';
  readonly configError?: string;
  readonly scriptError?: ErrorCode;
  readonly afterSet?: MasterOption['afterSet'];
  readonly redacted?: boolean;
}

function scalar<K extends ScalarField>(spec: ScalarSpec<K>): MasterOption {
  const change = (value: MasterOptions[K]): MasterOptionChange => ({
    field: spec.field,
    assign: (target) => {
      target[spec.field] = value;
    },
  });
  return {
    name: spec.name,
    aliases: spec.aliases ?? [],
    field: spec.field,
    arity: 1,
    placement: spec.placement ?? 'settings',
    settable: true,
    fromConfig(values) {
      const parsed = spec.kind.config.safeParse(values[0] ?? '');
      return parsed.success ? change(parsed.data) : undefined;
    },
    configError: spec.configError ?? '',
    fromSet(values) {
      const raw = values[0] ?? '';
      const parsed = spec.kind.set.safeParse(raw);
      return parsed.success ? { ok: true, change: change(parsed.data) } : { ok: false, argument: raw };
    },
    scriptError: spec.scriptError,
    afterSet: spec.afterSet,
    redacted: spec.redacted ?? false,
    rewriteValues(options) {
      const value = options[spec.field];
      return value === undefined || value === spec.default ? [] : [[value]];
    },
  };
}

const renameCommand: MasterOption = {
  name: 'rename-command',
  aliases: [],
  field: 'renameCommands',
  arity: 2,
  placement: 'last',
  settable: true,
  fromConfig([command = '', renamed = ''], current) {
    const key = command.toLowerCase();
    const list = current?.renameCommands ?? [];
    if (list.some(([from]) => from === key)) return undefined;
    return renameTo([...list, [key, renamed]]);
  },
  configError: 'Same command renamed multiple times with rename-command.',
  fromSet([command = '', renamed = ''], current) {
    if (command === '' || renamed === '') return { ok: false, argument: '' };
    const key = command.toLowerCase();
    const list = current.renameCommands.filter(([from]) => from !== key);
    // Renaming a command to itself removes the rename.
    if (key !== renamed.toLowerCase()) list.push([key, renamed]);
    return { ok: true, change: renameTo(list) };
  },
  redacted: false,
  rewriteValues: (options) => options.renameCommands.map(([from, to]) => [from, to]),
};

function renameTo(list: [string, string][]): MasterOptionChange {
  return {
    field: 'renameCommands',
    assign: (target) => {
      target.renameCommands = list;
    },
  };
}

const TIME_NOT_POSITIVE = 'negative or zero time parameter.';

/** The setting the `monitor` line carries. */
export const QUORUM_OPTION: MasterOption = scalar({
  name: 'quorum',
  field: 'quorum',
  kind: POSITIVE,
  placement: 'monitor',
  configError: 'Quorum must be 1 or greater.',
});

/** Every per-master setting, in the order a flush writes them. */
export const MASTER_OPTIONS: readonly MasterOption[] = [
  QUORUM_OPTION,
  scalar({
    name: 'down-after-milliseconds',
    field: 'downAfterMs',
    kind: POSITIVE,
    default: DEFAULT_DOWN_AFTER_MS,
    configError: TIME_NOT_POSITIVE,
    afterSet: 'propagate-down-after',
  }),
  scalar({
    name: 'failover-timeout',
    field: 'failoverTimeoutMs',
    kind: POSITIVE,
    default: DEFAULT_FAILOVER_TIMEOUT_MS,
    configError: TIME_NOT_POSITIVE,
  }),
  scalar({
    name: 'parallel-syncs',
    field: 'parallelSyncs',
    kind: ANY_COUNT,
    default: DEFAULT_PARALLEL_SYNCS,
  }),
  scalar({
    name: 'notification-script',
    field: 'notificationScript',
    kind: TEXT,
    configError: 'Notification script seems non existing or non executable.',
    scriptError: 'SNT_ERR_NOTIFICATION_SCRIPT_UNUSABLE',
  }),
  scalar({
    name: 'client-reconfig-script',
    field: 'clientReconfigScript',
    kind: TEXT,
    configError: 'Client reconfiguration script seems non existing or non executable.',
    scriptError: 'SNT_ERR_RECONFIG_SCRIPT_UNUSABLE',
  }),
  scalar({ name: 'auth-pass', field: 'authPass', kind: TEXT, afterSet: 'drop-links', redacted: true }),
  scalar({ name: 'auth-user', field: 'authUser', kind: TEXT, afterSet: 'drop-links' }),
  scalar({
    name: 'master-reboot-down-after-period',
    // Valkey 8.0's name; written back under the 7.0 name so that redis-sentinel loads the file.
    aliases: ['primary-reboot-down-after-period'],
    field: 'masterRebootDownAfterPeriodMs',
    kind: NON_NEGATIVE,
    default: DEFAULT_MASTER_REBOOT_DOWN_AFTER_PERIOD_MS,
    configError: 'negative time parameter.',
  }),
  renameCommand,
];

const BY_NAME: ReadonlyMap<string, MasterOption> = new Map(
  MASTER_OPTIONS.flatMap((o) => [o.name, ...o.aliases].map((name) => [name, o] as const)),
);

/** The option a `sentinel <directive>` line sets (case-insensitive); quorum has no line of its own. */
export function masterOptionByDirective(directive: string): MasterOption | undefined {
  const option = BY_NAME.get(directive.toLowerCase());
  return option?.placement === 'monitor' ? undefined : option;
}

/** The option SENTINEL SET names (case-insensitive), if SENTINEL SET accepts it. */
export function lookupSetOption(name: string): MasterOption | undefined {
  const option = BY_NAME.get(name.toLowerCase());
  return option?.settable ? option : undefined;
}

/** The payload after `+set <master>`: the option as typed and its values, or `******`. */
export function setEventText(option: MasterOption, typed: string, values: readonly string[]): string {
  return option.redacted ? `${typed} ******` : [typed, ...values].join(' ');
}
