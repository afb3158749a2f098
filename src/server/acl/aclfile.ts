/**
 * The ACL file format (ACLLoadFromFile / ACLSaveToFile), as pure text <-> users functions.
 * Reading and writing the file is file.ts's job.
 */
import type { AclCommandIndex } from './commands';
import { describeUser } from './describe';
import { RULE_ERRORS, applyRule } from './rules';
import { AclUser, hasSpaces } from './user';

export type ParsedAclFile =
  | { readonly ok: true; readonly users: Map<string, AclUser> }
  /** Every problem found, in Redis's words, ready for the ACL LOAD error reply. */
  | { readonly ok: false; readonly errors: string };

/** `text` is the file's bytes as latin1; `path` only appears in the messages. */
export function parseAclFile(index: AclCommandIndex, path: string, text: string): ParsedAclFile {
  const users = new Map<string, AclUser>();
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
    if (users.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${lineNo}. `;
      return;
    }
    const u = new AclUser(name);
    users.set(name, u);
    let syntaxSeen = false;
    for (const rawRule of argv.slice(2)) {
      const rule = rawRule.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
      const e = applyRule(index, u, rule);
      if (e === 'unknown') {
        errors += `${path}:${lineNo}: Error in applying operation '${rule}': ${RULE_ERRORS[e]}. `;
      } else if (e !== null && !syntaxSeen) {
        errors += `${path}:${lineNo}: ${RULE_ERRORS[e]}. `;
        syntaxSeen = true;
      }
    }
  });
  if (errors.length > 0) {
    return {
      ok: false,
      errors: `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`,
    };
  }
  return { ok: true, users };
}

/** The users in ACL LIST form, one `user` line each; bytes, since names and passwords are. */
export function formatAclFile(index: AclCommandIndex, users: readonly AclUser[]): Buffer {
  const text = users.map((u) => `user ${u.name} ${describeUser(index, u)}\n`).join('');
  return Buffer.from(text, 'latin1');
}
