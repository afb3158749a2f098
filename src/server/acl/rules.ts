/**
 * The ACL rule grammar (ACLSetUser): one rule at a time applied to a user. Selectors are not
 * supported. Rules are latin1 "binary strings", like the user's fields.
 */
import { ACL_CATEGORIES, changePerm, type AclCommandIndex } from './commands';
import { hashPassword, hasSpaces, type AclUser } from './user';

/**
 * Why a rule could not be applied, in ACLSetUserStringError's words: reasons that the error
 * replies and start-up errors embed (SNT_ERR_ACL_SETUSER, ACL LOAD), not replies themselves.
 */
export const RULE_ERRORS = {
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

export type RuleError = keyof typeof RULE_ERRORS;

/** Rules known to be valid (defaults, `reset`): errors cannot happen and are ignored. */
export function applyRules(index: AclCommandIndex, u: AclUser, rules: readonly string[]): void {
  for (const r of rules) applyRule(index, u, r);
}

/** The default user as Redis creates it (and ACL LOAD recreates it when the file has none). */
export function resetDefaultUser(index: AclCommandIndex, u: AclUser): void {
  applyRules(index, u, ['+@all', '~*', '&*', 'on', 'nopass']);
}

export function applyRule(index: AclCommandIndex, u: AclUser, op: string): RuleError | null {
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
      applyRules(index, u, ['resetpass', 'resetkeys', 'resetchannels', 'off', 'sanitize-payload', '-@all']);
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
      index.setAll(u, true);
      return null;
    case 'nocommands':
    case '-@all':
      index.setAll(u, false);
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
  if (c0 === '~' || c0 === '%') return addKeyPattern(u, op);
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
    index.setCategory(u, cat, c0 === '+');
    return null;
  }
  if (c0 === '+') return allowCommand(index, u, op.slice(1));
  if (c0 === '-') {
    const cmd = index.lookup(op.slice(1));
    if (cmd === undefined) return 'unknown';
    changePerm(u, cmd, false);
    return null;
  }
  return 'syntax';
}

function addKeyPattern(u: AclUser, op: string): RuleError | null {
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

/** `+cmd`, `+container|sub`, or the deprecated `+cmd|firstarg`. */
function allowCommand(index: AclCommandIndex, u: AclUser, name: string): RuleError | null {
  const bar = name.lastIndexOf('|');
  if (bar === -1) {
    const cmd = index.lookup(name);
    if (cmd === undefined) return 'unknown';
    changePerm(u, cmd, true);
    return null;
  }
  const base = index.lookup(name.slice(0, bar));
  if (base === undefined) return 'unknown';
  if (base.isSubcommand) return 'subcommandFirstArg';
  const sub = name.slice(bar + 1);
  if (sub.length === 0) return 'syntax';
  if (base.subcommands.length > 0) {
    const cmd = index.lookup(name);
    if (cmd === undefined) return 'unknown';
    changePerm(u, cmd, true);
    return null;
  }
  const list = u.firstArgs.get(base.fullname) ?? [];
  if (!list.some((a) => a.toLowerCase() === sub.toLowerCase())) list.push(sub);
  u.firstArgs.set(base.fullname, list);
  return null;
}
