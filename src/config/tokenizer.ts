/**
 * Redis config line syntax: splitting (sdssplitargs) and its inverse (sdscatrepr).
 * Redis works on bytes; here tokens are UTF-8 strings, and `\xHH` escapes are
 * assembled as bytes before decoding so multi-byte characters survive a round trip.
 */

export const UNBALANCED_QUOTES = 'Unbalanced quotes in configuration line';

/** A config line that is neither blank nor a comment. */
export interface ConfigTextLine {
  /** 1-based line number in the text. */
  readonly lineNo: number;
  /** The line without surrounding blanks, as Redis prints it in errors. */
  readonly text: string;
}

/** C isspace() in the C locale. */
function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** Collects one token; strings stay strings unless a `\xHH` byte forces a byte buffer. */
class TokenBuilder {
  private readonly parts: Buffer[] = [];
  private pending = '';

  char(c: string): void {
    this.pending += c;
  }

  byte(b: number): void {
    this.parts.push(Buffer.from(this.pending, 'utf8'), Buffer.of(b));
    this.pending = '';
  }

  finish(): string {
    if (this.parts.length === 0) return this.pending;
    this.parts.push(Buffer.from(this.pending, 'utf8'));
    return Buffer.concat(this.parts).toString('utf8');
  }
}

function unescape(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\x07';
    default:
      return c;
  }
}

/** Splits a line like sdssplitargs(); null when quotes are unbalanced. */
export function splitArgs(line: string): string[] | null {
  const args: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isCSpace(line[i])) i++;
    if (i >= n) return args;
    const token = new TokenBuilder();
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDouble) {
        if (c === '\\' && line[i + 1] === 'x' && isHexDigit(line[i + 2]) && isHexDigit(line[i + 3])) {
          token.byte(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          token.char(unescape(line[i] ?? ''));
        } else if (c === '"') {
          // A closing quote must end the token.
          if (i + 1 < n && !isCSpace(line[i + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          token.char(c);
        }
      } else if (inSingle) {
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          token.char("'");
        } else if (c === "'") {
          if (i + 1 < n && !isCSpace(line[i + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          token.char(c);
        }
      } else if (c === undefined || c === ' ' || c === '\n' || c === '\r' || c === '\t') {
        done = true;
      } else if (c === '"') {
        inDouble = true;
      } else if (c === "'") {
        inSingle = true;
      } else {
        token.char(c);
      }
      if (i < n) i++;
    }
    args.push(token.finish());
  }
}

/** Trims and numbers the lines of a config text, dropping blanks and comments. */
export function configTextLines(text: string): ConfigTextLine[] {
  const out: ConfigTextLine[] = [];
  const raw = text === '' ? [] : text.split('\n');
  raw.forEach((line, index) => {
    const trimmed = trimConfigLine(line);
    if (trimmed === '' || trimmed.startsWith('#')) return;
    out.push({ lineNo: index + 1, text: trimmed });
  });
  return out;
}

/** sdstrim(line, " \t\r\n"). */
export function trimConfigLine(line: string): string {
  return line.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/** sdscatrepr(): always quoted, non-printable bytes as escapes. */
export function reprArg(value: string): string {
  let out = '"';
  for (const b of Buffer.from(value, 'utf8')) {
    switch (b) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}

/** The value as is when it reads back unchanged as one token, else reprArg(). */
export function quoteArg(value: string): string {
  return /^[\x21-\x7e]+$/.test(value) && !/["']/.test(value) ? value : reprArg(value);
}
