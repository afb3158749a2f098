/** Whether a user may run a command with its channel arguments (ACLCheckAllUserCommandPerm). */
import { globMatch } from '../../util/glob';
import type { AclCommand } from './commands';
import type { AclUser } from './user';

export type PermissionCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'command' }
  | { readonly ok: false; readonly reason: 'channel'; readonly argIndex: number };

export interface ChannelArg {
  readonly index: number;
  /** Bytes of the channel as a latin1 string. */
  readonly name: string;
  readonly isPattern: boolean;
}

/** `noAuth` commands (AUTH, HELLO) are allowed whatever the rules say. */
export function checkCommand(u: AclUser, cmd: AclCommand, noAuth: boolean, argv: readonly Buffer[]): boolean {
  if (u.allCommands || noAuth || u.allowed.has(cmd.fullname)) return true;
  const firsts = u.firstArgs.get(cmd.fullname);
  const first = argv[cmd.isSubcommand ? 2 : 1];
  if (firsts === undefined || first === undefined) return false;
  const text = first.toString('latin1').toLowerCase();
  return firsts.some((a) => a.toLowerCase() === text);
}

/** Channels are matched with the user's patterns; patterns must equal one of them literally. */
export function checkChannel(u: AclUser, channel: string, isPattern: boolean): boolean {
  if (u.allChannels) return true;
  return u.channels.some((p) => (isPattern ? p === channel : globMatch(p, channel)));
}

const ALLOWED: PermissionCheck = { ok: true };

export function checkPermission(
  u: AclUser,
  cmd: AclCommand,
  noAuth: boolean,
  argv: readonly Buffer[],
  channels: readonly ChannelArg[],
): PermissionCheck {
  if (!checkCommand(u, cmd, noAuth, argv)) return { ok: false, reason: 'command' };
  for (const ch of channels) {
    if (!checkChannel(u, ch.name, ch.isPattern)) return { ok: false, reason: 'channel', argIndex: ch.index };
  }
  return ALLOWED;
}
