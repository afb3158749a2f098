/** The file checks redis-sentinel makes: its config file, and script paths (load time and SENTINEL SET). */
import * as fs from 'fs';

import { strerror } from './errors';

/** Logged (then exit 1) when no config file is given: Sentinel keeps its state there. */
export function noConfigFileMessage(): string {
  return 'Sentinel needs config file on disk to save state. Exiting...';
}

/** null when the config file can be rewritten, else the message to log before exiting 1. */
export function checkWritable(configPath: string): string | null {
  try {
    fs.accessSync(configPath, fs.constants.W_OK);
    return null;
  } catch (err) {
    return `Sentinel config file ${configPath} is not writable: ${strerror(err)}. Exiting...`;
  }
}

/** access(X_OK): a notification or client-reconfig script must exist and be executable. */
export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
