/** ACL LOAD and ACL SAVE: the ACL file on disk (the format itself is aclfile.ts). */
import * as fs from 'fs';
import { writeFileAtomic } from '../../config/atomic-write';
import { formatAclFile, parseAclFile } from './aclfile';
import type { AclStore } from './store';

/** Replaces every user, or nothing when any line is wrong. Returns the errors or null. */
export function loadAclFile(store: AclStore, path: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(path, 'latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${path}': ${describeFsError(e)}`;
  }
  const parsed = parseAclFile(store.index, path, text);
  if (!parsed.ok) return parsed.errors;
  store.replaceUsers(parsed.users);
  return null;
}

/** The users in ACL LIST form, written atomically. */
export function saveAclFile(store: AclStore, path: string): void {
  writeFileAtomic(path, formatAclFile(store.index, store.list()));
}

/** strerror() wording for the usual cases. */
function describeFsError(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return e instanceof Error ? e.message : String(e);
}
