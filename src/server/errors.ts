/**
 * Error replies shared by several commands, in Redis 7.0's exact words. Texts include the code
 * (`ERR`, `NOAUTH`, ...) as the Reply contract wants.
 */
import { string2ll } from '../util/redis-parsing';
import { reply, type Reply } from '../protocol/reply';

export const SYNTAX_ERROR = 'ERR syntax error';
export const NOAUTH_ERROR = 'NOAUTH Authentication required.';
export const WRONGPASS_ERROR = 'WRONGPASS invalid username-password pair or user is disabled.';
export const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';
export const BAD_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

export function wrongArity(fullname: string): Reply {
  return reply.error(`ERR wrong number of arguments for '${fullname}' command`);
}

/** addReplySubcommandSyntaxError, from argv[0] and argv[1] as typed. */
export function subcommandSyntaxError(argv: readonly Buffer[]): Reply {
  const sub = truncateBytes(argv[1] ?? Buffer.alloc(0), 128);
  return reply.error(
    `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${commandWord(argv)} HELP.`,
  );
}

/** argv[0] the way Redis prints it in help texts: upper-cased byte-wise. */
export function commandWord(argv: readonly Buffer[]): string {
  return asciiUpper(truncateBytes(argv[0] ?? Buffer.alloc(0), Number.MAX_SAFE_INTEGER));
}

/** C's `%.Ns`: at most `max` bytes, and nothing after a NUL. */
export function truncateBytes(s: string | Buffer, max: number): string {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const nul = b.indexOf(0);
  const end = Math.min(nul === -1 ? b.length : nul, max);
  return b.toString('utf8', 0, end);
}

/** toupper() in the C locale: only a-z change. */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
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

/** An integer argument as getLongLongFromObject reads it (strict string2ll), or null. */
export function parseIntArg(arg: Buffer | undefined): bigint | null {
  return arg === undefined ? null : string2ll(arg.toString('latin1'));
}
