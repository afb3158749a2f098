/** A user as ACL LIST, ACL GETUSER and ACL SAVE print it: the rules that rebuild it. */
import { ACL_CATEGORIES, setBits, type AclCommand, type AclCommandIndex } from './commands';
import { AclUser, describeKeyPattern } from './user';

/** The ACL LIST / ACL SAVE form of a user, after `user <name> `. */
export function describeUser(index: AclCommandIndex, u: AclUser): string {
  return describeRules(index, u).join(' ');
}

/** The rules that rebuild a user, one argument each. */
export function describeRules(index: AclCommandIndex, u: AclUser): string[] {
  const parts: string[] = [...u.flagNames(), ...u.passwords.map((p) => `#${p}`)];
  if (u.allKeys) parts.push('~*');
  else parts.push(...u.keys.map(describeKeyPattern));
  if (u.allChannels) parts.push('&*');
  else parts.push('resetchannels', ...u.channels.map((c) => `&${c}`));
  parts.push(...describeCommands(index, u).split(' '));
  return parts;
}

/**
 * The shortest-looking rule list that rebuilds the user's bits: start from +@all or -@all,
 * greedily apply the categories that fit best, then fix single commands (Redis's algorithm).
 */
export function describeCommands(index: AclCommandIndex, u: AclUser): string {
  const additive = !u.futureCommands;
  const rules: string[] = [additive ? '-@all' : '+@all'];
  const fake = new AclUser('');
  index.setAll(fake, !additive);
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
      for (const c of index.all) {
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
    index.setCategory(fake, best, additive);
    index.setCategory(temp, best, !additive);
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
  single(index.commands);
  return rules.join(' ');
}
