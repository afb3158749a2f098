/**
 * Reads a sentinel.conf the way redis-sentinel 7.0 does: the file, then the
 * command-line options as extra lines, `include`s in place, `sentinel` lines
 * queued and applied last.
 */
import * as fs from 'fs';
import * as path from 'path';

import { ConfigError, ConfigStartupError, strerror, strerrorOf } from './errors';
import { globSync, hasGlobMagic } from './glob';
import { applySentinelLines, type QueuedSentinelLine } from './sentinel-directives';
import {
  applyServerDirective,
  createServerState,
  finishServerConfig,
  type ServerState,
} from './server-directives';
import { configTextLines, reprArg, splitArgs, UNBALANCED_QUOTES } from './tokenizer';
import type { LoadedConfig } from './types';

type Reporter = (err: ConfigError) => void;

/** Loads the config, throwing the first error as Redis would stop at it. */
export function loadConfig(configPath: string, extraArgs: string[]): LoadedConfig {
  return readConfig(configPath, extraArgs, (err) => {
    throw err;
  });
}

/** Every error of the config, reading on past each one (for --test-config). */
export function checkConfig(configPath: string, extraArgs: string[]): ConfigError[] {
  const errors: ConfigError[] = [];
  readConfig(configPath, extraArgs, (err) => errors.push(err));
  return errors;
}

export interface CommandLineOptions {
  /** Config text appended after the file, one directive per `--name`. */
  readonly text: string;
  /** A lone `-` as the last argument: read more config from stdin. */
  readonly fromStdin: boolean;
}

/** Turns `--port 26380 --sentinel announce-ip 1.2.3.4` into config lines, like redis-server's main(). */
export function commandLineOptions(args: readonly string[]): CommandLineOptions {
  let text = '';
  let fromStdin = false;
  let nameHasValue = true;
  const isName = (arg: string | undefined): boolean => arg !== undefined && arg.startsWith('--');
  args.forEach((arg, j) => {
    const last = j === args.length - 1;
    if (arg === '-' && last) {
      fromStdin = true;
    } else if (nameHasValue && isName(arg)) {
      if (text !== '') text += '\n';
      text += `${arg.slice(2)} `;
      if ((splitArgs(arg) ?? []).length !== 1) {
        nameHasValue = true; // "--port 6380" given as one argument
        return;
      }
      nameHasValue = false;
      const lower = arg.toLowerCase();
      // `--save` and `--sentinel` may stand alone, as before Redis 7.0.1.
      if (lower === '--save' && (last || isName(args[j + 1]))) {
        text += '""';
        nameHasValue = true;
      } else if (lower === '--sentinel' && !last && isName(args[j + 1])) {
        nameHasValue = true;
      }
    } else {
      text += `${reprArg(arg)} `;
      nameHasValue = true;
    }
  });
  return { text, fromStdin };
}

interface ReadContext {
  readonly state: ServerState;
  readonly queue: QueuedSentinelLine[];
  readonly report: Reporter;
}

function readConfig(configPath: string, extraArgs: string[], report: Reporter): LoadedConfig {
  // Resolved before any `dir` line moves the working directory.
  const file = path.resolve(configPath);
  const ctx: ReadContext = { state: createServerState(process.cwd()), queue: [], report };
  const options = commandLineOptions(extraArgs);
  let text = readFileOrReport(file, file, report);
  if (options.fromStdin) text += fs.readFileSync(0, 'utf8');
  readText(ctx, `${text}\n${options.text}`, file);

  const { state } = ctx;
  if (state.config.logfile !== '') {
    const problem = appendProblem(path.resolve(state.cwd, state.config.logfile));
    if (problem !== undefined) {
      report(new ConfigError(file, undefined, undefined, `Can't open the log file: ${problem}`));
    }
  }
  const sentinel = applySentinelLines(ctx.queue, state.cwd, report);
  const modulePath = state.modulePaths[0];
  if (modulePath !== undefined) {
    report(new ConfigStartupError(file, `Can't load module from ${modulePath}: server aborting`));
  } else if (state.moduleConfigSeen) {
    report(
      new ConfigStartupError(
        file,
        'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting',
      ),
    );
  }
  return { path: file, server: finishServerConfig(state), sentinel };
}

/**
 * Why fopen(file, "a") would fail, found without creating the file so that
 * checking a config has no side effect.
 */
function appendProblem(file: string): string | undefined {
  try {
    if (fs.statSync(file).isDirectory()) return strerrorOf('EISDIR');
    fs.accessSync(file, fs.constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return strerror(err);
    try {
      fs.accessSync(path.dirname(file), fs.constants.W_OK | fs.constants.X_OK);
    } catch (dirErr) {
      return strerror(dirErr);
    }
  }
  return undefined;
}

/** `shownAs` is the name Redis prints: absolute for the main file, as written for includes. */
function readFileOrReport(file: string, shownAs: string, report: Reporter): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    // fopen() of a directory succeeds and reads nothing.
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') return '';
    report(
      new ConfigStartupError(file, `Fatal error, can't open config file '${shownAs}': ${strerror(err)}`),
    );
    return '';
  }
}

function readText(ctx: ReadContext, text: string, file: string): void {
  for (const { lineNo, text: line } of configTextLines(text)) {
    const args = splitArgs(line);
    if (args === null) {
      ctx.report(new ConfigError(file, lineNo, line, UNBALANCED_QUOTES));
      continue;
    }
    const name = args[0]?.toLowerCase();
    if (name === undefined) continue;
    if (name === 'include' && args.length === 2) {
      include(ctx, args[1] ?? '');
    } else if (name === 'sentinel') {
      // A bare `sentinel` only selects sentinel mode.
      if (args.length > 1) ctx.queue.push({ args: args.slice(1), file, lineNo, text: line });
    } else {
      const message = applyServerDirective(ctx.state, args);
      if (message !== undefined) ctx.report(new ConfigError(file, lineNo, line, message));
    }
  }
}

/** Included text is read at once, relative to the current `dir`; a pattern that matches nothing is fine. */
function include(ctx: ReadContext, target: string): void {
  if (!hasGlobMagic(target)) {
    const file = path.resolve(ctx.state.cwd, target);
    readText(ctx, readFileOrReport(file, target, ctx.report), file);
    return;
  }
  // Matches are concatenated and read as one text, as Redis does.
  const text = globSync(target, ctx.state.cwd)
    .map((file) => readFileOrReport(file, file, ctx.report))
    .join('');
  readText(ctx, text, path.resolve(ctx.state.cwd, target));
}
