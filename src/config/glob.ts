/**
 * The subset of glob(3) an `include` pattern needs: Redis-style patterns per path
 * component, hidden names matched only by a literal dot, results sorted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { globMatch } from '../util/glob';

export function hasGlobMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Absolute paths matching `pattern` (relative to `cwd`), sorted like glob(3) in the C locale. */
export function globSync(pattern: string, cwd: string): string[] {
  const absolute = path.resolve(cwd, pattern);
  const root = path.parse(absolute).root;
  const components = absolute
    .slice(root.length)
    .split('/')
    .filter((c) => c !== '');
  let candidates = [root];
  for (const component of components) {
    const next: string[] = [];
    for (const dir of candidates) {
      if (!hasGlobMagic(component)) {
        next.push(path.join(dir, component));
        continue;
      }
      for (const entry of listDir(dir)) {
        if (entry.startsWith('.') && !component.startsWith('.')) continue;
        if (globMatch(component, entry)) next.push(path.join(dir, entry));
      }
    }
    candidates = next;
  }
  return candidates
    .filter((p) => fs.existsSync(p))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
