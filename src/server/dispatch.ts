/**
 * The checks Redis's processCommand runs before a command, in its order (lookup in registry.ts):
 * existence (unknown command / subcommand), arity, authentication, ACL, the RESP2 pub/sub
 * context, then client pause. Unknown commands are reported before NOAUTH, as in Redis.
 */
import type { Reply } from '../protocol/reply';
import { commandWord, truncateBytes } from './argv';
import { NameTable } from './name-table';
import { errorReply, wrongArity } from './replies';
import type { ChannelArg } from './acl/check';
import type { ClientSession, CommandOutcome } from './client';
import type { CommandCall, CommandSpec, ServerHost } from './types';

const NO_CHANNELS: readonly ChannelArg[] = [];
/** First words of cross-protocol attacks (HTTP to the Redis port): Redis drops the connection silently. */
const CROSS_PROTOCOL = new NameTable([
  ['host:', true],
  ['post', true],
]);

/** What a handler gets; methods rather than per-call closures. */
class Call implements CommandCall {
  constructor(
    readonly host: ServerHost,
    readonly client: ClientSession,
    readonly cmd: CommandSpec,
    readonly argv: readonly Buffer[],
  ) {}

  str(i: number): string {
    return this.argv[i]?.toString('utf8') ?? '';
  }

  reply(r: Reply): void {
    this.client.reply(r);
  }
}

/** The unknown-command reply, built as server.c builds it (quoted name, then the first arguments). */
function unknownCommand(argv: readonly Buffer[]): Reply {
  let args = '';
  for (let i = 1; i < argv.length && Buffer.byteLength(args) < 128; i++) {
    args += `'${truncateBytes(argv[i] as Buffer, 128 - Buffer.byteLength(args))}' `;
  }
  return errorReply('SNT_ERR_UNKNOWN_COMMAND', truncateBytes(argv[0] as Buffer, 128), args);
}

/** Channel arguments the ACL checks (PUBLISH's channel, (P)SUBSCRIBE's channels or patterns). */
export function channelArgs(cmd: CommandSpec, argv: readonly Buffer[]): readonly ChannelArg[] {
  const spec = cmd.channelArgs;
  if (spec === null) return NO_CHANNELS;
  const to = spec.last < 0 ? argv.length + 1 + spec.last : spec.last + 1;
  return argv
    .slice(spec.first, to)
    .map((a, k) => ({ index: spec.first + k, name: a.toString('latin1'), isPattern: spec.patterns }));
}

export function processCommand(
  host: ServerHost,
  client: ClientSession,
  argv: readonly Buffer[],
): CommandOutcome {
  if (CROSS_PROTOCOL.get(argv[0]) === true) return 'close';

  const base = host.commands.topOf(argv[0]);
  const cmd =
    base === undefined || argv.length === 1 || base.subcommands.length === 0
      ? base
      : host.commands.subOf(base, argv[1]);
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
  if (!cmd.noAuth && client.authRequired()) {
    client.reply(errorReply('SNT_ERR_NOAUTH'));
    return 'done';
  }
  const perm = host.acl.check(client.user, cmd, cmd.noAuth, argv, channelArgs(cmd, argv));
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
  if (client.resp === 2 && client.isSubscribed() && !cmd.pubsubContext) {
    client.reply(errorReply('SNT_ERR_PUBSUB_CONTEXT', cmd.fullname));
    return 'done';
  }
  const pause = host.pauseState();
  if (pause !== null && (pause.mode === 'all' || cmd.mayReplicate)) return 'postponed';

  host.stats.commandsProcessed++;
  cmd.handler(new Call(host, client, cmd, argv));
  return 'done';
}
