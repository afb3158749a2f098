/**
 * Replies several command families build the same way. Error texts come from the registry
 * (src/errors.ts) by code; nothing here spells one.
 */
import { errorText, type ErrorArgs, type ErrorCode } from '../errors';
import { reply, type Reply } from '../protocol/reply';
import { commandWord, truncateBytes } from './argv';

/** The error reply of a registry code. */
export function errorReply<C extends ErrorCode>(code: C, ...args: ErrorArgs<C>): Reply {
  return reply.error(errorText(code, ...args));
}

export function wrongArity(fullname: string): Reply {
  return errorReply('SNT_ERR_WRONG_ARITY', fullname);
}

/** addReplySubcommandSyntaxError, from argv[0] and argv[1] as typed. */
export function subcommandSyntaxError(argv: readonly Buffer[]): Reply {
  const sub = truncateBytes(argv[1] ?? Buffer.alloc(0), 128);
  return errorReply('SNT_ERR_SUBCOMMAND_SYNTAX', sub, commandWord(argv));
}

/** addReplyHelp: a header naming the command as typed, the lines, then the HELP footer. */
export function helpReply(argv: readonly Buffer[], lines: readonly string[]): Reply {
  return reply.array(
    [
      `${commandWord(argv)} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
      ...lines,
      'HELP',
      '    Prints this help.',
    ].map((l) => reply.simple(l)),
  );
}
