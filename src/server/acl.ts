/**
 * Users and permissions for clients of this sentinel, with Redis 7.0 ACL semantics for what a
 * sentinel can run: passwords (sha256), on/off, nopass, command rules by name, subcommand and
 * category, channel patterns, key patterns (kept for display: no sentinel command has keys),
 * and the ACL LIST description that Redis derives from the permission bits. Selectors are not
 * supported. Names, passwords and channels are kept as latin1 "binary strings" so any byte
 * sequence round-trips.
 */
import { createHash, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import { writeFileAtomic } from '../config/atomic-write';
import { codedError, type CodedError } from '../errors';
import { globMatch } from '../util/glob';
import type { ServerConfig } from '../config/types';

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

interface KeyPattern {
  read: boolean;
  write: boolean;
  pattern: string;
}

export class AclUser {
  enabled = false;
  nopass = false;
  sanitizePayload: 'unset' | 'sanitize' | 'skip' = 'unset';
  /** sha256 hex digests, in insertion order. */
  passwords: string[] = [];
  allKeys = false;
  keys: KeyPattern[] = [];
  allChannels = false;
  channels: string[] = [];
  /** Full names (`client|kill`) whose bit is set. */
  allowed = new Set<string>();
  /** Redis's ALLCOMMANDS flag: skip the bit test entirely. */
  allCommands = false;
  /** The reserved "future commands" bit, set only by +@all: decides how ACL LIST starts. */
  futureCommands = false;
  /** Deprecated `+cmd|firstarg` grants for commands without subcommands. */
  firstArgs = new Map<string, string[]>();

  constructor(readonly name: string) {}

  copyFrom(src: AclUser): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.sanitizePayload = src.sanitizePayload;
    this.passwords = [...src.passwords];
    this.allKeys = src.allKeys;
    this.keys = src.keys.map((k) => ({ ...k }));
    this.allChannels = src.allChannels;
    this.channels = [...src.channels];
    this.allowed = new Set(src.allowed);
    this.allCommands = src.allCommands;
    this.futureCommands = src.futureCommands;
    this.firstArgs = new Map([...src.firstArgs].map(([k, v]) => [k, [...v]]));
  }

  flagNames(): string[] {
    const out: string[] = [];
    if (this.enabled) out.push('on');
    else out.push('off');
    if (this.nopass) out.push('nopass');
    if (this.sanitizePayload === 'skip') out.push('skip-sanitize-payload');
    if (this.sanitizePayload === 'sanitize') out.push('sanitize-payload');
    return out;
  }

  keysDescription(): string {
    if (this.allKeys) return '~*';
    return this.keys.map(describeKeyPattern).join(' ');
  }

  channelsDescription(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => `&${c}`).join(' ');
  }
}

function describeKeyPattern(k: KeyPattern): string {
  if (k.read && k.write) return `~${k.pattern}`;
  return `%${k.read ? 'R' : 'W'}~${k.pattern}`;
}

export function hashPassword(password: Buffer | string): string {
  return createHash('sha256').update(password).digest('hex');
}

/**
 * Why a rule could not be applied, in ACLSetUserStringError's words: reasons that the error
 * replies and start-up errors embed (SNT_ERR_ACL_SETUSER, ACL LOAD), not replies themselves.
 */
const RULE_ERRORS = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  afterAllKeys:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  afterAllChannels:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash:
    'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  subcommandFirstArg: 'Allowing first-arg of a subcommand is not supported',
  selectors: 'Selectors are not supported by this server',
} as const;

type RuleError = keyof typeof RULE_ERRORS;

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

export interface AclLogEntry {
  count: number;
  readonly reason: 'command' | 'channel' | 'auth';
  readonly context: 'toplevel';
  readonly object: string;
  readonly username: string;
  ctime: number;
  clientInfo: string;
}

const ACL_LOG_MAX_LEN = 128;
const ACL_LOG_GROUPING_MS = 60000;

/** Thrown at start-up for ACL configuration Redis refuses to start with. */
export class AclConfigError extends Error {
  readonly code = 'SNT_ERR_ACL_CONFIG';
}

