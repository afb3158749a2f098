/**
 * Crash-safe file replacement: a crash at any moment leaves the old file or the
 * new one, never a torn one.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { strerror } from './errors';

export interface WriteResult {
  /** Set when the atomic rename was impossible and the file was overwritten in place. */
  readonly warning?: string;
}

/** Temp file in the same directory, fsync, rename over, fsync the directory. Strings are written as UTF-8. */
export function writeFileAtomic(target: string, data: string | Buffer): WriteResult {
  const temp = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fd: number | undefined;
  try {
    const existingMode = fileMode(target);
    // Created 0644 so the kernel applies the umask, as Redis's fchmod(0644 & ~umask) does.
    fd = fs.openSync(temp, 'wx', 0o644);
    writeAll(fd, data);
    fs.fsyncSync(fd);
    if (existingMode !== undefined) fs.fchmodSync(fd, existingMode);
    fs.closeSync(fd);
    fd = undefined;
    try {
      fs.renameSync(temp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A single-file bind mount cannot be replaced, only rewritten.
      if (code !== 'EBUSY' && code !== 'EXDEV') throw err;
      writeInPlace(target, data);
      fs.unlinkSync(temp);
      return {
        warning: `Could not rename tmp config file (${strerror(err)}): config file rewritten in place, not atomically`,
      };
    }
    fsyncDirectory(path.dirname(target));
    return {};
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

function fileMode(file: string): number | undefined {
  try {
    return fs.statSync(file).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function writeAll(fd: number, data: string | Buffer): void {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < buffer.length) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
}

function writeInPlace(target: string, data: string | Buffer): void {
  const fd = fs.openSync(target, 'w');
  try {
    writeAll(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes the rename itself durable. */
function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
