/** Handlers by top-level command name; subcommands run their container's handler. */
import type { CommandName } from '../../commands/table';
import type { CommandCall, CommandHandler } from '../types';
import { acl } from './acl';
import { client } from './client';
import { command } from './command';
import { auth, hello, ping } from './connection';
import { psubscribe, publish, punsubscribe, subscribe, unsubscribe } from './pubsub';
import { info, role, shutdown } from './server';

/** The SENTINEL family lives in the daemon; arity, subcommand and ACL checks already ran. */
function sentinel(call: CommandCall): void {
  call.reply(call.host.ctx.sentinelCommand(call.argv.slice(1).map((a) => a.toString('utf8'))));
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
