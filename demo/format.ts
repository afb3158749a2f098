/**
 * Terminal output for the demo: optional colours (only on a TTY, and never with NO_COLOR set),
 * aligned tables, durations.
 */

const useColour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan';

const CODES: Record<Style, number> = {
  bold: 1,
  dim: 2,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
};

export function paint(style: Style | undefined, s: string): string {
  return useColour && style !== undefined ? `\u001b[${CODES[style]}m${s}\u001b[0m` : s;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Length as seen on screen, colour codes left out. */
export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Prints rows under a dim header line, each column as wide as its widest cell; the last is not padded. */
export function printTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  indent = '  ',
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padEnd(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  print(paint('dim', line(headers)));
  for (const row of rows) print(line(row));
}

/** `+1.234s` relative to a reference time (negative before it). */
export function relative(at: number, reference: number): string {
  const s = (at - reference) / 1000;
  return `${s < 0 ? '-' : '+'}${Math.abs(s).toFixed(3)}s`;
}

/** Milliseconds as `1436 ms` below 10 s, else `12.3 s`. */
export function duration(ms: number): string {
  return ms < 10000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Local wall-clock time with milliseconds, e.g. `22:05:38.553`. */
export function clock(at: number): string {
  const d = new Date(at);
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
