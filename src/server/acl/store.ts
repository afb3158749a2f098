/**
 * The users of this sentinel and what the server asks about them: log in, permission checks,
 * their ACL LIST form, the ACL LOG. Redis 7.0 ACL semantics for what a sentinel can run:
 * passwords (sha256), on/off, nopass, command rules by name, subcommand and category, channel
 * patterns, key patterns (kept for display: no sentinel command has keys). Selectors are not
 * supported.
 *
 * The pure parts: user.ts (a user), commands.ts (the command table as rules see it, permission
 * bits), rules.ts (the rule grammar), check.ts (the checker), describe.ts (the ACL LIST
 * renderer), log.ts (ACL LOG), aclfile.ts (the file format) and this store. I/O: file.ts (ACL
 * LOAD / SAVE) and config.ts (start-up from the config, which may read the aclfile).
 */
import { timingSafeEqual } from 'crypto';
import { codedError, type CodedError } from '../../errors';
import { checkChannel, checkCommand, checkPermission, type ChannelArg, type PermissionCheck } from './check';
import { AclCommandIndex, type AclCommand } from './commands';
import { describeCommands, describeRules, describeUser } from './describe';
import { addLogEntry, type AclLogEntry } from './log';
import { RULE_ERRORS, applyRule, applyRules, resetDefaultUser, type RuleError } from './rules';
import { AclUser, fromBinary, hashPassword } from './user';

export class AclStore {
  private users = new Map<string, AclUser>();
  readonly index: AclCommandIndex;
  readonly log: AclLogEntry[] = [];
  readonly defaultUser: AclUser;

  /** `commands` is the original (not renamed) command table. */
  constructor(commands: readonly AclCommand[]) {
    this.index = new AclCommandIndex(commands);
    this.defaultUser = new AclUser('default');
    resetDefaultUser(this.index, this.defaultUser);
    this.users.set('default', this.defaultUser);
  }

  get(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  /** In Redis's radix-tree order: by bytes. */
  list(): AclUser[] {
    return [...this.users.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }

  /** A connection must AUTH first unless the default user is usable without a password. */
  defaultRequiresAuth(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** The user the credentials log in as, or null (unknown, disabled or wrong password). */
  authenticate(username: string, password: Buffer): AclUser | null {
    const u = this.users.get(username);
    if (u === undefined || !u.enabled) return null;
    if (u.nopass) return u;
    const given = Buffer.from(hashPassword(password), 'latin1');
    return u.passwords.some((p) => timingSafeEqual(Buffer.from(p, 'latin1'), given)) ? u : null;
  }

  /** ACL SETUSER: all rules or none. */
  setUser(name: string, rules: readonly string[]): CodedError | null {
    const existing = this.users.get(name);
    const temp = new AclUser(name);
    if (existing !== undefined) temp.copyFrom(existing);
    for (const rule of rules) {
      const e = applyRule(this.index, temp, rule);
      if (e !== null) return codedError('SNT_ERR_ACL_SETUSER', fromBinary(rule), RULE_ERRORS[e]);
    }
    if (existing !== undefined) existing.copyFrom(temp);
    else this.users.set(name, temp);
    return null;
  }

  /**
   * A `user` line of the config: creates the user (or resets one declared before), then applies
   * the rules in order, stopping at the first that fails.
   */
  defineUser(name: string, rules: readonly string[]): { rule: string; error: RuleError } | null {
    let user = this.users.get(name);
    if (user === undefined) {
      user = new AclUser(name);
      this.users.set(name, user);
    } else {
      applyRules(this.index, user, ['reset']);
    }
    for (const rule of rules) {
      const error = applyRule(this.index, user, rule);
      if (error !== null) return { rule, error };
    }
    return null;
  }

  /** `requirepass`: the default user's only password. */
  setDefaultPassword(password: string): void {
    applyRules(this.index, this.defaultUser, ['resetpass', `>${password}`]);
  }

  /** Removes users; the caller disconnects their clients. `default` cannot be removed. */
  deleteUsers(names: readonly string[]): AclUser[] {
    const removed: AclUser[] = [];
    for (const n of names) {
      const u = this.users.get(n);
      if (u !== undefined && u !== this.defaultUser) {
        this.users.delete(n);
        removed.push(u);
      }
    }
    return removed;
  }

  /** ACL LOAD: every user replaced by `loaded`. */
  replaceUsers(loaded: Map<string, AclUser>): void {
    // Clients keep a reference to the default user object, so it is updated in place.
    const newDefault = loaded.get('default');
    if (newDefault !== undefined) this.defaultUser.copyFrom(newDefault);
    else resetDefaultUser(this.index, this.defaultUser);
    loaded.set('default', this.defaultUser);
    this.users = loaded;
  }

  checkCommand(u: AclUser, cmd: AclCommand, noAuth: boolean, argv: readonly Buffer[]): boolean {
    return checkCommand(u, cmd, noAuth, argv);
  }

  checkChannel(u: AclUser, channel: string, isPattern: boolean): boolean {
    return checkChannel(u, channel, isPattern);
  }

  check(
    u: AclUser,
    cmd: AclCommand,
    noAuth: boolean,
    argv: readonly Buffer[],
    channels: readonly ChannelArg[],
  ): PermissionCheck {
    return checkPermission(u, cmd, noAuth, argv, channels);
  }

  /** ACL LIST / ACL SAVE form of a user, after `user <name> `. */
  describe(u: AclUser): string {
    return describeUser(this.index, u);
  }

  describeCommands(u: AclUser): string {
    return describeCommands(this.index, u);
  }

  /** Every user as the arguments of a `user` config line, as a config rewrite writes them. */
  userLines(): string[][] {
    return this.list().map((u) => [u.name, ...describeRules(this.index, u)]);
  }

  addLogEntry(entry: Omit<AclLogEntry, 'count'>): void {
    addLogEntry(this.log, entry);
  }
}
