/** The COMMAND family: what clients probe to learn the command set of this server. */
import { reply, type Reply } from '../../protocol/reply';
import { ACL_CATEGORIES } from '../acl/commands';
import { errorReply, helpReply, subcommandSyntaxError } from '../replies';
import { globMatch } from '../../util/glob';
import type { CommandCall, CommandSpec } from '../types';

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

const set = (v: readonly Reply[]): Reply => ({ t: 'set', v });

/** COMMAND INFO entry: name, arity, flags, first/last/step (no sentinel command has keys), ... */
export function commandInfo(c: CommandSpec): Reply {
  const categories = ACL_CATEGORIES.filter((cat) => c.categories.includes(cat));
  return reply.array([
    reply.bulk(c.fullname),
    reply.int(c.shownArity),
    set(c.flags.map((f) => reply.simple(f))),
    reply.int(0),
    reply.int(0),
    reply.int(0),
    set(categories.map((cat) => reply.simple(`@${cat}`))),
    set(c.tips.map((t) => reply.bulk(t))),
    set([]),
    c.subcommands.length > 0 ? reply.array(listedSubcommands(c).map(commandInfo)) : set([]),
  ]);
}

/** COMMAND DOCS entry (summary, since, group, complexity, deprecation, subcommands). */
export function commandDocs(c: CommandSpec): Reply {
  const d = c.doc;
  const fields: (readonly [Reply, Reply])[] = [
    [reply.bulk('summary'), reply.bulk(d.summary)],
    [reply.bulk('since'), reply.bulk(d.since)],
    [reply.bulk('group'), reply.bulk(d.group)],
  ];
  if (d.complexity !== undefined) fields.push([reply.bulk('complexity'), reply.bulk(d.complexity)]);
  if (d.deprecatedSince !== undefined) {
    fields.push([reply.bulk('doc_flags'), set([reply.simple('deprecated')])]);
    fields.push([reply.bulk('deprecated_since'), reply.bulk(d.deprecatedSince)]);
  }
  if (d.replacedBy !== undefined) fields.push([reply.bulk('replaced_by'), reply.bulk(d.replacedBy)]);
  if (c.subcommands.length > 0) {
    fields.push([
      reply.bulk('subcommands'),
      reply.map(listedSubcommands(c).map((s) => [reply.bulk(s.fullname), commandDocs(s)] as const)),
    ]);
  }
  return reply.map(fields);
}

function listedSubcommands(c: CommandSpec): readonly CommandSpec[] {
  return c.subcommands.filter((s) => s.listed);
}

function withSubcommands(cmds: readonly CommandSpec[]): CommandSpec[] {
  return cmds.flatMap((c) => [c, ...listedSubcommands(c)]);
}

export function command(call: CommandCall): void {
  const { argv, host } = call;
  const registry = host.commands;
  if (argv.length === 1) {
    call.reply(reply.array(registry.callable().map(commandInfo)));
    return;
  }
  const sub = call.str(1).toLowerCase();
  switch (sub) {
    case 'count':
      call.reply(reply.int(registry.callable().length));
      return;
    case 'list':
      return commandList(call);
    case 'info': {
      const names = argv.slice(2).map((a) => a.toString('utf8'));
      const found = names.length === 0 ? registry.callable() : names.map((n) => registry.byName(n));
      call.reply(reply.array(found.map((c) => (c === undefined ? reply.null : commandInfo(c)))));
      return;
    }
    case 'docs': {
      const names = argv.slice(2).map((a) => a.toString('utf8'));
      const found = names.length === 0 ? registry.callable() : names.map((n) => registry.byName(n));
      const pairs = found
        .filter((c): c is CommandSpec => c !== undefined)
        .map((c) => [reply.bulk(c.fullname), commandDocs(c)] as const);
      call.reply(reply.map(pairs));
      return;
    }
    case 'getkeys':
    case 'getkeysandflags': {
      // Nothing a sentinel runs takes keys; Redis checks that before the target's arity.
      const target = registry.resolve(argv.slice(2)).cmd;
      call.reply(
        errorReply(target === undefined ? 'SNT_ERR_GETKEYS_INVALID_COMMAND' : 'SNT_ERR_GETKEYS_NO_KEYS'),
      );
      return;
    }
    case 'help':
      call.reply(helpReply(argv, HELP));
      return;
  }
  call.reply(subcommandSyntaxError(argv));
}

function commandList(call: CommandCall): void {
  const { argv, host } = call;
  let filter: ((c: CommandSpec) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (call.str(i).toLowerCase() !== 'filterby' || more !== 2) {
      call.reply(errorReply('SNT_ERR_SYNTAX'));
      return;
    }
    const kind = call.str(i + 1).toLowerCase();
    const arg = (argv[i + 2] as Buffer).toString('latin1');
    if (kind === 'module') {
      // No modules are loaded, so nothing matches.
      filter = () => false;
    } else if (kind === 'aclcat') {
      const cat = arg.toLowerCase();
      filter = (c) => ACL_CATEGORIES.includes(cat) && c.categories.includes(cat);
    } else if (kind === 'pattern') {
      filter = (c) => globMatch(arg, c.fullname, true);
    } else {
      call.reply(errorReply('SNT_ERR_SYNTAX'));
      return;
    }
    i += 2;
  }
  const all = withSubcommands(host.commands.callable());
  const picked = filter === null ? all : all.filter(filter);
  call.reply(reply.array(picked.map((c) => reply.bulk(c.fullname))));
}
