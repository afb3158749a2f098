/**
 * Shapes shared by the server, client sessions and command families. Type-only, so command
 * files can depend on the server without import cycles at run time.
 */
import type { Reply } from '../protocol/reply';
import type { AclCommand, AclStore } from './acl';
import type { ClientSession } from './client';
import type { CommandDoc } from './commandTable';
import type { CommandRegistry } from './dispatch';
import type { ServerContext } from './context';
import type { PubSubRegistry } from './pubsub';

export interface CommandSpec extends AclCommand {
  /** Lower-case own name (`kill` for `client|kill`). */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly tips: readonly string[];
  readonly doc: CommandDoc;
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

export interface ServerStats {
  connectionsReceived: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  rejectedConnections: number;
  errorReplies: number;
  readsProcessed: number;
  writesProcessed: number;
}

export type PauseMode = 'all' | 'write';

/** What command handlers and client sessions need from the server. */
export interface ServerHost {
  readonly ctx: ServerContext;
  readonly acl: AclStore;
  readonly pubsub: PubSubRegistry<ClientSession>;
  readonly commands: CommandRegistry;
  readonly stats: ServerStats;
  /** Random per process, as INFO run_id. */
  readonly runId: string;
  /** Connected clients, oldest first. */
  clients(): readonly ClientSession[];
  clientById(id: number): ClientSession | undefined;
  /** Called by a session when its connection is gone. */
  unregister(client: ClientSession): void;
  pauseState(): { readonly mode: PauseMode; readonly until: number } | null;
  pauseClients(until: number, mode: PauseMode): void;
  unpauseClients(): void;
}
