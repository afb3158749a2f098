/**
 * The command table as ACL rules see it: names, categories and subcommands, and the permission
 * bits a rule sets on a user. A container's bit also covers all its subcommands, as in Redis.
 */
import type { AclUser } from './user';

/** In Redis's order, which ACL CAT and the ACL LIST optimiser follow. */
export const ACL_CATEGORIES: readonly string[] = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

/** The part of a command that ACL rules look at. */
export interface AclCommand {
  readonly fullname: string;
  readonly categories: readonly string[];
  readonly isSubcommand: boolean;
  readonly subcommands: readonly AclCommand[];
}

export class AclCommandIndex {
  private readonly byName = new Map<string, AclCommand>();
  /** Every command and subcommand, in table order. */
  readonly all: readonly AclCommand[];

  /** `commands` is the original (not renamed) command table. */
  constructor(readonly commands: readonly AclCommand[]) {
    const all: AclCommand[] = [];
    const visit = (c: AclCommand): void => {
      this.byName.set(c.fullname, c);
      all.push(c);
      c.subcommands.forEach(visit);
    };
    commands.forEach(visit);
    this.all = all;
  }

  /** `name` or `name|sub`, case-insensitive, exactly one level deep. */
  lookup(name: string): AclCommand | undefined {
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2) return undefined;
    return this.byName.get(parts.join('|'));
  }

  /** +@all / -@all. */
  setAll(u: AclUser, allow: boolean): void {
    u.allowed = allow ? new Set(this.all.map((c) => c.fullname)) : new Set();
    u.allCommands = allow;
    u.futureCommands = allow;
    u.firstArgs.clear();
  }

  setCategory(u: AclUser, cat: string, allow: boolean): void {
    for (const c of this.all) if (c.categories.includes(cat)) changePerm(u, c, allow);
  }
}

/** A command's bit (and its subcommands'); drops the first-arg grants it supersedes. */
export function changePerm(u: AclUser, cmd: AclCommand, allow: boolean): void {
  setBits(u, cmd, allow);
  u.firstArgs.delete(cmd.fullname);
}

export function setBits(u: AclUser, cmd: AclCommand, allow: boolean): void {
  const apply = (c: AclCommand): void => {
    if (allow) u.allowed.add(c.fullname);
    else u.allowed.delete(c.fullname);
  };
  apply(cmd);
  cmd.subcommands.forEach(apply);
  if (!allow) u.allCommands = false;
}
