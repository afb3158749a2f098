/**
 * Command lookup and the checks Redis's processCommand runs before a command, in its order:
 * existence (unknown command / subcommand), arity, authentication, ACL, the RESP2 pub/sub
 * context, then client pause. Unknown commands are reported before NOAUTH, as in Redis.
 */
import type { Reply } from '../protocol/reply';
import { SENTINEL_COMMANDS, type CommandMeta } from './commandTable';
import { commandWord, truncateBytes } from './argv';
import { errorReply, wrongArity } from './replies';
import type { ChannelArg } from './acl';
import type { ClientSession } from './client';
import type { CommandHandler, CommandSpec, ServerHost } from './types';

export class CommandRegistry {
  /** The table as built, unaffected by rename-command (ACL rules refer to these names). */
  readonly original: readonly CommandSpec[];
  /** Lower-case callable name -> command, in table order; rename-command edits this one. */
  private readonly active = new Map<string, CommandSpec>();

  constructor(
    handlers: Readonly<Record<string, CommandHandler>>,
    renames: readonly (readonly [string, string])[] = [],
  ) {
    this.original = SENTINEL_COMMANDS.map((m) => build(m, null, handlers));
    for (const c of this.original) this.active.set(c.name, c);
    for (const [from, to] of renames) {
      const cmd = this.active.get(from.toLowerCase());
      if (cmd === undefined) continue;
      this.active.delete(from.toLowerCase());
      if (to !== '') this.active.set(to.toLowerCase(), cmd);
    }
  }

  /** Callable top-level commands (COMMAND COUNT, COMMAND LIST). */
  callable(): CommandSpec[] {
    return [...this.active.values()];
  }

  /** The command a request runs: a subcommand when the container has them and argv has one. */
  resolve(argv: readonly Buffer[]): { base?: CommandSpec; cmd?: CommandSpec } {
    const base = this.active.get(lower(argv[0]));
    if (base === undefined) return {};
    if (argv.length === 1 || base.subcommands.length === 0) return { base, cmd: base };
    return { base, cmd: findSub(base, lower(argv[1])) };
  }

  /** `name` or `name|sub`, as COMMAND INFO/DOCS and ACL DRYRUN take them. */
  byName(name: string): CommandSpec | undefined {
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2) return undefined;
    const base = this.active.get(parts[0] as string);
    if (base === undefined || parts.length === 1) return base;
    return findSub(base, parts[1] as string);
  }
}

function build(
  meta: CommandMeta,
  parent: CommandSpec | null,
  handlers: Readonly<Record<string, CommandHandler>>,
): CommandSpec {
  const handler = parent?.handler ?? handlers[meta.name];
  if (handler === undefined) throw new Error(`no handler for command '${meta.name}'`);
  const subs: CommandSpec[] = [];
  const spec: CommandSpec = {
    name: meta.name,
    fullname: parent === null ? meta.name : `${parent.name}|${meta.name}`,
    arity: meta.arity,
    flags: meta.flags,
    categories: meta.categories,
    tips: meta.tips ?? [],
    doc: meta.doc,
    isSubcommand: parent !== null,
    parent,
    subcommands: subs,
    handler,
  };
  for (const s of meta.subcommands ?? []) subs.push(build(s, spec, handlers));
  return spec;
}

function findSub(base: CommandSpec, name: string): CommandSpec | undefined {
  return base.subcommands.find((s) => s.name === name);
}

function lower(b: Buffer | undefined): string {
  return b === undefined ? '' : b.toString('latin1').toLowerCase();
}

/** `ERR unknown command '<name>', with args beginning with: '<a1>' '<a2>' ` as server.c builds it. */
function unknownCommand(argv: readonly Buffer[]): Reply {
  let args = '';
  for (let i = 1; i < argv.length && Buffer.byteLength(args) < 128; i++) {
    args += `'${truncateBytes(argv[i] as Buffer, 128 - Buffer.byteLength(args))}' `;
  }
  return errorReply('SNT_ERR_UNKNOWN_COMMAND', truncateBytes(argv[0] as Buffer, 128), args);
}

/** Channel arguments the ACL checks: PUBLISH's channel, (P)SUBSCRIBE's channels or patterns. */
export function channelArgs(cmd: CommandSpec, argv: readonly Buffer[]): ChannelArg[] {
  const pick = (from: number, to: number, isPattern: boolean): ChannelArg[] =>
    argv.slice(from, to).map((a, k) => ({ index: from + k, name: a.toString('latin1'), isPattern }));
  switch (cmd.fullname) {
    case 'publish':
      return pick(1, 2, false);
    case 'subscribe':
      return pick(1, argv.length, false);
    case 'psubscribe':
      return pick(1, argv.length, true);
    default:
      return [];
  }
}

/** Commands a RESP2 client may send while subscribed (those of them that exist in sentinel mode). */
const PUBSUB_CONTEXT_ALLOWED = new Set(['ping', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe']);
/** PUBLISH carries Redis's hidden may_replicate flag, which CLIENT PAUSE WRITE holds back. */
const MAY_REPLICATE = new Set(['publish']);

export type DispatchOutcome = 'done' | 'postponed' | 'close';

export function processCommand(
  host: ServerHost,
  client: ClientSession,
  argv: readonly Buffer[],
): DispatchOutcome {
  const first = lower(argv[0]);
  // Cross-protocol attacks (HTTP to the Redis port): Redis drops the connection silently.
  if (first === 'host:' || first === 'post') return 'close';

  const { base, cmd } = host.commands.resolve(argv);
  client.lastCommand = cmd?.fullname ?? null;
  if (cmd === undefined) {
    if (base !== undefined) {
      const sub = truncateBytes(argv[1] as Buffer, 128);
      client.reply(errorReply('SNT_ERR_UNKNOWN_SUBCOMMAND', sub, commandWord(argv)));
    } else {
      client.reply(unknownCommand(argv));
    }
    return 'done';
  }
  if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
    client.reply(wrongArity(cmd.fullname));
    return 'done';
  }
  if (client.authRequired() && !cmd.flags.includes('no_auth')) {
    client.reply(errorReply('SNT_ERR_NOAUTH'));
    return 'done';
  }
  const perm = host.acl.check(client.user, cmd, cmd.flags.includes('no_auth'), argv, channelArgs(cmd, argv));
  if (!perm.ok) {
    const denied =
      perm.reason === 'command' ? cmd.fullname : (argv[perm.argIndex] as Buffer).toString('latin1');
    host.acl.addLogEntry({
      reason: perm.reason,
      context: 'toplevel',
      object: denied,
      username: client.user.name,
      ctime: host.ctx.now(),
      clientInfo: client.infoLine(),
    });
    client.reply(
      perm.reason === 'command'
        ? errorReply('SNT_ERR_NOPERM_COMMAND', cmd.fullname)
        : errorReply('SNT_ERR_NOPERM_CHANNEL'),
    );
    return 'done';
  }
  if (client.resp === 2 && client.isSubscribed() && !PUBSUB_CONTEXT_ALLOWED.has(cmd.fullname)) {
    client.reply(errorReply('SNT_ERR_PUBSUB_CONTEXT', cmd.fullname));
    return 'done';
  }
  const pause = host.pauseState();
  if (pause !== null && (pause.mode === 'all' || MAY_REPLICATE.has(cmd.fullname))) return 'postponed';

  host.stats.commandsProcessed++;
  cmd.handler({
    host,
    client,
    cmd,
    argv,
    str: (i) => argv[i]?.toString('utf8') ?? '',
    reply: (r) => client.reply(r),
  });
  return 'done';
}
