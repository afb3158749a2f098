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
  SNT_ERR_COORDINATED_MASTER_DOWN: () =>
    'ERR The master is not reachable: a COORDINATED failover needs it (add FORCE to fall back to a plain failover)',
  SNT_ERR_COORDINATED_MASTER_TOO_OLD: (version: string) =>
    `ERR The master runs Redis ${version}: a COORDINATED failover needs FAILOVER (Redis 6.2 or newer; add FORCE to fall back to a plain failover)`,
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
  SNT_ERR_CONFIG_USAGE: () =>
    'ERR Only SENTINEL CONFIG GET <param> [<param> <param> ...] / SET <param> <value> [<param> <value> ...] are supported.',
  SNT_ERR_CONFIG_INVALID_VALUE: (value: string, param: string) =>
    `ERR Invalid value '${value}' to SENTINEL CONFIG SET '${param}'`,
  SNT_ERR_CONFIG_UNKNOWN_PARAMETER: (param: string) =>
    `ERR Invalid argument '${param}' to SENTINEL CONFIG SET`,
  SNT_ERR_CONFIG_DUPLICATE_PARAMETER: (param: string) =>
    `ERR Duplicate argument '${param}' to SENTINEL CONFIG SET`,
  SNT_ERR_CONFIG_MISSING_VALUE: (param: string) => `ERR Missing argument '${param}' value`,

  // ---------------------------------------------------------------- connection, dispatch, protocol
  SNT_ERR_UNKNOWN_COMMAND: (name: string, args: string) =>
    `ERR unknown command '${name}', with args beginning with: ${args}`,
  SNT_ERR_SUBCOMMAND_SYNTAX: (typed: string, command: string) =>
    `ERR unknown subcommand or wrong number of arguments for '${typed}'. Try ${command} HELP.`,
  SNT_ERR_NOAUTH: () => 'NOAUTH Authentication required.',
  SNT_ERR_WRONGPASS: () => 'WRONGPASS invalid username-password pair or user is disabled.',
  SNT_ERR_NOPERM_COMMAND: (fullname: string) =>
    `NOPERM this user has no permissions to run the '${fullname}' command`,
  SNT_ERR_NOPERM_CHANNEL: () =>
    'NOPERM this user has no permissions to access one of the channels used as arguments',
  SNT_ERR_PUBSUB_CONTEXT: (fullname: string) =>
    `ERR Can't execute '${fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  SNT_ERR_MAX_CLIENTS: () => 'ERR max number of clients reached',
  SNT_ERR_AUTH_WITHOUT_PASSWORD: () =>
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  SNT_ERR_HELLO_PROTOVER_NOT_INTEGER: () => 'ERR Protocol version is not an integer or out of range',
  SNT_ERR_NOPROTO: () => 'NOPROTO unsupported protocol version',
  SNT_ERR_HELLO_SYNTAX: (option: string) => `ERR Syntax error in HELLO option '${option}'`,
  SNT_ERR_HELLO_NOAUTH: () =>
    'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
  // Request framing (networking.c); each one closes the connection after the reply.
  SNT_ERR_PROTO_INLINE_TOO_BIG: () => 'ERR Protocol error: too big inline request',
  SNT_ERR_PROTO_UNBALANCED_QUOTES: () => 'ERR Protocol error: unbalanced quotes in request',
  SNT_ERR_PROTO_MBULK_COUNT_TOO_BIG: () => 'ERR Protocol error: too big mbulk count string',
  SNT_ERR_PROTO_INVALID_MBULK_LEN: () => 'ERR Protocol error: invalid multibulk length',
  SNT_ERR_PROTO_UNAUTH_MBULK_LEN: () => 'ERR Protocol error: unauthenticated multibulk length',
  SNT_ERR_PROTO_BULK_COUNT_TOO_BIG: () => 'ERR Protocol error: too big bulk count string',
  SNT_ERR_PROTO_EXPECTED_DOLLAR: (got: string) => `ERR Protocol error: expected '$', got '${got}'`,
  SNT_ERR_PROTO_INVALID_BULK_LEN: () => 'ERR Protocol error: invalid bulk length',
  SNT_ERR_PROTO_UNAUTH_BULK_LEN: () => 'ERR Protocol error: unauthenticated bulk length',
  // Sent on accept to a non-loopback client, then the connection closes (networking.c).
  SNT_ERR_PROTECTED_MODE: () =>
    'DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
    'In this mode connections are only accepted from the loopback interface. ' +
    'If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
    "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface " +
    'by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible ' +
    'from internet if you do so. Use CONFIG REWRITE to make this change permanent. ' +
    "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
    "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
    '4) Setup a an authentication password for the default user. ' +
    'NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.',

  // ---------------------------------------------------------------- ACL
  SNT_ERR_ACL_DELETE_DEFAULT: () => "ERR The 'default' user cannot be removed",
  SNT_ERR_ACL_NO_ACLFILE: () =>
    'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',
  /** `details`: the per-line errors of the file, as ACLLoadFromFile collects them. */
  SNT_ERR_ACL_LOAD: (details: string) => `ERR ${details}`,
  SNT_ERR_ACL_SAVE: () =>
    'ERR There was an error trying to save the ACLs. Please check the server logs for more information',
  SNT_ERR_ACL_UNKNOWN_CATEGORY: (category: string) => `ERR Unknown category '${category}'`,
  SNT_ERR_ACL_BAD_USERNAME: () => "ERR Usernames can't contain spaces or null characters",
  /** `reason`: one of the rule grammar's reasons (ACLSetUserStringError). */
  SNT_ERR_ACL_SETUSER: (rule: string, reason: string) =>
    `ERR Error in ACL SETUSER modifier '${rule}': ${reason}`,
  SNT_ERR_ACL_GENPASS_BITS: (max: number) =>
    `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${max}`,
  SNT_ERR_ACL_NO_SUCH_USER: (user: string) => `ERR User '${user}' not found`,
  SNT_ERR_ACL_NO_SUCH_COMMAND: (command: string) => `ERR Command '${command}' not found`,

  // ---------------------------------------------------------------- CLIENT
  SNT_ERR_BAD_CLIENT_NAME: () => 'ERR Client names cannot contain spaces, newlines or special characters.',
  SNT_ERR_SETINFO_UNKNOWN_OPTION: (typed: string) => `ERR Unrecognized option '${typed}'`,
  SNT_ERR_SETINFO_BAD_VALUE: (typed: string) =>
    `ERR ${typed} cannot contain spaces, newlines or special characters.`,
  SNT_ERR_CLIENT_UNBLOCK_REASON: () => 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
  SNT_ERR_CLIENT_UNKNOWN_TYPE: (type: string) => `ERR Unknown client type '${type}'`,
  SNT_ERR_CLIENT_INVALID_ID: () => 'ERR Invalid client ID',
  SNT_ERR_CLIENT_ID_NOT_POSITIVE: () => 'ERR client-id should be greater than 0',
  SNT_ERR_CLIENT_NO_SUCH_USER: (user: string) => `ERR No such user '${user}'`,
  SNT_ERR_CLIENT_NO_SUCH_CLIENT: () => 'ERR No such client',
  SNT_ERR_CLIENT_PAUSE_MODE: () => 'ERR CLIENT PAUSE mode must be WRITE or ALL',
  SNT_ERR_CLIENT_TIMEOUT_NOT_INTEGER: () => 'ERR timeout is not an integer or out of range',
  SNT_ERR_CLIENT_TIMEOUT_NEGATIVE: () => 'ERR timeout is negative',
  SNT_ERR_TRACKING_ONE_REDIRECT: () => 'ERR A client can only redirect to a single other client',
  SNT_ERR_TRACKING_NO_REDIRECT_CLIENT: () => 'ERR The client ID you want redirect to does not exist',
  SNT_ERR_TRACKING_PREFIX_NEEDS_BCAST: () => 'ERR PREFIX option requires BCAST mode to be enabled',
  SNT_ERR_TRACKING_BCAST_SWITCH: () =>
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
  SNT_ERR_TRACKING_BCAST_WITH_OPTIN_OPTOUT: () => 'ERR OPTIN and OPTOUT are not compatible with BCAST',
  SNT_ERR_TRACKING_OPTIN_AND_OPTOUT: () => "ERR You can't specify both OPTIN mode and OPTOUT mode",
  SNT_ERR_TRACKING_OPTIN_OPTOUT_SWITCH: () =>
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
  SNT_ERR_TRACKING_PREFIX_OVERLAPS_EXISTING: (prefix: string, existing: string) =>
    `ERR Prefix '${prefix}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`,
  SNT_ERR_TRACKING_PREFIX_OVERLAPS_OTHER: (prefix: string, other: string) =>
    `ERR Prefix '${prefix}' overlaps with another provided prefix '${other}'. Prefixes for a single client must not overlap.`,
  SNT_ERR_CACHING_NOT_TRACKING: () =>
    'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
  SNT_ERR_CACHING_YES_NEEDS_OPTIN: () =>
    'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.',
  SNT_ERR_CACHING_NO_NEEDS_OPTOUT: () =>
    'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.',

  // ---------------------------------------------------------------- server, COMMAND, pub/sub
  SNT_ERR_NO_SHUTDOWN_IN_PROGRESS: () => 'ERR No shutdown in progress.',
  SNT_ERR_GETKEYS_INVALID_COMMAND: () => 'ERR Invalid command specified',
  SNT_ERR_GETKEYS_NO_KEYS: () => 'ERR The command has no key arguments',
  SNT_ERR_PUBLISH_NOT_HELLO: () => 'ERR Only HELLO messages are accepted by Sentinel instances.',
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