export class AclStore {
  private users = new Map<string, AclUser>();
  private readonly byName = new Map<string, AclCommand>();
  private readonly all: AclCommand[] = [];
  readonly log: AclLogEntry[] = [];
  readonly defaultUser: AclUser;

  /** `commands` is the original (not renamed) command table. */
  constructor(private readonly commands: readonly AclCommand[]) {
    const visit = (c: AclCommand): void => {
      this.byName.set(c.fullname, c);
      this.all.push(c);
      c.subcommands.forEach(visit);
    };
    commands.forEach(visit);
    this.defaultUser = new AclUser('default');
    this.resetDefault(this.defaultUser);
    this.users.set('default', this.defaultUser);
  }

  /** requirepass, then `user` lines, then the aclfile: the order Redis loads them in. */
  static fromConfig(server: ServerConfig, commands: readonly AclCommand[]): AclStore {
    const store = new AclStore(commands);
    if (server.requirepass !== undefined) {
      store.applyRules(store.defaultUser, ['resetpass', `>${toBinary(server.requirepass)}`]);
    }
    if (server.aclfile !== undefined && server.users.length > 0) {
      throw new AclConfigError(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      );
    }
    for (const [utf8Name, ...utf8Rules] of server.users) {
      if (utf8Name === undefined) continue;
      const name = toBinary(utf8Name);
      const rules = utf8Rules.map(toBinary);
      let user = store.users.get(name);
      if (user === undefined) {
        user = new AclUser(name);
        store.users.set(name, user);
      } else {
        store.applyRules(user, ['reset']);
      }
      for (const rule of rules) {
        const e = store.applyRule(user, rule);
        if (e !== null) {
          throw new AclConfigError(
            `Error loading ACL rule '${fromBinary(rule)}' for the user named '${utf8Name}': ${RULE_ERRORS[e]}`,
          );
        }
      }
    }
    if (server.aclfile !== undefined) {
      const errors = store.loadFile(server.aclfile);
      if (errors !== null)
        throw new AclConfigError(`Aborting Redis startup because of ACL errors: ${errors}`);
    }
    return store;
  }

