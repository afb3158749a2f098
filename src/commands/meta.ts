/**
 * What the command table says of each command: the shapes of its entries, and which Redis
 * version's set COMMAND enumerates. The data itself is in table.ts.
 */

export interface CommandDoc {
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly complexity?: string;
  readonly deprecatedSince?: string;
  readonly replacedBy?: string;
}

/** Which arguments the ACL checks as channels: argv[first..last] (last -1: to the end). */
export interface ChannelArgSpec {
  readonly first: number;
  readonly last: number;
  /** PSUBSCRIBE's arguments are patterns, matched literally against the user's. */
  readonly patterns: boolean;
}

export interface CommandMeta {
  /** Lower-case name; for a subcommand, the part after `|`. */
  readonly name: string;
  /** Redis convention: positive = exact argc, negative = minimum argc. */
  readonly arity: number;
  /** What COMMAND INFO shows when we accept more than redis-sentinel 7.0 (its arity). */
  readonly shownArity?: number;
  readonly flags: readonly string[];
  /** ACL categories without the `@`. */
  readonly categories: readonly string[];
  readonly tips?: readonly string[];
  /** Redis's CMD_MAY_REPLICATE, hidden from COMMAND INFO: CLIENT PAUSE WRITE holds it back. */
  readonly mayReplicate?: boolean;
  /** Allowed to a RESP2 client in subscribed mode (Redis lists these handlers in processCommand). */
  readonly pubsubContext?: boolean;
  readonly channelArgs?: ChannelArgSpec;
  readonly doc: CommandDoc;
  readonly subcommands?: readonly CommandMeta[];
  /** Absent for redis-sentinel 7.0's commands; see `listedIn`. */
  readonly introducedIn?: Introduction;
}

/** Where a command beyond redis-sentinel 7.0 comes from. */
export type Introduction = 'redis-7.2' | 'valkey-8.0';

/**
 * Whose command set COMMAND (COUNT, LIST, INFO, DOCS without names, a container's subcommands)
 * enumerates. Every command is callable and found by name whatever the table; only the listing
 * differs, because Redis's own suites assert it: 7.0's 72 names, and 7.4's with CLIENT SETINFO.
 */
export type CommandTable = '7.0' | '7.4';

export const COMMAND_TABLES: readonly CommandTable[] = ['7.0', '7.4'];

/** Whether `table` lists a command; Valkey's aliases are listed by no Redis table. */
export function listedIn(table: CommandTable, meta: { readonly introducedIn?: Introduction }): boolean {
  if (meta.introducedIn === undefined) return true;
  return meta.introducedIn === 'redis-7.2' && table === '7.4';
}
