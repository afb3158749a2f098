/** Handlers by top-level command name; subcommands run their container's handler. */
import type { CommandName } from '../../commands/table';
import type { CommandCall, CommandHandler } from '../types';
import { acl } from './acl';
import { client } from './client';
import { command } from './command';
import { auth, hello, ping } from './connection';
import { psubscribe, publish, punsubscribe, subscribe, unsubscribe } from './pubsub';
import { info, role, shutdown } from './server';

/**
 * The SENTINEL family lives in the daemon; arity, subcommand and ACL checks already ran, so the
 * subcommand goes as the table names it (lower case) and only the arguments after it are decoded.
 */
function sentinel(call: CommandCall): void {
  const args = [call.cmd.name];
  for (let i = 2; i < call.argv.length; i++) args.push((call.argv[i] as Buffer).toString('utf8'));
  call.reply(call.host.ctx.sentinelCommand(args));
}

/** Exactly the table's commands: a command added to the table without a handler does not compile. */
export const HANDLERS: Readonly<Record<CommandName, CommandHandler>> = {
  ping,
  auth,
  hello,
  info,
  role,
  shutdown,
  publish,
  subscribe,
  unsubscribe,
  psubscribe,
  punsubscribe,
  sentinel,
  client,
  acl,
  command,
};