  private resetDefault(u: AclUser): void {
    this.applyRules(u, ['+@all', '~*', '&*', 'on', 'nopass']);
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

  /** ACL SETUSER: all rules or none. Returns the error, or null. */
  setUser(name: string, rules: readonly string[]): CodedError | null {
    const existing = this.users.get(name);
    const temp = new AclUser(name);
    if (existing !== undefined) temp.copyFrom(existing);
    for (const rule of rules) {
      const e = this.applyRule(temp, rule);
      if (e !== null) return codedError('SNT_ERR_ACL_SETUSER', fromBinary(rule), RULE_ERRORS[e]);
    }
    if (existing !== undefined) existing.copyFrom(temp);
    else this.users.set(name, temp);
    return null;
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

  private applyRules(u: AclUser, rules: readonly string[]): void {
    for (const r of rules) this.applyRule(u, r);
  }

  private applyRule(u: AclUser, op: string): RuleError | null {
    if (op.length === 0) return null;
    const lower = op.toLowerCase();
    switch (lower) {
      case 'on':
        u.enabled = true;
        return null;
      case 'off':
        u.enabled = false;
        return null;
      case 'skip-sanitize-payload':
        u.sanitizePayload = 'skip';
        return null;
      case 'sanitize-payload':
        u.sanitizePayload = 'sanitize';
        return null;
      case 'nopass':
        u.nopass = true;
        u.passwords = [];
        return null;
      case 'resetpass':
        u.nopass = false;
        u.passwords = [];
        return null;
      case 'clearselectors':
        return null;
      case 'reset':
        for (const r of ['resetpass', 'resetkeys', 'resetchannels', 'off', 'sanitize-payload', '-@all']) {
          this.applyRule(u, r);
        }
        return null;
      case 'allkeys':
      case '~*':
        u.allKeys = true;
        u.keys = [];
        return null;
      case 'resetkeys':
        u.allKeys = false;
        u.keys = [];
        return null;
      case 'allchannels':
      case '&*':
        u.allChannels = true;
        u.channels = [];
        return null;
      case 'resetchannels':
        u.allChannels = false;
        u.channels = [];
        return null;
      case 'allcommands':
      case '+@all':
        this.setAll(u, true);
        return null;
      case 'nocommands':
      case '-@all':
        this.setAll(u, false);
        return null;
    }
    const c0 = op[0];
    if (c0 === '>' || c0 === '#') {
      const hash = c0 === '>' ? hashPassword(Buffer.from(op.slice(1), 'latin1')) : op.slice(1);
      if (c0 === '#' && !/^[0-9a-f]{64}$/.test(hash)) return 'badHash';
      if (!u.passwords.includes(hash)) u.passwords.push(hash);
      u.nopass = false;
      return null;
    }
    if (c0 === '<' || c0 === '!') {
      const hash = c0 === '<' ? hashPassword(Buffer.from(op.slice(1), 'latin1')) : op.slice(1);
      if (c0 === '!' && !/^[0-9a-f]{64}$/.test(hash)) return 'badHash';
      const idx = u.passwords.indexOf(hash);
      if (idx === -1) return 'noSuchPassword';
      u.passwords.splice(idx, 1);
      return null;
    }
    if (c0 === '(' && op.endsWith(')')) return 'selectors';
    if (c0 === '~' || c0 === '%') return this.addKeyPattern(u, op);
    if (c0 === '&') {
      if (u.allChannels) return 'afterAllChannels';
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) return 'syntax';
      if (!u.channels.includes(pattern)) u.channels.push(pattern);
      return null;
    }
    if ((c0 === '+' || c0 === '-') && op[1] === '@') {
      const cat = op.slice(2).toLowerCase();
      if (!ACL_CATEGORIES.includes(cat)) return 'unknown';
      this.setCategory(u, cat, c0 === '+');
      return null;
    }
    if (c0 === '+') return this.allowCommand(u, op.slice(1));
    if (c0 === '-') {
      const cmd = this.lookup(op.slice(1));
      if (cmd === undefined) return 'unknown';
      this.changePerm(u, cmd, false);
      return null;
    }
    return 'syntax';
  }

  private addKeyPattern(u: AclUser, op: string): RuleError | null {
    if (u.allKeys) return 'afterAllKeys';
    let read = true;
    let write = true;
    let offset = 1;
    if (op[0] === '%') {
      read = false;
      write = false;
      for (; offset < op.length; offset++) {
        const ch = (op[offset] as string).toUpperCase();
        if (ch === 'R' && !read) read = true;
        else if (ch === 'W' && !write) write = true;
        else if (ch === '~') {
          offset++;
          break;
        } else return 'syntax';
      }
    }
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) return 'syntax';
    const same = u.keys.find((k) => k.pattern === pattern);
    if (same === undefined) {
      u.keys.push({ read, write, pattern });
    } else {
      same.read ||= read;
      same.write ||= write;
    }
    return null;
  }

  private allowCommand(u: AclUser, name: string): RuleError | null {
    const bar = name.lastIndexOf('|');
    if (bar === -1) {
      const cmd = this.lookup(name);
      if (cmd === undefined) return 'unknown';
      this.changePerm(u, cmd, true);
      return null;
    }
    const base = this.lookup(name.slice(0, bar));
    if (base === undefined) return 'unknown';
    if (base.isSubcommand) return 'subcommandFirstArg';
    const sub = name.slice(bar + 1);
    if (sub.length === 0) return 'syntax';
    if (base.subcommands.length > 0) {
      const cmd = this.lookup(name);
      if (cmd === undefined) return 'unknown';
      this.changePerm(u, cmd, true);
      return null;
    }
    const list = u.firstArgs.get(base.fullname) ?? [];
    if (!list.some((a) => a.toLowerCase() === sub.toLowerCase())) list.push(sub);
    u.firstArgs.set(base.fullname, list);
    return null;
  }

