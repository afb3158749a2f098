/**
 * An ACL user as Redis 7.0 keeps one for what a sentinel can run. Names, passwords and
 * channels are latin1 "binary strings" so any byte sequence round-trips.
 */
import { createHash } from 'crypto';

export interface KeyPattern {
  read: boolean;
  write: boolean;
  pattern: string;
}

export class AclUser {
  enabled = false;
  nopass = false;
  sanitizePayload: 'unset' | 'sanitize' | 'skip' = 'unset';
  /** sha256 hex digests, in insertion order. */
  passwords: string[] = [];
  allKeys = false;
  keys: KeyPattern[] = [];
  allChannels = false;
  channels: string[] = [];
  /** Full names (`client|kill`) whose bit is set. */
  allowed = new Set<string>();
  /** Redis's ALLCOMMANDS flag: skip the bit test entirely. */
  allCommands = false;
  /** The reserved "future commands" bit, set only by +@all: decides how ACL LIST starts. */
  futureCommands = false;
  /** Deprecated `+cmd|firstarg` grants for commands without subcommands. */
  firstArgs = new Map<string, string[]>();

  constructor(readonly name: string) {}

  copyFrom(src: AclUser): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.sanitizePayload = src.sanitizePayload;
    this.passwords = [...src.passwords];
    this.allKeys = src.allKeys;
    this.keys = src.keys.map((k) => ({ ...k }));
    this.allChannels = src.allChannels;
    this.channels = [...src.channels];
    this.allowed = new Set(src.allowed);
    this.allCommands = src.allCommands;
    this.futureCommands = src.futureCommands;
    this.firstArgs = new Map([...src.firstArgs].map(([k, v]) => [k, [...v]]));
  }

  flagNames(): string[] {
    const out: string[] = [];
    if (this.enabled) out.push('on');
    else out.push('off');
    if (this.nopass) out.push('nopass');
    if (this.sanitizePayload === 'skip') out.push('skip-sanitize-payload');
    if (this.sanitizePayload === 'sanitize') out.push('sanitize-payload');
    return out;
  }

  keysDescription(): string {
    if (this.allKeys) return '~*';
    return this.keys.map(describeKeyPattern).join(' ');
  }

  channelsDescription(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => `&${c}`).join(' ');
  }
}

export function describeKeyPattern(k: KeyPattern): string {
  if (k.read && k.write) return `~${k.pattern}`;
  return `%${k.read ? 'R' : 'W'}~${k.pattern}`;
}

export function hashPassword(password: Buffer | string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** A JS string as the latin1 "binary string" of its UTF-8 bytes. */
export function toBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** The inverse of toBinary, for text in replies and error messages. */
export function fromBinary(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** Redis refuses these bytes in user names and patterns. */
export function hasSpaces(s: string): boolean {
  return /[\t\n\v\f\r \0]/.test(s);
}
