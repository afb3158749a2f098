/**
 * Redis config line syntax: splitting (sdssplitargs) and its inverse (sdscatrepr).
 * Splitting works on the UTF-8 bytes, so `\xHH` escapes of multi-byte characters survive.
 */
import { splitArgs as splitBytes } from '../util/redis-parsing';

export const UNBALANCED_QUOTES = 'Unbalanced quotes in configuration line';

/** A config line that is neither blank nor a comment. */
export interface ConfigTextLine {
  /** 1-based line number in the text. */
  readonly lineNo: number;
  /** The line without surrounding blanks, as Redis prints it in errors. */
  readonly text: string;
}

/** Splits a line like sdssplitargs(); null when quotes are unbalanced. */
export function splitArgs(line: string): string[] | null {
  return splitBytes(Buffer.from(line, 'utf8'))?.map((arg) => arg.toString('utf8')) ?? null;
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
