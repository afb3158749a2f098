/**
 * The registry of every error reply ts-sentinel can send, by stable code, in the words of
 * redis-sentinel 7.0 (the first word is Redis's error code: ERR, NOAUTH, ...). No other file
 * spells one of these texts: the core returns codes, the server renders them with `errorText`.
 * Sections are per command family so each family's errors stay together.
 */

const TEXTS = {
  // ---------------------------------------------------------------- shared by every family
  SNT_ERR_SYNTAX: () => 'ERR syntax error',
  SNT_ERR_NOT_AN_INTEGER: () => 'ERR value is not an integer or out of range',
  SNT_ERR_WRONG_ARITY: (fullname: string) => `ERR wrong number of arguments for '${fullname}' command`,
  SNT_ERR_UNKNOWN_SUBCOMMAND: (typed: string, command: string) =>
    `ERR unknown subcommand '${typed}'. Try ${command} HELP.`,

  // ---------------------------------------------------------------- SENTINEL
  SNT_ERR_NO_SUCH_MASTER: () => 'ERR No such master with that name',
  SNT_ERR_SAVE_FAILED: () => 'ERR Failed to save config file. Check server logs.',
  SNT_ERR_FAILOVER_IN_PROGRESS: () => 'INPROG Failover already in progress',
  SNT_ERR_NO_GOOD_REPLICA: () => 'NOGOODSLAVE No suitable replica to promote',
  SNT_ERR_QUORUM_TOO_SMALL: () => 'ERR Quorum must be 1 or greater.',
  SNT_ERR_INVALID_HOST: () => 'ERR Invalid IP address or hostname specified',
  SNT_ERR_INVALID_PORT_NUMBER: () => 'ERR Invalid port number.',
  SNT_ERR_DUPLICATE_MASTER: () => 'ERR Duplicate master name.',
  SNT_ERR_INVALID_QUORUM: () => 'ERR Invalid quorum',
  SNT_ERR_INVALID_PORT: () => 'ERR Invalid port',
  SNT_ERR_NOQUORUM: (text: string) => `NOQUORUM ${text}`,
  SNT_ERR_SET_INVALID_ARGUMENT: (value: string, option: string) =>
    `ERR Invalid argument '${value}' for SENTINEL SET '${option}'`,
  SNT_ERR_SET_UNKNOWN_OPTION: (option: string) =>
    `ERR Unknown option or number of arguments for SENTINEL SET '${option}'`,
  SNT_ERR_SCRIPTS_RECONFIG_DENIED: () =>
    'ERR Reconfiguration of scripts path is denied for security reasons. Check the ' +
    'deny-scripts-reconfig configuration directive in your Sentinel configuration',
  SNT_ERR_NOTIFICATION_SCRIPT_UNUSABLE: () => 'ERR Notification script seems non existing or non executable',
  SNT_ERR_RECONFIG_SCRIPT_UNUSABLE: () =>
    'ERR Client reconfiguration script seems non existing or non executable',
  SNT_ERR_UNKNOWN_FAILURE_SIMULATION: () => 'ERR Unknown failure simulation specified',
  SNT_ERR_DEBUG_UNKNOWN_OPTION: (option: string) =>
    `ERR Unknown option or number of arguments for SENTINEL DEBUG '${option}'`,
  SNT_ERR_DEBUG_INVALID_ARGUMENT: (value: string, option: string) =>
    `ERR Invalid argument '${value}' for SENTINEL DEBUG '${option}'`,
  SNT_ERR_CONFIG_USAGE: () => 'ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.',
  SNT_ERR_CONFIG_INVALID_VALUE: (value: string, param: string) =>
    `ERR Invalid value '${value}' to SENTINEL CONFIG SET '${param}'`,
  SNT_ERR_CONFIG_UNKNOWN_PARAMETER: (param: string) =>
    `ERR Invalid argument '${param}' to SENTINEL CONFIG SET`,

  // ---------------------------------------------------------------- connection, dispatch, protocol

  // ---------------------------------------------------------------- ACL

  // ---------------------------------------------------------------- CLIENT

  // ---------------------------------------------------------------- server, COMMAND, pub/sub
} satisfies Record<`SNT_ERR_${string}`, (...args: never[]) => string>;

export type ErrorCode = keyof typeof TEXTS;
export type ErrorArgs<C extends ErrorCode> = Parameters<(typeof TEXTS)[C]>;

/** A failure as the core and the command families return it: a stable code and its Redis text. */
export interface CodedError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** The Redis text of `code` (error code word first, no trailing CRLF). */
export function errorText<C extends ErrorCode>(code: C, ...args: ErrorArgs<C>): string {
  const render = TEXTS[code] as (...a: ErrorArgs<C>) => string;
  return render(...args);
}

export function codedError<C extends ErrorCode>(code: C, ...args: ErrorArgs<C>): CodedError {
  return { code, message: errorText(code, ...args) };
}

/** What a typed operation returns: a value, or a coded error. */
export type Outcome<T = undefined> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CodedError };

export function succeed(): Outcome;
export function succeed<T>(value: T): Outcome<T>;
export function succeed<T>(value?: T): Outcome<T | undefined> {
  return { ok: true, value };
}

export function failWith<C extends ErrorCode>(
  code: C,
  ...args: ErrorArgs<C>
): { readonly ok: false; readonly error: CodedError } {
  return { ok: false, error: codedError(code, ...args) };
}
