/** Where the repository is, whether this code runs as TypeScript (ts-jest) or compiled under build/. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest folder above this file that holds a package.json: the repository root. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const REPO_ROOT = findRoot(__dirname);
