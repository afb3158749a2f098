/** Errors of the config layer, printed in the words of redis-sentinel 7.0.15. */

export const REDIS_VERSION = '7.0.15';

/** A config file problem that aborts start-up with the FATAL CONFIG FILE ERROR block. */
export class ConfigError extends Error {
  readonly code: string = 'SNT_ERR_CONFIG';

  constructor(
    /** The file the line came from (the main file for command-line options). */
    readonly file: string,
    /** 1-based line number; undefined for checks not tied to a line (log file). */
    readonly line: number | undefined,
    /** The offending line, trimmed as Redis prints it. */
    readonly lineText: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }

  /** The exact text redis-sentinel writes to stderr before exiting with status 1. */
  format(): string {
    let text = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
    if (this.line !== undefined) {
      text += `Reading the configuration file, at line ${this.line}\n>>> '${this.lineText ?? ''}'\n`;
    }
    return `${text}${this.message}\n`;
  }

  /** One-line form for --test-config listings. */
  short(): string {
    return this.line === undefined
      ? `${this.file}: ${this.message}`
      : `${this.file}:${this.line}: ${this.message}`;
  }
}

/**
 * A start-up failure Redis reports as a warning log line rather than the FATAL
 * block (a config file that cannot be opened, a module that cannot be loaded).
 */
export class ConfigStartupError extends ConfigError {
  override readonly code: string = 'SNT_ERR_CONFIG_STARTUP';

  constructor(file: string, message: string) {
    super(file, undefined, undefined, message);
    this.name = 'ConfigStartupError';
  }

  /** The log message, without the log prefix the logger adds. */
  override format(): string {
    return this.message;
  }
}

/** glibc's strerror() texts for the errors file operations can meet. */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EROFS: 'Read-only file system',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EBUSY: 'Device or resource busy',
  EXDEV: 'Invalid cross-device link',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EEXIST: 'File exists',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  EIO: 'Input/output error',
  ETXTBSY: 'Text file busy',
  EINVAL: 'Invalid argument',
};

/** The C strerror() text for an errno name such as 'ENOENT'. */
export function strerrorOf(code: string): string {
  return STRERROR[code] ?? code;
}

/** The C strerror() text of a Node system error, for messages Redis builds with it. */
export function strerror(err: unknown): string {
  // Duck-typed: errors from another realm (a vm context) fail instanceof Error.
  if (typeof err === 'object' && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && STRERROR[code] !== undefined) return STRERROR[code];
    if (typeof message === 'string') return message;
  }
  return String(err);
}
