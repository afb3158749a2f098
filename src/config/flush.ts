/** A sentinel flush: rewrite the config file from the current state, atomically. */
import * as fs from 'fs';

import { writeFileAtomic, type WriteResult } from './atomic-write';
import { rewriteConfig } from './rewrite';
import type { ServerConfig, SentinelConfig } from './types';

/**
 * Throws (leaving the old file intact) when the file cannot be read or written;
 * the caller logs `WARNING: Sentinel was not able to save...` with strerror().
 */
export function flushConfig(configPath: string, server: ServerConfig, sentinel: SentinelConfig): WriteResult {
  let oldText = '';
  try {
    oldText = fs.readFileSync(configPath, 'utf8');
  } catch (err) {
    // A missing file is rewritten from scratch, anything else is a failed flush.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return writeFileAtomic(configPath, rewriteConfig(oldText, server, sentinel));
}
