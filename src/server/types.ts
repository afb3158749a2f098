/**
 * Shapes shared by the server, the dispatcher and the command families. Type-only, and it
 * depends on no module that depends on it: implementations (the registry, the server) import
 * these interfaces, never the other way round.
 */
import type { Reply } from '../protocol/reply';
import type { AclCommand } from './acl/commands';
import type { AclStore } from './acl/store';
import type { ClientSession } from './client';
import type { ChannelArgSpec, CommandDoc } from '../commands/meta';
import type { ServerContext } from './context';
import type { PubSubRegistry } from './pubsub';
import type { ServerStats } from './stats';

export interface CommandSpec extends AclCommand {
  /** Lower-case own name (`kill` for `client|kill`). */
  readonly name: string;
  readonly arity: number;
  /** The arity COMMAND INFO shows (redis-sentinel 7.0's where we accept more). */
  readonly shownArity: number;
  readonly flags: readonly string[];
  /** Has the `no_auth` flag: runs before authentication, whatever the ACL rules say. */
  readonly noAuth: boolean;
  readonly tips: readonly string[];
  /** Held back by CLIENT PAUSE WRITE (Redis's hidden may_replicate flag). */
  readonly mayReplicate: boolean;
  /** Allowed to a RESP2 client in subscribed mode. */
  readonly pubsubContext: boolean;
  /** Arguments the ACL checks as channels, or null. */
  readonly channelArgs: ChannelArgSpec | null;
  readonly doc: CommandDoc;
  /** Enumerated by COMMAND; false for newer commands the chosen command table lacks. */
  readonly listed: boolean;
  readonly parent: CommandSpec | null;
  readonly subcommands: readonly CommandSpec[];
  /** Runs the command; subcommands share their container's handler, as in Redis. */
  readonly handler: CommandHandler;
}

export interface CommandCall {
  readonly host: ServerHost;
  readonly client: ClientSession;
  readonly cmd: CommandSpec;
  readonly argv: readonly Buffer[];
  /** argv[i] decoded as UTF-8 ('' when absent). */
  str(i: number): string;
  reply(r: Reply): void;
}

export type CommandHandler = (call: CommandCall) => void;

/** The command set as a server exposes it (registry.ts builds it from the command table). */
export interface CommandLookup {
  /** The table as built, unaffected by rename-command (ACL rules refer to these names). */
  readonly original: readonly CommandSpec[];
  /** Callable top-level commands that the command table lists (COMMAND COUNT, COMMAND LIST). */
  callable(): CommandSpec[];
  /** The command a request runs: a subcommand when the container has them and argv has one. */
  resolve(argv: readonly Buffer[]): { base?: CommandSpec; cmd?: CommandSpec };
  /** A callable top-level command by a request's argument, case-insensitively. */
  topOf(arg: Buffer | undefined): CommandSpec | undefined;
  /** A subcommand of `base` by a request's argument, case-insensitively. */
  subOf(base: CommandSpec, arg: Buffer | undefined): CommandSpec | undefined;
  /** `name` or `name|sub`, as COMMAND INFO/DOCS and ACL DRYRUN take them. */
  byName(name: string): CommandSpec | undefined;
}

export type PauseMode = 'all' | 'write';

/** What command handlers and the dispatcher need from the server. */
export interface ServerHost {
  readonly ctx: ServerContext;
  readonly acl: AclStore;
  readonly pubsub: PubSubRegistry<ClientSession>;
  readonly commands: CommandLookup;
  readonly stats: ServerStats;
  /** Random per process, as INFO run_id. */
  readonly runId: string;
  /** Connected clients, oldest first. */
  clients(): readonly ClientSession[];
  clientById(id: number): ClientSession | undefined;
  pauseState(): { readonly mode: PauseMode; readonly until: number } | null;
  pauseClients(until: number, mode: PauseMode): void;
  unpauseClients(): void;
}