  /** `name` or `name|sub`, case-insensitive, exactly one level deep. */
  private lookup(name: string): AclCommand | undefined {
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2) return undefined;
    return this.byName.get(parts.join('|'));
  }

  private setAll(u: AclUser, allow: boolean): void {
    u.allowed = allow ? new Set(this.all.map((c) => c.fullname)) : new Set();
    u.allCommands = allow;
    u.futureCommands = allow;
    u.firstArgs.clear();
  }

  /** A container's permission also covers all its subcommands. */
  private changePerm(u: AclUser, cmd: AclCommand, allow: boolean): void {
    setBits(u, cmd, allow);
    u.firstArgs.delete(cmd.fullname);
  }

  private setCategory(u: AclUser, cat: string, allow: boolean): void {
    for (const c of this.all) if (c.categories.includes(cat)) this.changePerm(u, c, allow);
  }

  checkCommand(u: AclUser, cmd: AclCommand, noAuth: boolean, argv: readonly Buffer[]): boolean {
    if (u.allCommands || noAuth || u.allowed.has(cmd.fullname)) return true;
    const firsts = u.firstArgs.get(cmd.fullname);
    const first = argv[cmd.isSubcommand ? 2 : 1];
    if (firsts === undefined || first === undefined) return false;
    const text = first.toString('latin1').toLowerCase();
    return firsts.some((a) => a.toLowerCase() === text);
  }

  /** Channels are matched with the user's patterns; patterns must equal one of them literally. */
  checkChannel(u: AclUser, channel: string, isPattern: boolean): boolean {
    if (u.allChannels) return true;
    return u.channels.some((p) => (isPattern ? p === channel : globMatch(p, channel)));
  }

  check(
    u: AclUser,
    cmd: AclCommand,
    noAuth: boolean,
    argv: readonly Buffer[],
    channels: readonly ChannelArg[],
  ): PermissionCheck {
    if (!this.checkCommand(u, cmd, noAuth, argv)) return { ok: false, reason: 'command' };
    for (const ch of channels) {
      if (!this.checkChannel(u, ch.name, ch.isPattern))
        return { ok: false, reason: 'channel', argIndex: ch.index };
    }
    return { ok: true };
  }

  /** ACL LIST / ACL SAVE form of a user, after `user <name> `. */
  describe(u: AclUser): string {
    return this.describeRules(u).join(' ');
  }

  /** The rules that rebuild a user, one argument each. */
  describeRules(u: AclUser): string[] {
    const parts: string[] = [...u.flagNames(), ...u.passwords.map((p) => `#${p}`)];
    if (u.allKeys) parts.push('~*');
    else parts.push(...u.keys.map(describeKeyPattern));
    if (u.allChannels) parts.push('&*');
    else parts.push('resetchannels', ...u.channels.map((c) => `&${c}`));
    parts.push(...this.describeCommands(u).split(' '));
    return parts;
  }

  /** Every user as the arguments of a `user` config line, as a config rewrite writes them. */
  userLines(): string[][] {
    return this.list().map((u) => [u.name, ...this.describeRules(u)]);
  }

  /**
   * The shortest-looking rule list that rebuilds the user's bits: start from +@all or -@all,
   * greedily apply the categories that fit best, then fix single commands (Redis's algorithm).
   */
  describeCommands(u: AclUser): string {
    const additive = !u.futureCommands;
    const rules: string[] = [additive ? '-@all' : '+@all'];
    const fake = new AclUser('');
    this.setAll(fake, !additive);
    const temp = new AclUser('');
    temp.allowed = new Set(u.allowed);
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let minDiff = Number.MAX_SAFE_INTEGER;
      let maxSame = 0;
      for (const cat of ACL_CATEGORIES) {
        if (applied.has(cat)) continue;
        let on = 0;
        let off = 0;
        for (const c of this.all) {
          if (!c.categories.includes(cat)) continue;
          if (temp.allowed.has(c.fullname)) on++;
          else off++;
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
          best = cat;
          minDiff = diff;
          maxSame = same;
        }
      }
      if (best === null) break;
      this.setCategory(fake, best, additive);
      this.setCategory(temp, best, !additive);
      rules.push(`${additive ? '+' : '-'}@${best}`);
      applied.add(best);
    }
    const single = (cmds: readonly AclCommand[]): void => {
      for (const c of cmds) {
        const userBit = u.allowed.has(c.fullname);
        if (userBit !== fake.allowed.has(c.fullname)) {
          rules.push(`${userBit ? '+' : '-'}${c.fullname}`);
          setBits(fake, c, userBit);
        }
        single(c.subcommands);
        if (!userBit) for (const a of u.firstArgs.get(c.fullname) ?? []) rules.push(`+${c.fullname}|${a}`);
      }
    };
    single(this.commands);
    return rules.join(' ');
  }

  /** ACL LOAD: replaces every user, or nothing when any line is wrong. Returns the errors or null. */
  loadFile(path: string): string | null {
    let text: string;
    try {
      text = fs.readFileSync(path, 'latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${path}': ${describeFsError(e)}`;
    }
    const loaded = new Map<string, AclUser>();
    let errors = '';
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const lineNo = i + 1;
      if (line.length === 0) return;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${path}:${lineNo} should start with user keyword followed by the username. `;
        return;
      }
      const name = argv[1] as string;
      if (hasSpaces(name)) {
        errors += `'${path}:${lineNo}: username '${name}' contains invalid characters. `;
        return;
      }
      if (loaded.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${lineNo}. `;
        return;
      }
      const u = new AclUser(name);
      loaded.set(name, u);
      let syntaxSeen = false;
      for (const rawRule of argv.slice(2)) {
        const rule = rawRule.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const e = this.applyRule(u, rule);
        if (e === 'unknown') {
          errors += `${path}:${lineNo}: Error in applying operation '${rule}': ${RULE_ERRORS[e]}. `;
        } else if (e !== null && !syntaxSeen) {
          errors += `${path}:${lineNo}: ${RULE_ERRORS[e]}. `;
          syntaxSeen = true;
        }
      }
    });
    if (errors.length > 0) {
      return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    }
    // Clients keep a reference to the default user object, so it is updated in place.
    const newDefault = loaded.get('default');
    if (newDefault !== undefined) this.defaultUser.copyFrom(newDefault);
    else this.resetDefault(this.defaultUser);
    loaded.set('default', this.defaultUser);
    this.users = loaded;
    return null;
  }

  /** ACL SAVE: the users in ACL LIST form, written atomically. */
  saveFile(path: string): void {
    const text = this.list().map((u) => `user ${u.name} ${this.describe(u)}\n`);
    // Names and passwords are byte strings held as latin1.
    writeFileAtomic(path, Buffer.from(text.join(''), 'latin1'));
  }

  addLogEntry(entry: Omit<AclLogEntry, 'count'>): void {
    const match = this.log
      .slice(0, 10)
      .findIndex(
        (e) =>
          e.reason === entry.reason &&
          e.context === entry.context &&
          Math.abs(e.ctime - entry.ctime) <= ACL_LOG_GROUPING_MS &&
          e.object === entry.object &&
          e.username === entry.username,
      );
    if (match !== -1) {
      const [found] = this.log.splice(match, 1) as [AclLogEntry];
      found.count++;
      found.ctime = entry.ctime;
      found.clientInfo = entry.clientInfo;
      this.log.unshift(found);
      return;
    }
    this.log.unshift({ ...entry, count: 1 });
    if (this.log.length > ACL_LOG_MAX_LEN) this.log.length = ACL_LOG_MAX_LEN;
  }
}

function setBits(u: AclUser, cmd: AclCommand, allow: boolean): void {
  const apply = (c: AclCommand): void => {
    if (allow) u.allowed.add(c.fullname);
    else u.allowed.delete(c.fullname);
  };
  apply(cmd);
  cmd.subcommands.forEach(apply);
  if (!allow) u.allCommands = false;
}

/** A JS string as the latin1 "binary string" of its UTF-8 bytes. */
export function toBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** The inverse of toBinary, for text in replies and error messages. */
export function fromBinary(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

function hasSpaces(s: string): boolean {
  return /[\t\n\v\f\r \0]/.test(s);
}

/** strerror() wording for the usual cases. */
function describeFsError(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return e instanceof Error ? e.message : String(e);
}
