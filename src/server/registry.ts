/**
 * The command set of a server: the command table with handlers attached, and rename-command
 * applied to the callable names.
 */
import { NameTable } from './name-table';
import { type CommandMeta, type CommandTable, listedIn } from '../commands/meta';
import { SENTINEL_COMMANDS, type CommandName } from '../commands/table';
import type { CommandHandler, CommandLookup, CommandSpec } from './types';

export class CommandRegistry implements CommandLookup {
  /** The table as built, unaffected by rename-command (ACL rules refer to these names). */
  readonly original: readonly CommandSpec[];
  /** Lower-case callable name -> command, in table order; rename-command edits this one. */
  private readonly active = new Map<string, CommandSpec>();
  /** `active` and each container's subcommands, found by a name's bytes. */
  private readonly activeBytes: NameTable<CommandSpec>;
  private readonly subsBytes = new Map<CommandSpec, NameTable<CommandSpec>>();

  constructor(
    handlers: Readonly<Record<CommandName, CommandHandler>>,
    renames: readonly (readonly [string, string])[] = [],
    table: CommandTable = '7.0',
  ) {
    this.original = SENTINEL_COMMANDS.map((m) => build(m, null, handlers, table));
    for (const c of this.original) {
      this.active.set(c.name, c);
      this.subsBytes.set(c, new NameTable(c.subcommands.map((s) => [s.name, s] as const)));
    }
    for (const [from, to] of renames) {
      const cmd = this.active.get(from.toLowerCase());
      if (cmd === undefined) continue;
      this.active.delete(from.toLowerCase());
      if (to !== '') this.active.set(to.toLowerCase(), cmd);
    }
    this.activeBytes = new NameTable(this.active);
  }

  /** Callable top-level commands that the command table lists (COMMAND COUNT, COMMAND LIST). */
  callable(): CommandSpec[] {
    return [...this.active.values()].filter((c) => c.listed);
  }

  /** The command a request runs: a subcommand when the container has them and argv has one. */
  resolve(argv: readonly Buffer[]): { base?: CommandSpec; cmd?: CommandSpec } {
    const base = this.topOf(argv[0]);
    if (base === undefined) return {};
    if (argv.length === 1 || base.subcommands.length === 0) return { base, cmd: base };
    return { base, cmd: this.subOf(base, argv[1]) };
  }

  topOf(arg: Buffer | undefined): CommandSpec | undefined {
    return this.activeBytes.get(arg);
  }

  subOf(base: CommandSpec, arg: Buffer | undefined): CommandSpec | undefined {
    return this.subsBytes.get(base)?.get(arg);
  }

  /** `name` or `name|sub`, as COMMAND INFO/DOCS and ACL DRYRUN take them; matched as requests are. */
  byName(name: string): CommandSpec | undefined {
    const parts = name.split('|');
    if (parts.length > 2) return undefined;
    const base = this.topOf(Buffer.from(parts[0] as string, 'utf8'));
    if (base === undefined || parts.length === 1) return base;
    return this.subOf(base, Buffer.from(parts[1] as string, 'utf8'));
  }
}

function build(
  meta: CommandMeta,
  parent: CommandSpec | null,
  handlers: Readonly<Record<string, CommandHandler>>,
  table: CommandTable,
): CommandSpec {
  const handler = parent?.handler ?? handlers[meta.name];
  if (handler === undefined) throw new Error(`no handler for command '${meta.name}'`);
  const subs: CommandSpec[] = [];
  const spec: CommandSpec = {
    name: meta.name,
    fullname: parent === null ? meta.name : `${parent.name}|${meta.name}`,
    arity: meta.arity,
    shownArity: meta.shownArity ?? meta.arity,
    flags: meta.flags,
    noAuth: meta.flags.includes('no_auth'),
    categories: meta.categories,
    tips: meta.tips ?? [],
    mayReplicate: meta.mayReplicate ?? false,
    pubsubContext: meta.pubsubContext ?? false,
    channelArgs: meta.channelArgs ?? null,
    doc: meta.doc,
    isSubcommand: parent !== null,
    listed: listedIn(table, meta),
    parent,
    subcommands: subs,
    handler,
  };
  for (const s of meta.subcommands ?? []) subs.push(build(s, spec, handlers, table));
  return spec;
}
